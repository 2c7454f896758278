"""Slows down password guessing on the login form.

THE HOOK: `LoginThrottle.refused()` / `.failed()` / `.succeeded()` is all the login page calls. The
APIs' own login throttling (api/auth.py) is being written alongside; when it lands, this class
should delegate to it so that a guesser gets no more tries by switching between the form and the
APIs. Until then it is a real throttle of its own, kept in each worker's memory: after
MAX_FAILURES failed logins in WINDOW_SECONDS for one login name at one tenant, or MAX_CLIENT_FAILURES
from one client address (many members may share one, behind a gym's wifi), further tries are
refused until the window has passed.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

MAX_FAILURES = 10
MAX_CLIENT_FAILURES = 100
WINDOW_SECONDS = 15 * 60
REMEMBERED = 50_000


class LoginThrottle:
    def __init__(self, max_failures: int = MAX_FAILURES, max_client_failures: int = MAX_CLIENT_FAILURES,
                 window: float = WINDOW_SECONDS) -> None:
        self.limits = {"login": max_failures, "client": max_client_failures}
        self.window = window
        self._failures: OrderedDict[tuple[str, ...], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _keys(tenant_id: int, login: str, client: str) -> list[tuple[str, ...]]:
        return [("login", str(tenant_id), login.strip().lower()), ("client", client)]

    def refused(self, tenant_id: int, login: str, client: str) -> bool:
        """True while this login name or this client has failed too often lately."""
        now = time.monotonic()
        with self._lock:
            keys = self._keys(tenant_id, login, client)
            return any(len(self._recent(key, now)) >= self.limits[key[0]] for key in keys)

    def failed(self, tenant_id: int, login: str, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in self._keys(tenant_id, login, client):
                self._recent(key, now).append(now)
                self._failures.move_to_end(key)
            while len(self._failures) > REMEMBERED:
                self._failures.popitem(last=False)

    def succeeded(self, tenant_id: int, login: str, client: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(tenant_id, login, client)[0], None)

    def _recent(self, key: tuple[str, ...], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] < now - self.window:
            times.popleft()
        return times
