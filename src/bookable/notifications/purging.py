"""The worker's housekeeping: what only grows is purged on a timer. Finished deliveries (delivered
or given up) are kept for `deliveries_kept_days` (their log on the staff pages and the native API
reaches back that far); one-time form tokens for as long as a form could still be posted with them:
a form needs its session's CSRF token, and a session lives at most web.session.MAX_AGE_SECONDS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection

from bookable.observability.logs import logger
from bookable.storage import deliveries
from bookable.storage.web_forms import purge_form_tokens
from bookable.web.session import MAX_AGE_SECONDS

log = logger("bookable.purging")

PURGE_INTERVAL_SECONDS = 600.0
PURGE_BATCH = 5000
"""Rows per table per run: one short write transaction, even on SQLite, however much has piled up."""
FORM_TOKENS_KEPT = timedelta(seconds=MAX_AGE_SECONDS) + timedelta(days=1)
PurgeJob = Callable[[Connection, datetime], None]


def purge_job(kept_days: int) -> PurgeJob:
    kept = timedelta(days=kept_days)

    def job(connection: Connection, now: datetime) -> None:
        purge(connection, now, kept)

    return job


def purge(connection: Connection, now: datetime, deliveries_kept: timedelta) -> tuple[int, int]:
    """Purge what is older than it is useful; (deliveries, form tokens) purged."""
    gone = deliveries.purge_finished(connection, now - deliveries_kept, PURGE_BATCH)
    tokens = purge_form_tokens(connection, now - FORM_TOKENS_KEPT, PURGE_BATCH)
    if gone or tokens:
        log.info("purged", deliveries=gone, form_tokens=tokens)
    return gone, tokens
