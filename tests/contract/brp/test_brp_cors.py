"""A gym's web site calls BRP from browser JavaScript: CORS with the tenant's own allowed origins."""

from __future__ import annotations

import pytest
from brp_support import error_of, make_offering, other_tenant

from bookable.domain.errors import ValidationError
from bookable.services import tenants

SITE = "https://www.stadsgymmet.se"


def allow(world, *origins):  # type: ignore[no-untyped-def]
    with world.uow() as uow:
        uow.session.merge(world.tenant).cors_origins = tenants.cors_origins(list(origins))
        uow.commit()


def preflight(brp, origin, method="POST", headers="authorization, content-type", tenant=None):  # type: ignore[no-untyped-def]
    return brp.client.options(brp.url("bookings", "json", tenant), headers={
        "Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers})


def test_a_preflight_from_a_listed_origin_is_answered_with_credentials_allowed(brp):
    allow(brp.world, SITE)
    response = preflight(brp, SITE)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SITE
    assert response.headers["access-control-allow-credentials"] == "true"
    assert {"GET", "POST", "DELETE"} <= {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert {"authorization", "content-type", "apikey", "idempotency-key"} <= {
        h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
    assert response.headers["vary"] == "Origin" and int(response.headers["access-control-max-age"]) > 0


def test_a_preflight_from_any_other_origin_is_refused_in_the_brp_envelope(brp):
    allow(brp.world, SITE)
    response = preflight(brp, "https://evil.example")
    assert response.status_code == 403 and error_of(response)["code"] == "1020"
    assert "access-control-allow-origin" not in response.headers


def test_a_members_call_from_a_listed_origin_may_be_read_by_the_page(brp):
    allow(brp.world, SITE)
    slot = brp.world.slots(make_offering(brp.world).id)[0]
    brp.headers = {"Origin": SITE}
    booked = brp.post("bookings", "json", form={"type": "ordinary", "activityid": slot.id})
    wrong = brp.get("bookings", "json", member=(brp.login, "wrong"))
    for response in (booked, wrong):
        assert response.headers["access-control-allow-origin"] == SITE
        assert response.headers["access-control-allow-credentials"] == "true"
        assert "Retry-After" in response.headers["access-control-expose-headers"]
    assert booked.status_code == 200 and wrong.status_code == 401


def test_an_unlisted_origin_gets_its_answer_without_cors_headers(brp):
    allow(brp.world, SITE)
    response = brp.client.get(brp.url("activities", "json"), params={"apikey": brp.apikey},
                              headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers and response.headers["vary"] == "Origin"


def test_any_origin_may_read_a_public_timetable_but_never_with_credentials(brp):
    allow(brp.world, "*")
    timetable = brp.client.get(brp.url("activities", "json"), params={"apikey": brp.apikey},
                               headers={"Origin": "https://any.example"})
    assert timetable.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in timetable.headers
    check = preflight(brp, "https://any.example", method="GET")
    assert check.status_code == 204 and "authorization" not in check.headers["access-control-allow-headers"]


def test_no_origin_is_allowed_until_the_tenant_lists_one_and_another_tenants_list_does_not_count(brp, database):
    assert preflight(brp, SITE).status_code == 403
    other = other_tenant(database)
    allow(other, SITE)
    assert preflight(brp, SITE).status_code == 403
    assert preflight(brp, SITE, tenant=other.tenant.slug).status_code == 204


def test_requests_without_an_origin_and_other_apis_carry_no_cors_headers(brp):
    allow(brp.world, SITE)
    plain = brp.get("activities", "json", member=False)
    native = brp.client.get("/api/v1/slots", headers={"Origin": SITE, "Authorization": f"Bearer {brp.apikey}"})
    assert plain.status_code == native.status_code == 200
    assert not [name for name in (*plain.headers, *native.headers) if name.startswith("access-control")]


@pytest.mark.parametrize("origin", ["www.gym.se", "ftp://gym.se", "https://gym.se/path", "https://u:p@gym.se",
                                    "https://gym.se?x=1", " https://gym.se", "https://gym.se:99999"])
def test_an_allowed_origin_is_a_scheme_host_and_port_only(world, origin):
    with pytest.raises(ValidationError):
        allow(world, origin)
