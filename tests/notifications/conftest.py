"""Email fixtures: one real SMTP server for the session (its inbox emptied for each test), and the
email channel pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from email_support import SmtpServer, start_smtp_server
from tests.live_server import free_port

from bookable.notifications.email import EmailChannel


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    controller, server = start_smtp_server(free_port())
    yield server
    controller.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> SmtpServer:
    smtp_server.inbox.messages.clear()
    smtp_server.inbox.refuse.clear()
    smtp_server.inbox.sessions.clear()
    return smtp_server


@pytest.fixture
def channel(smtp: SmtpServer) -> EmailChannel:
    return EmailChannel(smtp.config())
