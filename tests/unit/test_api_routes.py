"""ApiRoutes chooses the route FastAPI's own matching would choose, the first time a path is seen
and every time after (a parameterless route's match is remembered)."""

from __future__ import annotations

import re

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from bookable.api.api_routes import ApiRoutes


def client_for(router: APIRouter) -> TestClient:
    app = FastAPI()
    app.router.routes.append(ApiRoutes(re.compile(r"/things"), router.routes))
    return TestClient(app)


def test_a_parameterless_route_answers_its_path_each_time_and_other_methods_get_405():
    router = APIRouter(prefix="/things")
    router.add_api_route("", lambda: {"route": "create"}, methods=["POST"])
    router.add_api_route("/{thing_id}", lambda thing_id: {"route": "read", "id": thing_id}, methods=["GET"])
    client = client_for(router)
    for _ in range(3):
        assert client.post("/things").json() == {"route": "create"}
        assert client.get("/things").status_code == 405
        assert client.get("/things/7").json() == {"route": "read", "id": "7"}


def test_a_parameter_route_declared_first_keeps_a_path_a_later_parameterless_route_also_matches():
    router = APIRouter(prefix="/things")
    router.add_api_route("/{name}", lambda name: {"route": "named", "name": name}, methods=["GET"])
    router.add_api_route("/new", lambda: {"route": "new"}, methods=["GET"])
    router.add_api_route("/new", lambda: {"route": "make new"}, methods=["POST"])
    client = client_for(router)
    for _ in range(3):
        assert client.get("/things/new").json() == {"route": "named", "name": "new"}
        assert client.post("/things/new").json() == {"route": "make new"}


def test_an_unknown_path_under_the_api_is_404_each_time():
    router = APIRouter(prefix="/things")
    router.add_api_route("", lambda: {"route": "create"}, methods=["POST"])
    client = client_for(router)
    for _ in range(2):
        assert client.post("/things/elsewhere").status_code == 404


def test_a_parameter_route_answers_each_path_with_its_own_parameters_each_time():
    router = APIRouter(prefix="/things")
    router.add_api_route("/{thing_id}", lambda thing_id: {"route": "read", "id": thing_id}, methods=["GET"])
    router.add_api_route("/{thing_id}", lambda thing_id: {"route": "write", "id": thing_id}, methods=["PUT"])
    client = client_for(router)
    for _ in range(3):
        for thing in ("7", "8", "a-b"):
            assert client.get(f"/things/{thing}").json() == {"route": "read", "id": thing}
            assert client.put(f"/things/{thing}").json() == {"route": "write", "id": thing}
        assert client.post("/things/7").status_code == 405


def test_routes_are_still_chosen_right_when_the_remembered_paths_are_full_or_too_long(monkeypatch):
    monkeypatch.setattr("bookable.api.api_routes.ROUTES_REMEMBERED", 2)
    router = APIRouter(prefix="/things")
    router.add_api_route("/{thing_id}", lambda thing_id: {"id": thing_id}, methods=["GET"])
    client = client_for(router)
    long_name = "x" * 300
    for _ in range(2):
        for thing in ("1", "2", "3", long_name):
            assert client.get(f"/things/{thing}").json() == {"id": thing}
    routes = next(route for route in client.app.router.routes if isinstance(route, ApiRoutes))
    assert len(routes._known) == 2
