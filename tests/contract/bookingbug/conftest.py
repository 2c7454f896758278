"""BookingBug contract fixtures."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from bookingbug_support import BookingBug, staff_login


@pytest.fixture
def bb(client: Any, world: Any) -> BookingBug:
    """A BookingBug client logged in (HTTP Basic) as a staff user of the test's own company."""
    return BookingBug(client, world, staff_login(world, f"bb-{uuid.uuid4().hex[:10]}"))
