"""One rule for email addresses, whichever path a person's details come in by."""

from __future__ import annotations

import pytest

from bookable.domain.errors import ValidationError
from bookable.services import catalog, person_details

NOT_ADDRESSES = ["a b@c", "a b@example.org", "anna@", "@example.org", "anna@example", "anna@@example.org"]


@pytest.mark.parametrize("email", NOT_ADDRESSES)
def test_a_malformed_address_is_refused_by_the_details_check_and_by_person_creation(world, email):
    with pytest.raises(ValidationError, match="not an email address"):
        person_details.check_details({"email": email})
    with world.uow() as uow, pytest.raises(ValidationError, match="not an email address"):
        catalog.create_person(uow, world.admin, {"first_name": "Anna", "email": email})


def test_a_well_formed_address_is_accepted_by_both(world):
    person_details.check_details({"email": "anna.lindqvist@example.se"})
    with world.uow() as uow:
        person = catalog.create_person(uow, world.admin, {"first_name": "Anna", "email": "anna.lindqvist@example.se"})
        uow.commit()

    assert person.email == "anna.lindqvist@example.se"
