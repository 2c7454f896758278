"""Views contract fixtures."""

from __future__ import annotations

from typing import Any

import pytest
from views_support import Views, staff_login


@pytest.fixture
def views(client: Any, world: Any) -> Views:
    """A Views client logged in (HTTP Basic) as a staff user of the test's own account."""
    return Views(world, client, staff_login(world))
