"""The webhook channel: every event a tenant's endpoint subscribed to is POSTed to it as JSON,
signed following the Standard Webhooks specification (the `standardwebhooks` library).

Headers: `webhook-id` is `msg_<event id>_<endpoint id>`, the same on every retry and redelivery,
so that a receiver that has seen it can drop the repeat; `webhook-timestamp` is the time of this
try; `webhook-signature` is `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the endpoint's
secret. A 2xx answer is delivered; anything else, a time-out or a refused connection is retried.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from datetime import datetime
from typing import Any

import aiohttp
import orjson
from sqlalchemy import Connection
from standardwebhooks.webhooks import Webhook

from bookable.domain.actors import utc_now
from bookable.notifications import webhook_endpoints
from bookable.notifications.addresses import AddressPolicy, CheckedResolver, RefusedAddress, RefusedByPolicy
from bookable.notifications.delivery_channel import Addressed, Delivery, OutboxEvent, Outcome
from bookable.settings import Settings
from bookable.storage import webhook_endpoints as endpoints
from bookable.storage.database import Database

USER_AGENT = "bookable-webhooks/1"
CONNECTIONS_PER_RECEIVER = 4
"""Connections (so requests in flight) to one receiver at most, kept alive between sends: a slow
receiver holds up only its own deliveries, never the worker's other sends."""
MAX_BODY = 64 * 1024
"""What is read of an answer's body (the log shows the status, not the body); a longer body closes
the connection instead of being read to its end."""
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
    in_turn = False  # an endpoint takes a booking's webhooks at once; each carries its event's id and time

    def __init__(self, database: Database, settings: Settings, ssl_context: ssl.SSLContext | None = None) -> None:
        """`ssl_context`: whom HTTPS receivers' certificates must be signed by (default: the system's CAs)."""
        self._database = database
        self._ssl_context = ssl_context
        self._policy = AddressPolicy.from_settings(settings)
        self._timeout = float(settings.webhook_timeout_seconds)
        self._session: aiohttp.ClientSession | None = None
        self._endpoints: dict[int, tuple[float, Any]] = {}
        self._subscribed_in: tuple[object, dict[tuple[int, str], list[int]]] = (None, {})

    def idle(self, connection: Connection) -> bool:
        return not endpoints.any_enabled(connection)

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
            self._policy.checked_url(endpoint.url)  # an IP literal is checked here: aiohttp resolves only names
        except RefusedAddress as refused:
            return Outcome(delivered=False, retry=True, detail=f"refused: {refused}")
        return await self._post(endpoint.url, endpoint.secret, message_id(delivery.event_id, endpoint_id),
                                orjson.dumps(delivery.payload))

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

    async def _post(self, url: str, secret: str, msg_id: str, body: bytes) -> Outcome:
        now = utc_now()
        headers = {"content-type": "application/json", "user-agent": USER_AGENT, "webhook-id": msg_id,
                   "webhook-timestamp": str(int(now.timestamp())),
                   "webhook-signature": Webhook(secret).sign(msg_id, now, body)}
        try:
            async with self._http().post(url, data=body, headers=headers, allow_redirects=False) as answer:
                await _read_some(answer)
                return Outcome(delivered=200 <= answer.status < 300, retry=True, status=answer.status,
                               detail=answer.reason or "")
        except TimeoutError:  # the session's total time-out: the whole try, however slowly the answer trickles in
            return Outcome(delivered=False, retry=True, detail=f"no answer within {self._timeout:g} s")
        except aiohttp.ClientConnectorDNSError as error:
            if isinstance(error.os_error, RefusedByPolicy):
                return Outcome(delivered=False, retry=True, detail=f"refused: {error.os_error}")
            return Outcome(delivered=False, retry=True, detail=f"{type(error).__name__}: {error}"[:500])
        except aiohttp.ClientError as error:
            return Outcome(delivered=False, retry=True, detail=f"{type(error).__name__}: {error}"[:500])

    def _http(self) -> aiohttp.ClientSession:
        """The session every send goes through, made on first use in the worker's loop."""
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=0,  # the worker's own concurrency bounds the total; the per-receiver bound is what matters
                limit_per_host=CONNECTIONS_PER_RECEIVER, resolver=CheckedResolver(self._policy),
                ssl=self._ssl_context or True)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=self._timeout),
                cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False,
                skip_auto_headers=("Accept-Encoding",), trust_env=False)
        return self._session

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


async def _read_some(answer: aiohttp.ClientResponse) -> None:
    """The answer's body up to MAX_BODY, dropped; if there is more, aiohttp closes the connection
    when the answer is released instead of keeping it for the next send."""
    left = MAX_BODY
    while left > 0 and (chunk := await answer.content.read(left)):
        left -= len(chunk)
