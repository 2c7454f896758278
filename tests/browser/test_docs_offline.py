"""/docs and /redoc render with no network: every file they need comes from bookable itself."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from tests.e2e.e2e_support import running_server

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
REDOC_BRANDING = "https://cdn.redoc.ly/redoc/logo-mini.svg"
"""ReDoc's "API docs by Redocly" logo, which it always asks for and hides when it fails to load."""


def offline_page(browser, refused: list[str]):  # type: ignore[no-untyped-def]
    """A page whose every request to anywhere but this machine is refused (and noted)."""
    page = browser.new_page()

    def only_local(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page.route("**/*", only_local)
    return page


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("docs")
    with running_server(f"sqlite:///{folder / 'docs.db'}", folder / "serve.log") as (base, _):
        yield base


def test_swagger_ui_renders_the_native_api_without_the_network(browser, server):
    refused: list[str] = []
    page = offline_page(browser, refused)

    page.goto(f"{server}/docs")
    page.wait_for_selector(".swagger-ui .opblock-summary-path", timeout=30_000)

    assert refused == []
    assert page.locator(".swagger-ui .title").first.inner_text().startswith("bookable")
    assert page.locator(".opblock-summary-path", has_text="/api/v1/bookings").count() >= 1
    page.close()


def test_redoc_renders_the_native_api_without_the_network(browser, server):
    refused: list[str] = []
    page = offline_page(browser, refused)

    page.goto(f"{server}/redoc")
    page.wait_for_selector(".api-content h1", timeout=30_000)
    page.wait_for_selector("[data-section-id^='tag/']", timeout=30_000)

    assert set(refused) <= {REDOC_BRANDING}
    assert page.locator(".api-content h1").first.inner_text().startswith("bookable")
    assert "/api/v1/bookings" in page.content()
    page.close()
