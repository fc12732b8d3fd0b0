"""Every normaliser: the playbook's cases, and the properties (hypothesis) that normalising
twice changes nothing and that no input makes one raise."""

from __future__ import annotations

from typing import Any

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.hygiene.emails import normalise_email
from sync.hygiene.names import (
    company_key,
    first_name_block,
    first_name_forms,
    normalise_company_name,
    normalise_person_name,
    whole_first_name_forms,
)
from sync.hygiene.phones import e164_digits, normalise_phone
from sync.hygiene.places import normalise_country, normalise_state, normalise_zip

# --- e-mails -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "code", "suggestion"),
    [
        ("  Luis754@CORPORATIVO-BAJIO.COM ", "luis754@corporativo-bajio.com", None, None),
        ("ana@gmial.com", "ana@gmial.com", "invalid_email", "ana@gmail.com"),
        ("ana@hotmial.com", "ana@hotmial.com", "invalid_email", "ana@hotmail.com"),
        ("ana@gmail.con", "ana@gmail.con", "invalid_email", "ana@gmail.com"),
        ("jesus.sosagmail.com", "jesus.sosagmail.com", "invalid_email", "jesus.sosa@gmail.com"),
        ("ana..lopez@gmail.com", "ana..lopez@gmail.com", "invalid_email", "ana.lopez@gmail.com"),
        ("ana lopez@gmail.com", "ana lopez@gmail.com", "invalid_email", "analopez@gmail.com"),
        ("valeria@arredamenti-lombarda", "valeria@arredamenti-lombarda", "invalid_email", None),
        ("info@mail.com", "info@mail.com", None, None),  # a real provider, not a gmail typo
        (None, None, None, None),
        ("   ", None, None, None),
    ],
)
def test_emails(raw: Any, value: str | None, code: str | None, suggestion: str | None) -> None:
    result = normalise_email(raw)
    assert result.value == value
    assert (result.finding.code if result.finding else None) == code
    assert (result.finding.suggestion if result.finding else None) == suggestion


def test_an_admin_adds_domains_that_are_not_typos() -> None:
    assert normalise_email("x@gmai.com").finding is not None
    assert normalise_email("x@gmai.com", known_domains=["gmai.com"]).ok


# --- phones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "value", "kind"),
    [
        ("+34 625 90 35 84", None, "+34625903584", "mobile"),
        ("625 90 35 84", "ES", "+34625903584", "mobile"),
        ("0034 625 90 35 84", "ES", "+34625903584", "mobile"),
        ("911 23 45 67", "ES", "+34911234567", "landline"),
        ("(602) 706 6584", "CO", "+576027066584", "landline"),
        ("07549 108135", "GB", "+447549108135", "mobile"),
        ("+44 (0)20 7946 0018", "GB", "+442079460018", "landline"),
        ("213.581.2613", "US", "+12135812613", "landline_or_mobile"),
        ("625 903 584 ext. 12", "ES", "+34625903584;ext=12", "mobile"),
    ],
)
def test_phones_in_e164_with_their_kind(
    raw: str, region: str | None, value: str, kind: str
) -> None:
    result = normalise_phone(raw, region)
    assert (result.value, result.kind, result.finding) == (value, kind, None)


def test_the_fast_e164_reading_agrees_with_phonenumbers_in_every_region() -> None:
    """What duplicate matching reads without validating (``e164_digits``) is what
    ``normalise_phone`` gives, for every region's example numbers in every format."""
    formats = (
        phonenumbers.PhoneNumberFormat.NATIONAL,
        phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        phonenumbers.PhoneNumberFormat.E164,
    )
    checked = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            for style in formats:
                text = phonenumbers.format_number(number, style)
                expected = normalise_phone(text, region)
                if not expected.ok:  # a few examples are not valid numbers themselves
                    continue
                digits = "".join(ch for ch in text if ch.isdigit())
                assert e164_digits(digits, text.startswith("+"), region) == expected.value, text
                checked += 1
    assert checked > 1000


@pytest.mark.parametrize(
    ("raw", "region", "why"),
    [
        ("6027", "CO", "not a valid number"),
        ("+57 6B4 5O93837", "CO", "letters"),
        ("000000000", "ES", "placeholder"),
        ("123456789", "ES", "placeholder"),
        ("625 90 35 84", None, "no country"),
    ],
)
def test_impossible_phones_are_flagged_and_kept(raw: str, region: str | None, why: str) -> None:
    result = normalise_phone(raw, region)
    assert result.value == raw
    assert result.finding is not None and result.finding.code == "invalid_phone"
    assert why in result.finding.message


# --- places ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("España", "ES"),
        ("Spain ", "ES"),
        ("ESP", "ES"),
        ("Reino de España", "ES"),
        ("EE.UU.", "US"),
        ("U.S.A.", "US"),
        ("United States of America", "US"),
        ("UK", "GB"),
        ("England", "GB"),
        ("Méjico", "MX"),
        ("Holland", "NL"),
        ("Deutschland", "DE"),
        ("Países Bajos", "NL"),
        ("co", "CO"),
    ],
)
def test_countries_as_iso_codes(raw: str, code: str) -> None:
    assert normalise_country(raw).value == code


def test_countries_by_name_and_unknown_ones() -> None:
    assert normalise_country("españa", style="name").value == "Spain"
    unknown = normalise_country("Narnia")
    assert unknown.value == "Narnia" and unknown.finding is not None


@pytest.mark.parametrize(
    ("raw", "country", "value"),
    [
        ("Texas", "US", "TX"),
        ("tx", "US", "TX"),
        ("València", "ES", "Valencia"),
        ("Alacant", "ES", "Alicante"),
        ("CDMX", "MX", "Ciudad de México"),
        ("CABA", "AR", "Ciudad Autónoma de Buenos Aires"),
        ("NA", "ES", "Navarra"),
        ("TO", "IT", "Torino"),
        ("Comunidad de Madrid", "ES", "Comunidad de Madrid"),
    ],
)
def test_states_in_each_country_habit(raw: str, country: str, value: str) -> None:
    assert normalise_state(raw, country).value == value


def test_zip_codes_are_tidied() -> None:
    assert normalise_zip(" sw1a   5xd ").value == "SW1A 5XD"
    assert normalise_zip("unknown").finding is not None


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "country", "value"),
    [
        ("MARÍA DE LA FUENTE", "ES", "María de la Fuente"),
        ("  ana   belén ", None, "Ana Belén"),
        ("o'brien", "US", "O'Brien"),
        ("mcdonald", "GB", "McDonald"),
        ("DE LUCA", "IT", "De Luca"),
        ("VAN DER BERG", "NL", "van der Berg"),
        ("gómez-acebo calvo", "ES", "Gómez-Acebo Calvo"),
        ("DeLuca", "US", "DeLuca"),  # a person's own mixed casing is kept
    ],
)
def test_person_names(raw: str, country: str | None, value: str) -> None:
    result = normalise_person_name(raw, country)
    assert (result.value, result.finding) == (value, None)


@pytest.mark.parametrize("raw", ["John 3", "Jоhn", "😀 Ana", "x" * 300, 12345])
def test_names_that_cannot_be_names_are_flagged(raw: Any) -> None:
    result = normalise_person_name(raw)
    assert result.finding is not None and result.finding.code == "suspicious_name"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Corporativo del Bajío, S.A.", "CORPORATIVO DEL BAJIO SA DE CV"),
        ("Ferretera Moreno S. de R.L. de C.V.", "Ferretera Moreno"),
        ("Meyer GmbH & Co. KG", "meyer"),
        ("Wood & Sons Ltd.", "Wood and Sons Limited"),
    ],
)
def test_company_names_match_without_legal_form(a: str, b: str) -> None:
    assert company_key(a) == company_key(b)
    assert normalise_company_name(f"  {a} ").value == a  # display keeps the legal form


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Pepe", "José", True),
        ("Paco", "Francisco", True),
        ("Bill", "William", True),
        ("Majo", "María José", True),
        ("Javi", "Francisco Javier", True),
        ("Guillermo", "William", True),
        ("María", "María José", True),
        ("María Fernanda", "María Guadalupe", False),
        ("Alejandro", "Alejandra", False),
    ],
)
def test_nicknames_and_name_variants(a: str, b: str, same: bool) -> None:
    meet = bool(whole_first_name_forms(a) & first_name_forms(b)) or bool(
        first_name_forms(a) & whole_first_name_forms(b)
    )
    assert meet is same


def test_nicknames_share_a_block_with_their_full_name() -> None:
    assert first_name_block("Pepe") == first_name_block("José") == "jose"
    assert first_name_block("Maggie") == first_name_block("Margaret")


# --- properties --------------------------------------------------------------------------

messy_text = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.from_regex(r"[+(]?[0-9 .()\-]{0,20}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9._%+ -]{0,12}@[A-Za-z0-9.-]{0,12}", fullmatch=True),
)
regions = st.sampled_from([None, "ES", "US", "GB", "MX", "CO", "DE", "XX"])

NORMALISERS = {
    "email": lambda v, r: normalise_email(v),
    "phone": normalise_phone,
    "country": lambda v, r: normalise_country(v),
    "country_name": lambda v, r: normalise_country(v, style="name"),
    "state": normalise_state,
    "zip": lambda v, r: normalise_zip(v),
    "person_name": normalise_person_name,
    "company_name": lambda v, r: normalise_company_name(v),
}


@pytest.mark.parametrize("name", sorted(NORMALISERS))
@settings(max_examples=150, deadline=None)
@given(raw=messy_text, region=regions)
def test_normalisers_are_idempotent_and_never_raise(name: str, raw: Any, region: Any) -> None:
    normalise = NORMALISERS[name]
    once = normalise(raw, region)
    twice = normalise(once.value, region)
    assert twice.value == once.value
    assert (twice.finding is None) == (once.finding is None)


@settings(max_examples=200, deadline=None)
@given(raw=st.text(max_size=60))
def test_company_key_is_idempotent(raw: str) -> None:
    assert company_key(company_key(raw)) == company_key(raw)
