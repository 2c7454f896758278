"""Stored passwords are argon2id hashes with argon2-cffi's default cost; the tests' cheaper hasher
(tests/conftest.py) must never be what bookable itself runs with."""

import subprocess
import sys

from argon2 import profiles


def test_bookable_hashes_passwords_with_the_rfc_9106_low_memory_profile():
    found = subprocess.run(
        [sys.executable, "-c", "from bookable.services.accounts import hash_password; print(hash_password('x'))"],
        capture_output=True, text=True, check=True).stdout.strip()
    wanted = profiles.RFC_9106_LOW_MEMORY
    assert found.startswith(f"$argon2id$v=19$m={wanted.memory_cost},t={wanted.time_cost},p={wanted.parallelism}$")
