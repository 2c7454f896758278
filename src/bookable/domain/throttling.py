"""How long failed logins hold back the next try (docs/adr/0015-login-throttling.md).

A few failures in a row are free (typos); past them each failure doubles the wait before another
try is even checked, up to a cap. The cap on an account is short, so that an attacker who keeps
failing cannot keep a real member out for long; the cap on a client address is long, since that is
where a brute force comes from. Failures are forgotten some time after the last one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Policy:
    free: int
    """Failures in a row that cost nothing."""
    first_delay: timedelta
    """The wait after the first failure beyond the free ones; each further failure doubles it."""
    longest_delay: timedelta
    forget_after: timedelta
    """Failures are forgotten this long after the last one."""

    def delay_after(self, failures: int) -> timedelta:
        beyond = failures - self.free
        if beyond <= 0:
            return timedelta(0)
        doublings: int = min(beyond - 1, 32)  # past the cap long before this: no huge powers of two
        return min(self.first_delay * (1 << doublings), self.longest_delay)


ACCOUNT = Policy(free=5, first_delay=timedelta(seconds=1), longest_delay=timedelta(minutes=1),
                 forget_after=timedelta(hours=1))
ADDRESS = Policy(free=20, first_delay=timedelta(seconds=1), longest_delay=timedelta(minutes=15),
                 forget_after=timedelta(hours=1))
