"""BRP reads its query string and form bodies with form_pairs: exactly what parse_qsl answers
(keep_blank_values, strict for bodies), errors included, whether or not the text is escaped."""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import given, settings
from hypothesis import strategies as st

from bookable.api.dialects.brp.params import form_pairs

FORM_TEXT = st.text(alphabet="ab=&%2+;x1 éÅ", max_size=24)


def outcome(parse) -> object:
    """What a parse answers, or ValueError if it refuses the text."""
    try:
        return parse()
    except ValueError:
        return ValueError


@settings(max_examples=3000)
@given(FORM_TEXT, st.booleans())
def test_form_pairs_answers_as_parse_qsl_does(text, strict):
    assert outcome(lambda: form_pairs(text, strict=strict)) == outcome(
        lambda: parse_qsl(text, keep_blank_values=True, strict_parsing=strict))


def test_a_booking_form_reads_as_its_pairs():
    assert form_pairs("type=ordinary&activityid=3", strict=True) == [("type", "ordinary"), ("activityid", "3")]
    assert form_pairs("apikey=k&lang=") == [("apikey", "k"), ("lang", "")]
