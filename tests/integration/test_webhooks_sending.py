"""The webhook channel's sending (aiohttp) against a real receiver and a real database: TLS checked
against the URL's host name with an openssl-made CA, an untrusted certificate refused, the time-out
bounding a whole try, kept-alive connections reused and replaced once the receiver closed them, a
long answer body not read to its end, and names resolving to a non-public address refused unless
the operator allows it (the connection goes only to an address that was checked)."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from bench.webhook_receiver import receiving
from tests.conftest import World

from bookable.domain.actors import utc_now
from bookable.notifications import webhook_endpoints
from bookable.notifications.addresses import AddressPolicy
from bookable.notifications.delivery_channel import Delivery, Outcome
from bookable.notifications.webhooks import WebhookChannel, message_id
from bookable.settings import Settings

LOCAL = dict(webhooks_allowed_networks="127.0.0.1/32", webhook_timeout_seconds=5)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway CA and a certificate it signed for the name localhost only, made with openssl."""
    folder = tmp_path_factory.mktemp("tls")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=bookable test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=localhost")
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    return folder


def server_tls(folder: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "server.pem", folder / "server.key")
    return context


def trusting(folder: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(folder / "ca.pem"))


def endpoint_at(world: World, url: str) -> int:
    with world.uow() as uow:
        endpoint = webhook_endpoints.create(uow, world.admin, AddressPolicy(allow_private=True), url,
                                            ["slot.cancelled"], True)
        uow.commit()
        return endpoint.id


def delivery_to(world: World, endpoint_id: int, event_id: int = 1) -> Delivery:
    return Delivery(id=event_id, tenant_id=world.tenant.id, event_id=event_id, channel="webhook",
                    target=webhook_endpoints.target_of(endpoint_id), payload={"id": event_id, "at": str(utc_now())},
                    attempt=1)


def sending(channel: WebhookChannel, *deliveries: Delivery, between: Any = None) -> list[Outcome]:
    """Each delivery sent in turn on one event loop (as the worker does), `between()` after the first."""
    async def run() -> list[Outcome]:
        outcomes = []
        try:
            for n, delivery in enumerate(deliveries):
                if n == 1 and between is not None:
                    await asyncio.to_thread(between)
                outcomes.append(await channel.send(delivery))
        finally:
            await channel.close()
        return outcomes

    return asyncio.run(run())


def channel_for(world: World, ssl_context: ssl.SSLContext | None = None, **settings: Any) -> WebhookChannel:
    return WebhookChannel(world.database, Settings(**{**LOCAL, **settings}), ssl_context)


def test_an_https_receiver_is_checked_against_the_urls_host_name(world, certificates):
    with receiving(tls=server_tls(certificates)) as receiver:
        port = receiver.address[1]
        by_name = endpoint_at(world, f"https://localhost:{port}/hook")
        by_address = endpoint_at(world, f"https://127.0.0.1:{port}/hook")
        named, addressed = sending(channel_for(world, trusting(certificates)),
                                   delivery_to(world, by_name, 7), delivery_to(world, by_address, 8))
        assert (named.delivered, named.status) == (True, 200)
        [request] = receiver.requests  # the certificate names localhost, not 127.0.0.1
        assert request.headers["host"] == f"localhost:{port}"
        assert request.headers["webhook-id"] == message_id(7, by_name)
        assert (addressed.delivered, addressed.retry) == (False, True)
        assert "certificate" in addressed.detail.lower() and "127.0.0.1" in addressed.detail


def test_an_https_receiver_whose_certificate_is_not_trusted_is_refused(world, certificates):
    with receiving(tls=server_tls(certificates)) as receiver:
        endpoint_id = endpoint_at(world, f"https://localhost:{receiver.address[1]}/hook")
        [outcome] = sending(channel_for(world), delivery_to(world, endpoint_id))
        assert (outcome.delivered, outcome.retry) == (False, True)
        assert "CERTIFICATE_VERIFY_FAILED" in outcome.detail
        assert receiver.requests == []


def test_the_time_out_bounds_a_whole_try_and_the_next_send_goes_through(world):
    with receiving() as receiver:
        endpoint_id = endpoint_at(world, receiver.url)
        receiver.delay_seconds = 3.0

        def faster() -> None:
            receiver.delay_seconds = 0

        started = time.monotonic()
        slow, fast = sending(channel_for(world, webhook_timeout_seconds=1), delivery_to(world, endpoint_id, 1),
                             delivery_to(world, endpoint_id, 2), between=faster)
        assert (slow.delivered, slow.retry, slow.detail) == (False, True, "no answer within 1 s")
        assert (fast.delivered, fast.status) == (True, 200)
        assert time.monotonic() - started < 2.9  # the slow answer was not waited for
        # the receiver records a request once answered: the slow one (still waiting) not yet
        assert [r.headers["webhook-id"] for r in receiver.requests] == [message_id(2, endpoint_id)]
        assert receiver.connections_made == 2  # the connection cut off mid-request was not reused


def test_a_connection_is_kept_alive_and_replaced_after_the_receiver_closed_it(world):
    with receiving() as receiver:
        endpoint_id = endpoint_at(world, receiver.url)

        def close_and_wait() -> None:
            assert receiver.connections_made == 1
            receiver.drop_connections()
            time.sleep(0.2)

        outcomes = sending(channel_for(world), *[delivery_to(world, endpoint_id, n) for n in range(1, 5)],
                           between=close_and_wait)
        assert [o.status for o in outcomes] == [200] * 4
        assert receiver.connections_made == 2  # one before the close, one after: 4 requests
        assert [r.headers["webhook-id"] for r in receiver.requests] == [message_id(n, endpoint_id)
                                                                        for n in range(1, 5)]


def test_a_long_answer_body_is_not_read_to_its_end_and_its_connection_not_reused(world):
    with receiving() as receiver:
        receiver.answer_body = b"x" * (4 * 1024 * 1024)
        endpoint_id = endpoint_at(world, receiver.url)
        outcomes = sending(channel_for(world), delivery_to(world, endpoint_id, 1), delivery_to(world, endpoint_id, 2))
        assert [o.status for o in outcomes] == [200, 200]
        assert receiver.connections_made == 2


def test_five_hundred_is_retried_with_its_status(world):
    with receiving() as receiver:
        receiver.fail_next(1)
        endpoint_id = endpoint_at(world, receiver.url)
        [outcome] = sending(channel_for(world), delivery_to(world, endpoint_id))
        assert (outcome.delivered, outcome.retry, outcome.status) == (False, True, 500)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_a_name_or_address_of_the_loopback_is_refused_at_send_unless_allowed(world, host):
    with receiving() as receiver:
        endpoint_id = endpoint_at(world, f"http://{host}:{receiver.address[1]}/hook")
        [refused] = sending(channel_for(world, webhooks_allowed_networks=""), delivery_to(world, endpoint_id))
        assert (refused.delivered, refused.retry) == (False, True)
        assert refused.detail.startswith("refused: ") and "127.0.0.1" in refused.detail
        assert receiver.requests == [] and receiver.connections_made == 0
        [allowed] = sending(channel_for(world), delivery_to(world, endpoint_id))
        assert (allowed.delivered, allowed.status) == (True, 200)
