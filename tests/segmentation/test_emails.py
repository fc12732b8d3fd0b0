"""A LEAD's e-mail: valid as the hygiene rules judge it, with a fast path for plain addresses
that must never accept what ``email_validator`` refuses."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.hygiene.emails import normalise_email
from sync.segmentation.emails import _plain, usable_email, work_domain

ATOM = st.text("abcxyzABC019.-_+'", min_size=1, max_size=12)
LABEL = st.text("abc019-", min_size=1, max_size=10)
TLD = st.text("abcdeZ", min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(local=ATOM, labels=st.lists(LABEL, min_size=1, max_size=3), tld=TLD)
def test_the_fast_path_accepts_only_what_email_validator_accepts(
    local: str, labels: list[str], tld: str
) -> None:
    address = f"{local}@{'.'.join(labels)}.{tld}"
    if _plain(address):
        validate_email(address, check_deliverability=False)  # raises if it disagrees


@pytest.mark.parametrize(
    ("address", "usable"),
    [
        ("ana.garcia@acme.es", True),
        (" Ana.Garcia@Acme.ES ", True),
        ("josé@acme.es", True),  # not plain: email_validator decides
        ("ana@gmial.com", False),
        ("ana@hotmail.con", False),
        ("ana@gmail", False),
        ("ana..garcia@acme.es", False),
        ("ana garcia@acme.es", False),
        ("anagmail.com", False),
        ("ana@localhost.localhost", False),
        (None, False),
    ],
)
def test_usable_email_agrees_with_the_hygiene_rules(address: str | None, usable: bool) -> None:
    assert usable_email(address) is usable
    if address is not None:
        assert normalise_email(address).ok is usable


def test_work_domains() -> None:
    assert work_domain("Ana@Acme.ES") == "acme.es"
    assert work_domain("ana@yahoo.es") is None
    assert work_domain("ana@gmial.com") is None
    assert work_domain("ana@acme.es", free=["acme.es"]) is None


def test_email_validator_refuses_what_usable_refuses() -> None:
    with pytest.raises(EmailNotValidError):
        validate_email("ana@gmail", check_deliverability=False)
