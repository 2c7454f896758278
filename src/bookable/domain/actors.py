"""Who is calling, for which tenant, through which API; and what time it is (UTC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    MEMBER = "member"


class Channel(StrEnum):
    NATIVE = "native"
    VIEWS = "views"
    BOOKINGBUG = "bookingbug"
    BRP = "brp"
    YM = "ym"
    CLI = "cli"
    WEB = "web"
    WORKER = "worker"  # the delivery worker and its periodic jobs (reminders, webhook.endpoint_disabled)


@dataclass(frozen=True)
class Actor:
    tenant_id: int
    name: str
    role: Role
    channel: Channel
    person_id: int | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ADMIN, Role.STAFF)

    @property
    def is_member(self) -> bool:
        return self.role is Role.MEMBER

    def via(self, channel: Channel) -> Actor:
        return Actor(self.tenant_id, self.name, self.role, channel, self.person_id)


def utc_now() -> datetime:
    return datetime.now(UTC)
