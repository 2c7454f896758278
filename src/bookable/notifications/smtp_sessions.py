"""SMTP sessions the email channel keeps open between messages (aiosmtplib): connecting, EHLO,
STARTTLS and the login are most of a message's round trips and CPU, so a message goes over a
session already open when there is one.

At most SESSIONS_KEPT at once, each carrying one message at a time. A session that fails in any way
is closed; the next message opens a new one. A kept session the server has closed since its last
message (an idle time-out, a restart) is not a failure of the message: it is replaced and the
message sent once more, on a new session. That repeat is what a retry after the worker's back-off
would do, sooner; the message id stays the same either way, for a server to tell a repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from email.message import Message

import aiosmtplib

SESSIONS_KEPT = 4
"""Like the webhooks' connections per receiver: enough for the worker's sends side by side without
opening a session per message, few enough for a mail server's limit per client."""
CLOSING = 421  # RFC 5321: the server is closing the session


class SmtpSessions:
    def __init__(self, new_session: Callable[[], aiosmtplib.SMTP], most: int = SESSIONS_KEPT) -> None:
        self.new_session = new_session
        self.most = most
        self._pool: _Pool | None = None

    async def send(self, message: Message) -> str:
        """The server's reply to the message's DATA; raises what aiosmtplib raises."""
        pool = self._current()
        async with pool.free:
            kept = pool.take()
            if kept is not None:
                try:
                    return await pool.send_on(kept, message)
                except (aiosmtplib.SMTPException, OSError) as error:
                    if not _gone(error):
                        raise
            session = self.new_session()
            await session.connect()
            return await pool.send_on(session, message)

    async def close(self) -> None:
        """Say goodbye on every kept session (the worker calls this when it stops)."""
        pool, self._pool = self._pool, None
        if pool is not None and pool.loop is asyncio.get_running_loop():
            await asyncio.gather(*(_quit(session) for session in pool.idle))

    def _current(self) -> _Pool:
        """Sessions belong to the event loop that opened them; a new loop starts with none."""
        loop = asyncio.get_running_loop()
        if self._pool is None or self._pool.loop is not loop:
            self._pool = _Pool(loop, asyncio.Semaphore(self.most))
        return self._pool


class _Pool:
    def __init__(self, loop: asyncio.AbstractEventLoop, free: asyncio.Semaphore) -> None:
        self.loop = loop
        self.free = free
        self.idle: list[aiosmtplib.SMTP] = []

    def take(self) -> aiosmtplib.SMTP | None:
        """A kept session that is still connected, as far as this side has noticed."""
        while self.idle:
            session = self.idle.pop()
            if session.is_connected:
                return session
        return None

    async def send_on(self, session: aiosmtplib.SMTP, message: Message) -> str:
        try:
            _, reply = await session.send_message(message)
        except BaseException:
            session.close()
            raise
        self.idle.append(session)
        return reply


def _gone(error: Exception) -> bool:
    """The server closed the session: lost on the next command, or told so at it."""
    return isinstance(error, ConnectionError) or (
        isinstance(error, aiosmtplib.SMTPResponseException) and error.code == CLOSING)


async def _quit(session: aiosmtplib.SMTP) -> None:
    with contextlib.suppress(aiosmtplib.SMTPException, OSError):
        await session.quit()
    session.close()
