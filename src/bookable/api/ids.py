"""The ids every API accepts: positive integers that fit the id columns.

Ids are `Integer` columns: 64-bit on SQLite, but 32-bit on PostgreSQL, where a larger number cannot
even be compared with one without an error. Every API reads ids to this one range, so the same
request gets the same answer on both databases: an id outside it names nothing (404), and a field
holding one is refused (422 in the native API, the dialect's own status elsewhere) before any
query runs.
"""

from __future__ import annotations

MAX_ID = 2_147_483_647


def is_id(value: int) -> bool:
    return 1 <= value <= MAX_ID
