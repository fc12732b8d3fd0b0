"""Whole records through the normalisers: what changes, what is flagged, and bad input that
must give a clear per-record finding instead of a crash."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mapping.model import Company, Contact
from sync.config.rules import HygieneRules
from sync.hygiene.records import check_company, check_contact

RULES = HygieneRules()


def test_a_messy_contact_is_normalised_field_by_field() -> None:
    contact = Contact.of(
        id="c1",
        first_name="MARÍA",
        last_name="de la fuente",
        email=" Maria@Gmail.COM ",
        phone="625 90 35 84",
        mobile="000000000",
        country="España",
        state="València",
        zip="46001",
        company_name="  Ferretería  Sur S.L. ",
    )
    checked = check_contact(contact, RULES)
    assert checked.changes == {
        "country": "ES",
        "email": "maria@gmail.com",
        "phone": "+34625903584",
        "state": "Valencia",
        "first_name": "María",
        "last_name": "de la Fuente",
        "company_name": "Ferretería Sur S.L.",
    }
    assert [(f.field, f.finding.code) for f in checked.findings] == [("mobile", "invalid_phone")]
    assert checked.valid_email and checked.valid_phones == ("+34625903584",)
    assert checked.phone_kinds == {"phone": "mobile"}


def test_an_already_clean_contact_changes_nothing() -> None:
    contact = Contact.of(
        id="c1",
        first_name="María",
        last_name="de la Fuente",
        email="maria@gmail.com",
        phone="+34625903584",
        country="ES",
    )
    checked = check_contact(contact, RULES)
    assert checked.changes == {} and checked.findings == ()


def test_the_default_region_reads_numbers_of_records_without_a_country() -> None:
    contact = Contact.of(id="c1", phone="625 90 35 84")
    assert check_contact(contact, RULES).findings[0].finding.code == "invalid_phone"
    assert check_contact(contact, HygieneRules(default_region="ES")).changes == {
        "phone": "+34625903584"
    }


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"first_name": "x" * 5000}, "first_name", "suspicious_name"),
        ({"last_name": "Pérez 😀"}, "last_name", "suspicious_name"),
        ({"first_name": "Jоhn"}, "first_name", "suspicious_name"),  # Cyrillic о
        ({"last_name": "12345"}, "last_name", "suspicious_name"),
        ({"email": "🙂@🙂"}, "email", "invalid_email"),
        ({"email": "a" * 1000 + "@x.com"}, "email", "invalid_email"),
        ({"phone": "call me maybe"}, "phone", "invalid_phone"),
        ({"country": "Ω" * 400}, "country", "unknown_country"),
        ({"company_name": "ACME 🚀"}, "company_name", "suspicious_company"),
    ],
)
def test_bad_input_gives_a_finding_not_a_crash(
    values: dict[str, str], field: str, code: str
) -> None:
    checked = check_contact(Contact.of(id="bad", **values), RULES)
    assert [(f.field, f.finding.code) for f in checked.findings] == [(field, code)]
    assert checked.changes == {}  # flagged for a person, not rewritten


def test_an_empty_contact_is_just_unreachable() -> None:
    checked = check_contact(Contact(id="empty"), RULES)
    assert checked.changes == {} and checked.findings == () and not checked.reachable


def test_companies_get_a_bare_domain_and_an_e164_phone() -> None:
    company = Company.of(
        id="co1",
        name="Acme  Inc.",
        domain="https://www.Acme.com/contact",
        phone="(212) 540-2708",
        country="USA",
        created_at=datetime(2020, 1, 1, tzinfo=timezone.utc),
    )
    checked = check_company(company, RULES)
    assert checked.changes == {
        "country": "US",
        "name": "Acme Inc.",
        "domain": "acme.com",
        "phone": "+12125402708",
    }
