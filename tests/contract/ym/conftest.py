"""YourMembership contract tests: a client's view of the three formats, and the engine's data."""

from __future__ import annotations

from typing import Any

import pytest
from ym_helpers import Ym, staff_headers

from bookable.domain.actors import Role


@pytest.fixture
def ym(world: Any, client: Any) -> Ym:
    return Ym(world, client, staff_headers(world, Role.ADMIN))
