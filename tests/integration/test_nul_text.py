import pytest

from bookable.domain.errors import ValidationError
from bookable.storage import models as m


def test_text_with_a_nul_character_is_a_validation_error_on_every_database(world):
    with world.uow() as uow, pytest.raises(ValidationError):
        uow.people.add(m.Person(tenant_id=world.tenant.id, first_name="A\x00B", created_at=m.datetime.now(m.UTC)))
    with world.uow(write=False) as uow, pytest.raises(ValidationError):
        uow.people.by_login("a\x00@example.org")


def test_a_nul_in_a_json_body_is_a_4xx_never_a_500(world, client):
    from tests.conftest import add_api_key

    key = add_api_key(world)
    response = client.post(
        "/api/v1/persons", json={"first_name": "A\u0000B"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert 400 <= response.status_code < 500
