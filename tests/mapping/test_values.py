"""Values are normalised at the boundary: aware UTC datetimes, None for blanks, sets for
multi-selects — whatever vendor shape they arrive in."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mapping.values import KINDS, normalise

UTC = timezone.utc


@pytest.mark.parametrize(
    "raw",
    [
        "2013-05-20T20:49:32.000+0000",  # Salesforce
        "2013-05-20T20:49:32.000Z",  # HubSpot
        "2013-05-21T02:19:32+05:30",  # Zoho, India
        "1369082972000",  # epoch milliseconds
        datetime(2013, 5, 20, 20, 49, 32),  # naive: taken as UTC
    ],
)
def test_every_vendor_datetime_shape_is_the_same_utc_moment(raw: object) -> None:
    assert normalise("datetime", raw) == datetime(2013, 5, 20, 20, 49, 32, tzinfo=UTC)
    assert normalise("datetime", raw).tzinfo is UTC


@pytest.mark.parametrize("kind", ["string", "int", "float", "decimal", "bool", "date", "datetime"])
@pytest.mark.parametrize("blank", [None, "", "   ", "\t\n"])
def test_blanks_become_none(kind: str, blank: object) -> None:
    assert normalise(kind, blank) is None


def test_multiselects_are_sets_without_blanks() -> None:
    assert normalise("set", "vip; newsletter;;  ") == frozenset({"vip", "newsletter"})
    assert normalise("set", ["a", " b ", None, ""]) == frozenset({"a", "b"})
    assert normalise("set", None) == frozenset()


def test_numbers_and_booleans_as_crms_send_them() -> None:
    assert normalise("int", "42") == 42
    assert normalise("int", "42.0") == 42
    assert normalise("decimal", "1,250.50") == Decimal("1250.50")
    assert normalise("float", 3) == 3.0
    assert normalise("bool", "true") is True and normalise("bool", "No") is False
    assert normalise("date", "1572480000000") == date(2019, 10, 31)
    assert normalise("refs", ["7", "7", " 8 "]) == ("7", "8")


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("int", "4.5"),
        ("int", "forty"),
        ("bool", "maybe"),
        ("datetime", "yesterday"),
        ("date", "2024-02-30"),
        ("decimal", "NaN"),
        ("int", True),
        ("set", {"a": 1}),
    ],
)
def test_unreadable_values_raise_a_value_error_that_says_why(kind: str, raw: object) -> None:
    with pytest.raises(ValueError, match="expected"):
        normalise(kind, raw)


anything = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.text(max_size=5), max_size=4),
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))])),
)


@given(kind=st.sampled_from(KINDS), raw=anything)
def test_normalising_is_idempotent_and_raises_only_value_errors(kind: str, raw: object) -> None:
    try:
        once = normalise(kind, raw)
    except ValueError:
        return
    assert normalise(kind, once) == once


def test_an_amount_read_as_a_json_float_keeps_the_digits_it_was_written_with() -> None:
    # Zoho and HubSpot send amounts as JSON numbers; 8320.7 must not become 8320.70000000000072…
    assert str(normalise("decimal", 8320.7)) == "8320.7"
    assert normalise("decimal", 0.1) == Decimal("0.1")
