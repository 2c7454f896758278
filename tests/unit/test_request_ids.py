"""Request ids made by the server (observability.requests): unique in a process, and a forked
worker draws its own."""

from __future__ import annotations

import os

from bookable.observability import requests

NO_ID_GIVEN = {"headers": [(b"accept", b"*/*")]}


def test_new_request_ids_are_unique_and_a_forked_process_draws_its_own():
    made = [requests._request_id(NO_ID_GIVEN) for _ in range(1000)]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a worker forked from a loaded parent
        os.write(write, requests._request_id(NO_ID_GIVEN))
        os._exit(0)
    os.waitpid(pid, 0)
    os.close(write)
    childs = os.read(read, 200)
    os.close(read)

    assert len(set(made)) == 1000
    assert childs not in made and childs[:24] != made[0][:24]


def test_a_sane_id_the_caller_gives_is_kept():
    assert requests._request_id({"headers": [(b"x-request-id", b"trace-4711")]}) == b"trace-4711"
