"""`python -m bench.smtp_sink`: an SMTP server (aiosmtpd) on a free loopback port that accepts every
message and keeps none; prints its port, then serves until killed. For bench.worker_cpu --email."""

from __future__ import annotations

import socket
import time
from typing import Any

from aiosmtpd.controller import Controller


class Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    controller = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    controller.start()
    print(controller.port, flush=True)
    while True:
        time.sleep(1)
