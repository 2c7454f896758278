"""The SMTP connection as configured: STARTTLS with a login, TLS from the first byte, the server's
certificate checked against the configured authorities, and what a failure means for a retry; each
against a real aiosmtpd server with a certificate made for the test by openssl."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from email_support import Inbox, SmtpServer, a_delivery, each_then_close
from tests.live_server import free_port

from bookable import settings
from bookable.domain.errors import ValidationError
from bookable.notifications.delivery_channel import Delivery
from bookable.notifications.email import EmailChannel, SmtpConfig

USER, PASSWORD = "bookable", "s3cret smtp"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A certificate authority of the test's own, and a server certificate it signed for 127.0.0.1."""
    folder = tmp_path_factory.mktemp("tls")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=bookable test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=127.0.0.1")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    return {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}


def server_context(certificates: dict[str, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates["cert"], certificates["key"])
    return context


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    good = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=good, handled=False)


@pytest.fixture
def starttls_server(certificates: dict[str, Path]) -> Iterator[SmtpServer]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=server_context(certificates),
                            require_starttls=True, auth_required=True, authenticator=check_login)
    controller.start()
    yield SmtpServer(inbox, port)
    controller.stop()


@pytest.fixture
def tls_server(certificates: dict[str, Path]) -> Iterator[SmtpServer]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=server_context(certificates))
    controller.start()
    yield SmtpServer(inbox, port)
    controller.stop()


def send(config: SmtpConfig, delivery: Delivery | None = None) -> Any:
    [outcome] = asyncio.run(each_then_close(EmailChannel(config), [delivery or a_delivery()]))
    return outcome


def test_starttls_with_a_login_delivers_checking_the_certificate_against_the_configured_authority(
        starttls_server, certificates):
    config = starttls_server.config(security="starttls", user=USER, password=PASSWORD, ca_file=str(certificates["ca"]))

    outcome = send(config)

    assert (outcome.delivered, outcome.status) == (True, 250)
    [received] = starttls_server.inbox.messages
    assert received.rcpt_tos == ["anna@example.org"] and received.message["Message-ID"] == \
        "<delivery-7.event-41@book.example.org>"
    assert received.text.strip() == "Hello Anna,"


def test_a_wrong_smtp_password_is_final_and_an_unknown_authority_is_retried(starttls_server, certificates):
    wrong = starttls_server.config(security="starttls", user=USER, password="nope", ca_file=str(certificates["ca"]))
    refused = send(wrong)
    assert (refused.delivered, refused.retry, refused.status) == (False, False, 535)
    untrusted = send(starttls_server.config(security="starttls", user=USER, password=PASSWORD))
    assert (untrusted.delivered, untrusted.retry) == (False, True) and "certificate" in untrusted.detail.lower()
    plain = send(starttls_server.config(security="none", user="", password=""))
    assert (plain.delivered, plain.retry, plain.status) == (False, False, 530)  # the server insists on STARTTLS
    assert starttls_server.inbox.messages == []


def test_tls_from_the_first_byte_delivers(tls_server, certificates):
    outcome = send(tls_server.config(security="tls", ca_file=str(certificates["ca"])))

    assert outcome.delivered and len(tls_server.inbox.messages) == 1


def test_starttls_asked_of_a_server_without_it_is_not_sent_in_the_clear(smtp):
    outcome = send(smtp.config(security="starttls"))

    assert (outcome.delivered, outcome.retry) == (False, True) and smtp.inbox.messages == []


def test_the_channel_reads_its_settings_from_the_environment(tmp_path):
    secret = tmp_path / "smtp_password"
    secret.write_text("from-a-file\n")
    loaded = settings.load(environ={"BOOKABLE_EMAIL": "true", "BOOKABLE_SMTP_HOST": "mail.example.org",
                                    "BOOKABLE_SMTP_PORT": "465", "BOOKABLE_SMTP_SECURITY": "tls",
                                    "BOOKABLE_SMTP_PASSWORD_FILE": str(secret),
                                    "BOOKABLE_PUBLIC_URL": "https://book.example.org/gym/"})
    config = SmtpConfig.from_settings(loaded)

    assert (config.enabled, config.host, config.port, config.security, config.password) == \
        (True, "mail.example.org", 465, "tls", "from-a-file")
    assert config.bookings_url("riverside") == "https://book.example.org/gym/riverside/bookings"
    assert config.site_host == "book.example.org"
    for bad in ({"BOOKABLE_SMTP_SECURITY": "ssl"}, {"BOOKABLE_PUBLIC_URL": "book.example.org"},
                {"BOOKABLE_SMTP_PORT": "0"}, {"BOOKABLE_REMINDER_HOURS": "-1"}):
        with pytest.raises(ValidationError, match=next(iter(bad)).removeprefix("BOOKABLE_").lower()):
            settings.load(environ=bad)


def test_an_address_that_would_break_the_headers_is_given_up_and_nothing_is_sent(smtp):
    outcome = send(smtp.config(), a_delivery("anna@example.org\r\nBcc: someone@example.net"))

    assert (outcome.delivered, outcome.retry) == (False, False) and smtp.inbox.messages == []


def test_non_ascii_names_a_long_subject_and_the_calendar_arrive_as_written(smtp):
    subject = "Bokning bekräftad: Cirkelträning för seniorer med Åsa Öberg-Näslund, onsdag 9 december 18:00–19:00"
    delivery = a_delivery("asa@example.org")
    delivery.payload.update(to_name="Åsa Öberg-Näslund", subject=subject, text="Hej Åsa,\n\nDu är bokad.",
                            html="<p>Hej Åsa,</p>", language="sv", ics_filename="klubben-booking-1.ics",
                            ics="BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//\r\nEND:VCALENDAR\r\n")

    outcome = send(smtp.config(sender="Friskis Växjö <no-reply@gym.example>"), delivery)

    assert outcome.delivered
    [received] = smtp.inbox.messages
    message = received.message
    assert message["To"] == "Åsa Öberg-Näslund <asa@example.org>" and received.rcpt_tos == ["asa@example.org"]
    assert message["From"] == "Friskis Växjö <no-reply@gym.example>" and received.mail_from == "no-reply@gym.example"
    assert message["Subject"] == subject and message["Content-Language"] == "sv"
    assert received.text == "Hej Åsa,\n\nDu är bokad." and received.html == "<p>Hej Åsa,</p>"
    [attachment] = message.iter_attachments()
    assert attachment.get_filename() == "klubben-booking-1.ics" and attachment.get_param("method") == "PUBLISH"
    assert str(received.calendar()["prodid"]) == "-//test//"
    assert all(len(line) <= 998 for line in message.as_string().splitlines())
