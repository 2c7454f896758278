"""The webhook channel: every event a tenant's endpoint subscribed to is POSTed to it as JSON,
signed following the Standard Webhooks specification (the `standardwebhooks` library).

Headers: `webhook-id` is `msg_<event id>_<endpoint id>`, the same on every retry and redelivery,
so that a receiver that has seen it can drop the repeat; `webhook-timestamp` is the time of this
try; `webhook-signature` is `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the endpoint's
secret. A 2xx answer is delivered; anything else, a time-out or a refused connection is retried.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import time
from datetime import datetime
from typing import Any

import httpx
import orjson
from sqlalchemy import Connection
from standardwebhooks.webhooks import Webhook

from bookable.domain.actors import utc_now
from bookable.notifications import webhook_endpoints
from bookable.notifications.addresses import AddressPolicy, RefusedAddress, Target
from bookable.notifications.delivery_channel import Addressed, Delivery, OutboxEvent, Outcome
from bookable.notifications.http_transport import LeanTransport
from bookable.settings import Settings
from bookable.storage import webhook_endpoints as endpoints
from bookable.storage.database import Database

USER_AGENT = "bookable-webhooks/1"
CONNECTIONS_PER_RECEIVER = 4
"""Requests in flight to one receiver at most. Each receiver has a client of its own: a slow one
holds up only its own deliveries."""
ENDPOINT_FRESH_SECONDS = 1.0
"""How long a send may use an endpoint's URL, secret and enabled flag as read before: a change
through the API reaches the sends within this, and a burst of deliveries reads each endpoint once."""


def message_id(event_id: int, endpoint_id: int) -> str:
    return f"msg_{event_id}_{endpoint_id}"


def payload_of(event: OutboxEvent) -> dict[str, Any]:
    """The body every endpoint gets for an event: {id, type, timestamp, data}."""
    return {"id": event.id, "type": event.type, "timestamp": event.at.isoformat(),
            "data": {"entity": event.entity, "entity_id": event.entity_id, "before": event.before,
                     "after": event.after, "actor": event.actor, "channel": event.channel,
                     "tenant_id": event.tenant_id}}


class WebhookChannel:
    name = webhook_endpoints.CHANNEL

    def __init__(self, database: Database, settings: Settings, ssl_context: ssl.SSLContext | None = None) -> None:
        """`ssl_context`: whom HTTPS receivers' certificates must be signed by (default: the system's CAs)."""
        self._database = database
        self._ssl_context = ssl_context
        self._policy = AddressPolicy.from_settings(settings)
        self._timeout = float(settings.webhook_timeout_seconds)
        self._clients: dict[tuple[str, str, int], tuple[httpx.AsyncClient, asyncio.Semaphore]] = {}
        self._endpoints: dict[int, tuple[float, Any]] = {}
        self._subscribed_in: tuple[object, dict[tuple[int, str], list[int]]] = (None, {})

    def fan_out(self, connection: Connection, event: OutboxEvent) -> list[Addressed]:
        subscribed = self._subscribed(connection, event.tenant_id, event.type)
        if not subscribed:
            return []
        payload = payload_of(event)
        return [Addressed(webhook_endpoints.target_of(endpoint_id), payload) for endpoint_id in subscribed]

    def _subscribed(self, connection: Connection, tenant_id: int, event_type: str) -> list[int]:
        """Read once per tenant and type in one fan-out transaction (which sees one state of the
        endpoints anyway), not once per event."""
        transaction, found = self._subscribed_in
        current = connection.get_transaction()
        if transaction is not current:
            found = {}
            self._subscribed_in = (current, found)
        key = (tenant_id, event_type)
        if key not in found:
            found[key] = endpoints.subscribed(connection, tenant_id, event_type)
        return found[key]

    async def send(self, delivery: Delivery) -> Outcome:
        endpoint_id = webhook_endpoints.endpoint_of(delivery.target)
        endpoint = await self._endpoint_for_send(endpoint_id)
        if endpoint is None:
            return Outcome(delivered=False, retry=False, detail="the endpoint was deleted")
        if not endpoint.enabled:
            return Outcome(delivered=False, retry=False, detail="the endpoint is disabled")
        try:
            async with asyncio.timeout(self._timeout):  # the whole try, however slowly the answer trickles in
                target = await self._policy.resolve(endpoint.url)
                return await self._post(target, endpoint.secret, message_id(delivery.event_id, endpoint_id),
                                        orjson.dumps(delivery.payload))
        except RefusedAddress as refused:
            return Outcome(delivered=False, retry=True, detail=f"refused: {refused}")
        except TimeoutError:
            return self._timed_out()

    def gave_up(self, connection: Connection, delivery: Delivery, outcome: Outcome, now: datetime) -> None:
        """Retried for as long as the settings say, in vain: the endpoint is disabled and staff told."""
        if outcome.retry:
            reason = f"delivery {delivery.id} failed for too long: {outcome.detail or outcome.status}"
            webhook_endpoints.disable(connection, webhook_endpoints.endpoint_of(delivery.target), reason, now)

    async def _endpoint_for_send(self, endpoint_id: int) -> Any:
        read_at, endpoint = self._endpoints.get(endpoint_id, (0.0, None))
        if time.monotonic() - read_at > ENDPOINT_FRESH_SECONDS:
            endpoint = await asyncio.to_thread(self._endpoint, endpoint_id)
            self._endpoints[endpoint_id] = (time.monotonic(), endpoint)
        return endpoint

    def _endpoint(self, endpoint_id: int) -> Any:
        with self._database.read_engine.connect() as connection:
            return endpoints.for_sending(connection, endpoint_id)

    async def _post(self, target: Target, secret: str, msg_id: str, body: bytes) -> Outcome:
        now = utc_now()
        headers = {"content-type": "application/json", "user-agent": USER_AGENT, "webhook-id": msg_id,
                   "webhook-timestamp": str(int(now.timestamp())),
                   "webhook-signature": Webhook(secret).sign(msg_id, now, body),
                   "host": target.url.netloc}
        extensions = {"sni_hostname": target.url.hostname} if target.url.scheme == "https" else {}
        client, turns = self._http(target)
        try:
            async with turns:  # never more requests than connections: httpcore's queue is costly to run
                answer = await client.post(_pinned_url(target), content=body, headers=headers, extensions=extensions)
        except httpx.TimeoutException:
            return self._timed_out()
        except httpx.HTTPError as error:
            return Outcome(delivered=False, retry=True, detail=f"{type(error).__name__}: {error}"[:500])
        detail = answer.reason_phrase or ""
        return Outcome(delivered=200 <= answer.status_code < 300, retry=True, status=answer.status_code,
                       detail=detail)

    def _timed_out(self) -> Outcome:
        return Outcome(delivered=False, retry=True, detail=f"no answer within {self._timeout:g} s")

    def _http(self, target: Target) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        """The client of one receiver (scheme, address, port), made on first use in the worker's loop,
        and the turns its connections are taken in."""
        key = (target.url.scheme, str(target.address), target.port)
        found = self._clients.get(key)
        if found is None:
            client = httpx.AsyncClient(transport=LeanTransport(self._ssl_context), timeout=self._timeout,
                                       follow_redirects=False, trust_env=False)
            found = self._clients[key] = (client, asyncio.Semaphore(CONNECTIONS_PER_RECEIVER))
        return found

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client, _ in clients:
            await client.aclose()


def _pinned_url(target: Target) -> str:
    """The URL with its host replaced by the address that was checked: no second lookup of the
    name, which could answer differently (DNS rebinding). Host and TLS name stay the original."""
    host = f"[{target.address}]" if isinstance(target.address, ipaddress.IPv6Address) else str(target.address)
    url = target.url
    return url._replace(netloc=f"{host}:{target.port}").geturl()
