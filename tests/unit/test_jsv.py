from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.ym_spec_samples import SPEC_REQUEST_BODY, SPEC_RESPONSE_BODY

from bookable.api.dialects.ym.jsv import (
    MAX_NESTING_DEPTH,
    JsvError,
    coerce_bool,
    coerce_int,
    dumps,
    loads,
)

# Copied verbatim (tabs and trailing spaces included) from the YM metadata page for
# RegistrationSessionRequest, /work/shared/specs/004_d8e76264fba5a3db.txt.




SAMPLE_META = {"String": "String"}
SAMPLE_RESPONSE_STATUS = {
    "ErrorCode": "String",
    "Message": "String",
    "StackTrace": "String",
    "Errors": [
        {"ErrorCode": "String", "FieldName": "String", "Message": "String", "Meta": SAMPLE_META},
    ],
    "Meta": SAMPLE_META,
}


def stringified(value: Any) -> Any:
    """What a value looks like after a JSV round trip: typeless, with ServiceStack's null rules."""
    if isinstance(value, dict):
        return {key: stringified(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        if value == [None]:
            return []  # "[]": a single empty item is indistinguishable from no items
        return [stringified(item) for item in value]
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


scalars = st.none() | st.text() | st.integers() | st.booleans() | st.decimals(allow_nan=False, allow_infinity=False)
jsv_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=30,
)
tricky_text = st.text(alphabet=st.sampled_from(list('",:{}[] \t\r\n""x\u00e9\u4e2d\U0001f600')))


# --- round trips ---------------------------------------------------------------------------


@given(jsv_values)
def test_loads_of_dumps_gives_back_the_structure_with_scalars_as_text(value: Any) -> None:
    assert loads(dumps(value)) == stringified(value)


@given(tricky_text)
def test_text_full_of_structural_characters_and_whitespace_survives_a_round_trip(text: str) -> None:
    assert loads(dumps(text)) == text
    assert loads(dumps([text, text])) == [text, text]
    assert loads(dumps({text: text})) == {text: text}


@given(st.text(alphabet=st.sampled_from(list('{}[],:" \tab\n')), max_size=40))
def test_arbitrary_text_either_parses_or_raises_jsv_error(text: str) -> None:
    with contextlib.suppress(JsvError):
        loads(text)


# --- the spec's samples --------------------------------------------------------------------


def test_the_spec_request_sample_parses_into_the_documented_structure() -> None:
    parsed = loads(SPEC_REQUEST_BODY)

    assert parsed == {
        "EventID": "0",
        "RegistrationID": "String",
        "BadgeNumber": "0",
        "Sessions": [SAMPLE_META],
        "ClientID": "0",
        "ResponseStatus": SAMPLE_RESPONSE_STATUS,
        "BypassCache": "False",
        "DateCached": "2024-05-03T02:03:39.8946258-04:00",
        "Device": "Desktop",
    }
    assert list(parsed) == [
        "EventID", "RegistrationID", "BadgeNumber", "Sessions", "ClientID",
        "ResponseStatus", "BypassCache", "DateCached", "Device",
    ]  # fmt: skip
    assert coerce_bool(parsed["BypassCache"]) is False
    assert coerce_int(parsed["EventID"]) == 0


def test_the_spec_response_sample_parses_into_the_documented_structure() -> None:
    parsed = loads(SPEC_RESPONSE_BODY)

    assert parsed == {
        "ClientID": "0",
        "EventID": "0",
        "RegistrationID": "String",
        "BadgeNumber": "0",
        "Sessions": [SAMPLE_META],
        "ResponseStatus": SAMPLE_RESPONSE_STATUS,
        "BypassCache": "False",
        "DateCached": "2024-05-03T02:03:39.8946258-04:00",
        "Device": "Desktop",
    }
    assert list(parsed)[:2] == ["ClientID", "EventID"]


def test_a_compact_dump_of_the_spec_sample_parses_to_the_same_structure() -> None:
    parsed = loads(SPEC_RESPONSE_BODY)
    assert loads(dumps(parsed)) == parsed


# --- writing -------------------------------------------------------------------------------


def test_maps_and_lists_are_written_compactly() -> None:
    assert dumps({"A": 1, "B": 2, "C": 3, "D": 4}) == "{A:1,B:2,C:3,D:4}"
    assert dumps([1, 2, 3, 4, 5]) == "[1,2,3,4,5]"
    assert dumps((1, "two")) == "[1,two]"
    assert dumps({"Outer": {"Inner": ["x", {}]}, "Empty": []}) == "{Outer:{Inner:[x,{}]},Empty:[]}"


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Bar", "Bar"),
        ("Hello World!", "Hello World!"),
        ("Me, Junior", '"Me, Junior"'),
        ('2" x 1"', '"2"" x 1"""'),
        ("a:b", '"a:b"'),
        ("{x}", '"{x}"'),
        ("[x]", '"[x]"'),
        ("line\nbreak", '"line\nbreak"'),
        ("carriage\rreturn", '"carriage\rreturn"'),
        ("inner\ttab", "inner\ttab"),
        ("", '""'),
        (" leading", '" leading"'),
        ("trailing\t", '"trailing\t"'),
        ("caf\u00e9 \u4e2d", "caf\u00e9 \u4e2d"),
        ("True", "True"),
    ],
)
def test_strings_are_quoted_only_when_needed(text: str, written: str) -> None:
    assert dumps(text) == written
    assert dumps({text: text}) == "{" + written + ":" + written + "}"


def test_none_is_omitted_from_maps_and_left_empty_in_lists() -> None:
    assert dumps({"A": None, "B": "x", "C": None}) == "{B:x}"
    assert dumps(["a", None, "b", None]) == "[a,,b,]"
    assert dumps(None) == ""


def test_booleans_are_written_like_dotnet_does_for_jsv() -> None:
    assert dumps(True) == "True"
    assert dumps({"BypassCache": False}) == "{BypassCache:False}"


@pytest.mark.parametrize(
    ("number", "written"),
    [
        (0, "0"),
        (-42, "-42"),
        (10**30, "1" + "0" * 30),
        (Decimal("3.30"), "3.30"),
        (Decimal("-0.5"), "-0.5"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1E-7"), "0.0000001"),
        (0.1, "0.1"),
        (2.0, "2"),
        (1e20, "100000000000000000000"),
        (1e-5, "0.00001"),
        (33333333.33, "33333333.33"),
    ],
)
def test_numbers_are_written_in_plain_notation(number: int | Decimal | float, written: str) -> None:
    assert dumps(number) == written


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (
            datetime(2024, 5, 3, 2, 3, 39, 894625, tzinfo=timezone(timedelta(hours=-4))),
            "2024-05-03T02:03:39.8946250-04:00",
        ),
        (datetime(2024, 5, 3, 2, 3, 39, tzinfo=timezone(timedelta(hours=5, minutes=30))), "2024-05-03T02:03:39+05:30"),
        (datetime(2024, 5, 3, 2, 3, 39, tzinfo=UTC), "2024-05-03T02:03:39Z"),
        (datetime(2024, 5, 3, 2, 3, 39, 500000, tzinfo=UTC), "2024-05-03T02:03:39.5000000Z"),
        (datetime(2024, 5, 3, 2, 3, 39), "2024-05-03T02:03:39"),
        (datetime(999, 1, 2, 3, 4, 5), "0999-01-02T03:04:05"),
        (date(2024, 5, 3), "2024-05-03"),
    ],
)
def test_dates_and_times_are_written_in_servicestack_style(moment: date, written: str) -> None:
    assert dumps(moment) == written


def test_uuids_are_written_like_guid_n_format() -> None:
    assert dumps(uuid.UUID("7da74353-a40c-468e-93aa-7ff51f4f0e84")) == "7da74353a40c468e93aa7ff51f4f0e84"


@pytest.mark.parametrize("number", [float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity")])
def test_numbers_jsv_cannot_represent_are_refused(number: float | Decimal) -> None:
    with pytest.raises(ValueError):
        dumps(number)


def test_unsupported_types_and_non_text_keys_are_refused() -> None:
    with pytest.raises(TypeError):
        dumps(object())
    with pytest.raises(TypeError):
        dumps({1: "one"})
    with pytest.raises(TypeError):
        dumps({"a", "b"})


def test_utc_offsets_with_seconds_are_refused() -> None:
    with pytest.raises(ValueError):
        dumps(datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(seconds=30))))


# --- reading -------------------------------------------------------------------------------


def test_the_servicestack_documentation_examples_parse() -> None:
    assert loads("{A:1,B:2,C:3,D:4}") == {"A": "1", "B": "2", "C": "3", "D": "4"}
    assert loads("[1,2,3,4,5]") == ["1", "2", "3", "4", "5"]
    assert loads("{Foo:Bar,Greet:Hello World!}") == {"Foo": "Bar", "Greet": "Hello World!"}
    assert loads('{Name:"Me, Junior"}') == {"Name": "Me, Junior"}
    assert loads('{Size:"2"" x 1"""}') == {"Size": '2" x 1"'}


def test_empty_values_come_back_as_none_and_quoted_empty_strings_as_text() -> None:
    assert loads('{A:,B:"",C: }') == {"A": None, "B": "", "C": None}
    assert loads("[a,,b,]") == ["a", None, "b", None]
    assert loads('[""]') == [""]
    assert loads("") is None
    assert loads(" \n\t ") is None


def test_empty_containers_with_or_without_whitespace_parse() -> None:
    assert loads("{}") == {}
    assert loads("[]") == []
    assert loads("{ \n }") == {}
    assert loads("[\t]") == []
    assert loads("{a:{},b:[]}") == {"a": {}, "b": []}


def test_unquoted_values_may_contain_colons_and_inner_whitespace() -> None:
    assert loads("{At: 2024-05-03T02:03:39Z ,Note: two  words\t}") == {
        "At": "2024-05-03T02:03:39Z",
        "Note": "two  words",
    }


def test_quoted_keys_and_values_keep_their_whitespace_and_structural_characters() -> None:
    assert loads('{ " key: {x} " : " [a, b] " }') == {" key: {x} ": " [a, b] "}


def test_the_last_of_duplicate_keys_wins() -> None:
    assert loads("{A:1,A:2}") == {"A": "2"}


@pytest.mark.parametrize(
    "text",
    [
        "{",
        "[",
        "}",
        "]",
        "{a:1",
        "[1,2",
        "{a:1}}",
        "[1]]",
        "{a:[1}",
        "[{a:1]",
        "{a}",
        "{:1}",
        "{a:1,}",
        "{,}",
        "{a:1 , , b:2}",
        '{a:"unterminated}',
        '"unterminated',
        '{a:"x"y}',
        '["x" "y"]',
        "{a:b{c}}",
        "{a:b[c]}",
        '{a:b"c"}',
        "[a[b]]",
        "{[a]:1}",
        "{{a:1}:2}",
        "abc def,",
        "{a:1} trailing",
        "[] []",
    ],
)
def test_malformed_input_raises_jsv_error(text: str) -> None:
    with pytest.raises(JsvError):
        loads(text)


def test_jsv_error_is_a_value_error_that_reports_where_parsing_stopped() -> None:
    with pytest.raises(JsvError) as caught:
        loads('{\n\tA: 1,\n\tB: "open\n}')
    error = caught.value

    assert issubclass(JsvError, ValueError)
    assert (error.line, error.column, error.position) == (3, 5, 13)
    assert "unterminated quoted string at line 3, column 5" in str(error)


def test_loads_refuses_bytes() -> None:
    with pytest.raises(TypeError):
        loads(b"{}")  # type: ignore[arg-type]


# --- nesting limits ------------------------------------------------------------------------


def test_nesting_up_to_the_limit_is_accepted() -> None:
    deepest_list = "[" * MAX_NESTING_DEPTH + "]" * MAX_NESTING_DEPTH
    deepest_map = "{a:" * MAX_NESTING_DEPTH + "}" * MAX_NESTING_DEPTH

    assert loads(deepest_list) is not None
    assert loads(deepest_map) is not None


@pytest.mark.parametrize(
    "text",
    [
        "[" * (MAX_NESTING_DEPTH + 1) + "]" * (MAX_NESTING_DEPTH + 1),
        "{a:" * (MAX_NESTING_DEPTH + 1) + "}" * (MAX_NESTING_DEPTH + 1),
        "[{a:" * MAX_NESTING_DEPTH + "}]" * MAX_NESTING_DEPTH,
        "[" * 200_000,
    ],
)
def test_nesting_beyond_the_limit_raises_jsv_error(text: str) -> None:
    with pytest.raises(JsvError, match="nesting deeper than"):
        loads(text)


# --- scalar coercion -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("True", True), ("false", False), ("TRUE", True), ("1", True), ("0", False), ("on", True), (" False ", False)],
)
def test_coerce_bool_accepts_what_servicestack_reads_as_a_boolean(text: str, expected: bool) -> None:
    assert coerce_bool(text) is expected


@pytest.mark.parametrize("text", ["", None, "yes", "2", "Truee", "off"])
def test_coerce_bool_rejects_anything_else(text: str | None) -> None:
    with pytest.raises(JsvError):
        coerce_bool(text)


@pytest.mark.parametrize(("text", "expected"), [("0", 0), ("-17", -17), ("+5", 5), (" 42 ", 42)])
def test_coerce_int_parses_plain_integers(text: str, expected: int) -> None:
    assert coerce_int(text) == expected


@pytest.mark.parametrize("text", ["", None, "1.0", "1_000", "0x10", "one", "\u0661", "9" * 5000])
def test_coerce_int_rejects_anything_else(text: str | None) -> None:
    with pytest.raises(JsvError):
        coerce_int(text)
