"""The webhook channel's HTTP transport (notifications/http_transport.py) against real servers: a
TLS receiver whose certificate is checked, answers framed every way HTTP/1.1 allows, kept-alive
connections the server closed, and a time-out that leaves no half-used connection behind."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bench.webhook_receiver import receiving

from bookable.notifications.http_transport import LeanTransport


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway CA and a certificate it signed for 127.0.0.1, made with the openssl command."""
    folder = tmp_path_factory.mktemp("tls")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=bookable test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=127.0.0.1")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    return folder


def server_tls(folder: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "server.pem", folder / "server.key")
    return context


def post(url: str, transport: LeanTransport, **extensions: str) -> httpx.Response:
    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.post(url, content=b'{"a": 1}', headers={"content-type": "application/json"},
                                     extensions=extensions)

    return asyncio.run(send())


def test_an_https_receiver_signed_by_a_trusted_ca_gets_the_request(certificates):
    trusted = ssl.create_default_context(cafile=str(certificates / "ca.pem"))
    with receiving(tls=server_tls(certificates)) as receiver:
        answer = post(receiver.url, LeanTransport(trusted))
        assert answer.status_code == 200
        [request] = receiver.requests
        assert request.body == b'{"a": 1}'


def test_an_https_receiver_whose_certificate_is_not_trusted_is_refused(certificates):
    with receiving(tls=server_tls(certificates)) as receiver:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            post(receiver.url, LeanTransport())
        assert receiver.requests == []


@pytest.fixture
def canned() -> Iterator[tuple[str, list[bytes], list[bytes]]]:
    """A server that answers each request with the next canned answer (received requests kept)."""
    answers: list[bytes] = []
    received: list[bytes] = []
    loop = asyncio.new_event_loop()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while answers:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            length = int(next((line.split(b":")[1] for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length")), b"0"))
            received.append(head + await reader.readexactly(length))
            answer = answers.pop(0)
            writer.write(answer)
            await writer.drain()
            if b"close" in answer.lower() or b"content-length" not in answer.lower() and b"chunked" not in answer:
                break
        writer.close()

    server = loop.run_until_complete(asyncio.start_server(handle, "127.0.0.1", 0))
    import threading

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/hook", answers, received
    loop.call_soon_threadsafe(server.close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


@pytest.mark.parametrize("answer, body", [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", b"hello"),
    (b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nhel\r\n2\r\nlo\r\n0\r\nX-T: 1\r\n\r\n",
     b"hello"),
    (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", b""),
    (b"HTTP/1.0 500 Oops\r\n\r\nall of it until the end", b"all of it until the end"),
])
def test_answers_framed_every_way_are_read_whole(canned, answer, body):
    url, answers, received = canned
    answers.append(answer)
    response = post(url, LeanTransport())
    assert (response.status_code, response.content) == (int(answer.split(b" ")[1]) if b"100 " not in answer else 204,
                                                         body)
    assert received[0].startswith(b"POST /hook HTTP/1.1\r\n") and received[0].endswith(b'{"a": 1}')


def test_a_kept_alive_connection_the_server_closed_is_replaced_without_losing_the_request(canned):
    url, answers, received = canned
    transport = LeanTransport()

    async def twice() -> list[int]:
        async with httpx.AsyncClient(transport=transport) as client:
            answers.append(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: keep\r\n\r\n")
            first = await client.post(url, content=b"1")
            await asyncio.sleep(0.2)  # the server has no answers left: it closed the connection
            answers.append(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            second = await client.post(url, content=b"2")
            return [first.status_code, second.status_code]

    assert asyncio.run(twice()) == [200, 200]
    assert [r.rsplit(b"\r\n\r\n", 1)[1] for r in received] == [b"1", b"2"]


def test_a_request_cut_off_by_the_time_out_leaves_no_connection_to_reuse():
    transport = LeanTransport()

    async def slow_then_fast() -> int:
        with receiving() as receiver:
            receiver.delay_seconds = 1.0
            async with httpx.AsyncClient(transport=transport) as client:
                with pytest.raises(TimeoutError):
                    async with asyncio.timeout(0.2):
                        await client.post(receiver.url, content=b"slow")
                receiver.delay_seconds = 0
                return (await client.post(receiver.url, content=b"fast")).status_code

    assert asyncio.run(slow_then_fast()) == 200
