"""Which endpoints DirectRoute runs itself (ADR 0013): only those whose shape it can read exactly
as FastAPI would; any other shape keeps FastAPI's handler."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from bookable.api.direct_route import DirectRoute, is_direct


class Body(BaseModel):
    n: int


async def who(request: Request) -> str:
    return request.headers.get("x-who", "nobody")


def sync_who(request: Request) -> str:
    return threading.current_thread().name


async def who_twice(name: str = Depends(who)) -> str:
    return name * 2


async def generator(request: Request) -> AsyncIterator[str]:
    yield "x"


async def body_and_who(body: Body, name: str = Depends(who)) -> Response:
    return JSONResponse({"n": body.n, "who": name})


async def request_only(request: Request) -> Response:
    return JSONResponse({"path": request.url.path})


def sync_endpoint(name: str = Depends(sync_who)) -> Response:
    return JSONResponse({"endpoint": threading.current_thread().name, "dependency": name})


async def with_query(q: int = Query(0)) -> Response:
    return JSONResponse({"q": q})


async def with_sub_dependency(name: str = Depends(who_twice)) -> Response:
    return JSONResponse({"who": name})


async def with_generator(value: str = Depends(generator)) -> Response:
    return JSONResponse({"value": value})


async def not_a_response(request: Request) -> dict[str, int]:
    return {"n": 1}


def route_of(endpoint: Any, method: str = "POST") -> tuple[FastAPI, DirectRoute]:
    router = APIRouter(route_class=DirectRoute)
    router.add_api_route("/x", endpoint, methods=[method])
    (route,) = router.routes
    assert isinstance(route, DirectRoute)
    app = FastAPI()
    app.router.routes.append(route)  # as create_app adds each API's routes
    return app, route


@pytest.mark.parametrize("endpoint", [body_and_who, request_only, sync_endpoint])
def test_simple_shapes_are_direct(endpoint: Any) -> None:
    assert is_direct(route_of(endpoint)[1].dependant)


@pytest.mark.parametrize("endpoint", [with_query, with_sub_dependency, with_generator])
def test_other_shapes_keep_fastapis_handler_and_still_work(endpoint: Any) -> None:
    app, route = route_of(endpoint)
    assert not is_direct(route.dependant)
    with TestClient(app) as client:
        assert client.post("/x?q=3", headers={"x-who": "ab"}).json() in ({"q": 3}, {"who": "abab"}, {"value": "x"})


def test_a_direct_endpoint_gets_its_body_and_dependency() -> None:
    app, _ = route_of(body_and_who)
    with TestClient(app) as client:
        assert client.post("/x", json={"n": 4}, headers={"x-who": "ann"}).json() == {"n": 4, "who": "ann"}
        assert client.post("/x", json={"n": "four"}).status_code == 422


def test_def_endpoints_and_dependencies_run_in_the_thread_pool_as_fastapi_runs_them() -> None:
    app, _ = route_of(sync_endpoint)
    with TestClient(app) as client:
        answer = client.post("/x").json()
    assert answer["endpoint"] != "MainThread" and answer["dependency"] != "MainThread"
    assert "AnyIO" in answer["endpoint"] or "worker" in answer["endpoint"].lower()


def test_a_direct_endpoint_must_answer_with_a_response() -> None:
    app, route = route_of(not_a_response)
    assert is_direct(route.dependant)
    with TestClient(app, raise_server_exceptions=True) as client, pytest.raises(TypeError, match="Response"):
        client.post("/x")
