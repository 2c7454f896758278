"""BRP contract fixtures: a tenant with a catalogue, an integration apikey and a logged-in member."""

from __future__ import annotations

from typing import Any

import pytest
from brp_support import Brp, add_api_key, add_member, build_catalogue


@pytest.fixture
def brp(client: Any, world: Any) -> Brp:
    member_id, login, password = add_member(world, street_address="Testgatan 14", postcode="12345",
                                            town="Teststa", gender="female", person_number="850101-1234",
                                            home_phone="012 123 12", mobile_phone="070 123 12",
                                            work_phone="08 123 12", card_number="C-1001", customer_number="K-77")
    return Brp(client, world, add_api_key(world), member_id, login, password, build_catalogue(world))
