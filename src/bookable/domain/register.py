"""Registers: what replacing a session's register does to whoever it leaves out, and when several
participants may be removed at once.

A register is the participant data *for one session*. Leaving someone out of it must not touch
their other sessions, nor their money:
- a whole-course booking holds every session of the course: on this session its person is marked
  absent (attended 0, no volunteering), and the booking and its other sessions stay as they are;
- on a paid session (its offering has a price) the person is marked absent too: cancelling a paid
  booking is a decision about money (refund, credit note or neither), which a register does not
  say, so it is made one participant at a time (bulk_removal_allowed());
- otherwise (a free session's own booking) they leave the register: the booking is cancelled, its
  row stays, and the freed place goes to the waiting list.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class RegisterChange(StrEnum):
    CANCEL = "cancel"
    MARK_ABSENT = "mark_absent"


def plan_register(paid: bool, left_out_is_course: Sequence[bool]) -> list[RegisterChange]:
    """For each booking a replaced register leaves out (True: a whole-course booking), what
    becomes of it."""
    return [RegisterChange.MARK_ABSENT if paid or course else RegisterChange.CANCEL for course in left_out_is_course]


def bulk_removal_allowed(paid: bool) -> bool:
    """Participants are removed by the list only from a free session: on a paid one each removal
    says what becomes of the money held."""
    return not paid
