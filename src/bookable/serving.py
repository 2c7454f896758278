"""`bookable serve --workers N`: uvicorn's supervisor, with a listening socket for each worker.

uvicorn's workers share one listening socket, and the first worker to wake accepts every
connection waiting: 32 clients that connect together can all land on one worker, which serves
them on one core while the other core idles (the benchmark saw splits of 32/0). Here each worker
listens on a socket of its own, bound to the same address with SO_REUSEPORT, and the kernel
spreads new connections across them (ADR 0011).

The supervisor is uvicorn's own Multiprocess (health checks, restarts, signals); it is only given
a fresh socket each time it starts a worker, and closes its copy once the worker has it, so that
a worker that dies takes its socket with it and no connection waits on a socket nobody accepts on.
"""

from __future__ import annotations

import logging
import socket
import sys

from uvicorn import Config, Server
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess

from bookable.observability.metrics import forget_dead_workers


def serve(config: Config) -> None:
    """What uvicorn.run() does with a Config, but with a socket for each worker where it can."""
    try:
        if spreads_connections(config):
            refuse_a_taken_address(config)
            logging.getLogger("uvicorn.error").info(
                "Uvicorn running on http://%s:%d (Press CTRL+C to quit), a socket for each worker",
                config.host, config.port)
            SpreadingMultiprocess(config).run()
        elif config.workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server = Server(config)
            server.run()
            if not server.started:
                sys.exit(STARTUP_FAILURE)
    except KeyboardInterrupt:
        pass


def spreads_connections(config: Config) -> bool:
    """Per-worker sockets need SO_REUSEPORT (Linux, BSD) and a TCP port chosen in advance."""
    return (config.workers > 1 and hasattr(socket, "SO_REUSEPORT") and config.uds is None
            and config.fd is None and config.port != 0)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def refuse_a_taken_address(config: Config) -> None:
    """A SO_REUSEPORT socket would share a port another server of the same user listens on; a
    plain bind first fails, as uvicorn's own would, when the address is taken."""
    with socket.socket(_family(config.host)) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((config.host, config.port))
        except OSError as error:
            print(f"bookable serve: cannot listen on {config.host}:{config.port}: {error}", file=sys.stderr)
            sys.exit(STARTUP_FAILURE)


def worker_socket(config: Config) -> socket.socket:
    sock = socket.socket(_family(config.host))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((config.host, config.port))
    sock.set_inheritable(True)
    return sock


class SpreadingMultiprocess(Multiprocess):
    """Every `Process(self.config, self.sockets)` uvicorn makes (at start, on a restart, when a
    worker dies) reads `sockets`: here that binds a new socket for the new worker."""

    def __init__(self, config: Config) -> None:
        self._handed_over: list[socket.socket] = []
        super().__init__(config, sockets=[])

    @property
    def sockets(self) -> list[socket.socket]:
        sock = worker_socket(self.config)
        self._handed_over.append(sock)
        return [sock]

    @sockets.setter
    def sockets(self, _unused: list[socket.socket]) -> None:
        """uvicorn's __init__ stores the shared socket it was given; there is none."""

    def init_processes(self) -> None:
        super().init_processes()
        self._close_handed_over()

    def restart_all(self) -> None:
        super().restart_all()
        self._close_handed_over()

    def keep_subprocess_alive(self) -> None:
        before = {process.pid for process in self.processes}
        super().keep_subprocess_alive()
        self._close_handed_over()
        forget_dead_workers(pid for pid in before - {process.pid for process in self.processes} if pid)

    def _close_handed_over(self) -> None:
        """Each worker started holds its own copy of its socket by now."""
        while self._handed_over:
            self._handed_over.pop().close()
