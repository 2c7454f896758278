"""One table of error codes (api/errors.py), and every API maps every code the engine can raise."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookable.api.dialects.brp.errors import CODES as BRP_CODES
from bookable.api.dialects.ym.envelope import ERROR_CODES as YM_CODES
from bookable.api.errors import DEFAULT_STATUS
from bookable.domain import errors

DOCUMENTED = (Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text()


def _domain_codes() -> list[str]:
    found, waiting = set(), [errors.DomainError]
    while waiting:
        kind = waiting.pop()
        waiting.extend(kind.__subclasses__())
        if kind is not errors.DomainError:
            found.add(kind.code)
    return sorted(found)


@pytest.mark.parametrize("code", _domain_codes())
def test_every_engine_error_has_a_status_and_a_row_in_each_dialects_table(code):
    assert code in DEFAULT_STATUS
    assert code in BRP_CODES, "BRP would answer 1001 for it"
    assert code in YM_CODES, "YourMembership would answer a bare status name for it"
    assert f"| {code} |" in DOCUMENTED or f"{code} /" in DOCUMENTED or f"/ {code} |" in DOCUMENTED


def test_every_code_of_the_table_is_documented():
    undocumented = [code for code in DEFAULT_STATUS if code not in DOCUMENTED]
    assert undocumented == []
