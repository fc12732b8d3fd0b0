"""The messy-data generator: reproducible, the right size and shape, and its ground truth
says exactly what was done to the data."""

from __future__ import annotations

import math
import os
import re
import statistics
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from sandbox.dataset import Company, Contact, Dataset, Deal
from sandbox.generator import DEFAULT_NOW, SEGMENTS, generate
from sandbox.generator.names import ALL_LEGAL_SUFFIXES, DOMAIN_TYPOS, FREE_DOMAINS, NICKNAMES
from sandbox.generator.places import COUNTRY_BY_ISO, COUNTRY_SPELLINGS
from sandbox.generator.util import fold

SIZE = 2000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
TYPO_DOMAINS = {typo for typos in DOMAIN_TYPOS.values() for typo in typos}


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return generate(SIZE, seed=42)


def by_key(ds: Dataset) -> dict[str, Contact]:
    return {c.key: c for c in ds.contacts}


def valid_syntax(email: str) -> bool:
    return bool(EMAIL.match(email)) and ".." not in email


def digits(text: str | None) -> str:
    return "".join(ch for ch in text or "" if ch.isdigit())


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def one_edit_apart(a: str, b: str) -> bool:
    """Exactly one substitution, deletion or swap of neighbours turns ``a`` into ``b``."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if len(a) == len(b) + 1:
        return any(a[:i] + a[i + 1:] == b for i in range(len(a)))
    return False


def strip_suffix(name: str) -> str:
    for suffix in ALL_LEGAL_SUFFIXES:
        for joiner in (", ", " "):
            if name.endswith(joiner + suffix):
                return name[: -len(joiner + suffix)]
    return name


def bare_domain(value: str) -> str:
    value = value.lower().removeprefix("https://").removeprefix("http://")
    return value.removeprefix("www.").rstrip("/")


# --- reproducibility and size -------------------------------------------------------------

def test_same_arguments_give_the_same_data_set_and_another_seed_does_not() -> None:
    assert generate(300, seed=7) == generate(300, seed=7)
    assert generate(300, seed=7).contacts != generate(300, seed=8).contacts


DIGEST = """
import dataclasses, hashlib
from sandbox.generator import generate
data = generate(400, seed=11)
rows = [[sorted(v) if isinstance(v, frozenset) else v for v in dataclasses.astuple(r)]
        for r in (*data.owners, *data.companies, *data.contacts, *data.deals)]
print(hashlib.sha256(repr((rows, data.truth)).encode()).hexdigest())
"""


def test_output_does_not_depend_on_the_interpreters_hash_seed() -> None:
    digests = {
        subprocess.run([sys.executable, "-c", DIGEST], check=True, capture_output=True,
                       text=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_now_moves_the_whole_history() -> None:
    later = DEFAULT_NOW + timedelta(days=30)
    shifted = generate(50, seed=1, now=later)
    assert shifted.truth.reference_time == later
    assert all(c.updated_at < later for c in shifted.contacts)
    assert shifted.contacts[0].created_at == generate(50, seed=1).contacts[0].created_at \
        + timedelta(days=30)


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError):
        generate(10, now=datetime(2026, 1, 1))


@pytest.mark.parametrize("size", [0, 1, 2, 9, 137])
def test_exactly_the_requested_number_of_contacts(size: int) -> None:
    data = generate(size, seed=3)
    assert len(data.contacts) == size
    assert len(data.truth.expected_segment) == size


def test_proportions_of_companies_consumers_and_deals(ds: Dataset) -> None:
    assert 4 <= len(ds.contacts) / len(ds.companies) <= 8
    assert 1 <= len(ds.deals) / len(ds.contacts) <= 3
    originals = [c for c in ds.contacts if ds.truth.contact_entity[c.key] == c.key]
    consumers = sum(c.company_key is None for c in originals) / len(originals)
    assert 0.25 <= consumers <= 0.35
    won: Counter[str] = Counter(d.contact_keys[0] for d in ds.deals if d.stage == "won")
    assert 2 <= statistics.mean(won.values()) <= 4  # about 3 purchases per customer


def test_keys_are_unique_and_every_association_points_at_a_record(ds: Dataset) -> None:
    contacts = {c.key for c in ds.contacts}
    companies = {c.key for c in ds.companies}
    owners = {o.id for o in ds.owners}
    assert len(contacts) == len(ds.contacts) and len(companies) == len(ds.companies)
    assert len({d.key for d in ds.deals}) == len(ds.deals)
    assert all(c.company_key in companies for c in ds.contacts if c.company_key)
    people_and_companies: list[Contact | Company] = [*ds.contacts, *ds.companies]
    assert all(r.owner_id in owners for r in people_and_companies if r.owner_id)
    for deal in ds.deals:
        assert 1 <= len(deal.contact_keys) <= 3
        assert len(set(deal.contact_keys)) == len(deal.contact_keys)
        assert set(deal.contact_keys) <= contacts
        assert deal.company_key is None or deal.company_key in companies
        assert deal.owner_id is None or deal.owner_id in owners
    assert set(ds.truth.contact_entity) == contacts
    assert set(ds.truth.company_entity) == companies


# --- duplicates -----------------------------------------------------------------------------

def test_ten_to_fifteen_percent_of_records_are_duplicates(ds: Dataset) -> None:
    assert 0.10 <= len(ds.truth.contact_duplicates) / len(ds.contacts) <= 0.15
    assert 0.10 <= len(ds.truth.company_duplicates) / len(ds.companies) <= 0.15
    entity = ds.truth.contact_entity
    for dup in ds.truth.contact_duplicates:
        assert entity[dup.key] == entity[dup.original_key] != dup.key
    kinds = Counter(kind for dup in ds.truth.contact_duplicates for kind in dup.noise)
    assert set(kinds) == {"accents_dropped", "typo", "nickname", "swapped_names", "name_case",
                          "phone_format", "email_case", "other_email", "country_spelling",
                          "missing_fields"}
    company_kinds = {kind for dup in ds.truth.company_duplicates for kind in dup.noise}
    assert {"legal_suffix", "typo", "missing_fields"} <= company_kinds


CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "mobile", "street", "city",
                  "state", "zip", "country", "birth_date", "job_title", "company_key",
                  "company_name")
TOUCHES = {"accents_dropped": {"first_name", "last_name"}, "typo": {"first_name", "last_name"},
           "nickname": {"first_name"}, "swapped_names": {"first_name", "last_name"},
           "name_case": {"first_name", "last_name"}, "phone_format": {"phone", "mobile"},
           "email_case": {"email"}, "other_email": {"email"}, "country_spelling": {"country"}}


def test_a_contact_duplicate_differs_from_its_original_only_by_its_noise(ds: Dataset) -> None:
    contacts = by_key(ds)
    for truth in ds.truth.contact_duplicates:
        dup, orig = contacts[truth.key], contacts[truth.original_key]
        pair = {truth.key, truth.original_key}
        bad_email = bool(pair & set(ds.truth.invalid_emails))
        bad_phone = bool(pair & set(ds.truth.invalid_phones))
        noise = set(truth.noise)
        assert noise, truth
        allowed = set().union(*(TOUCHES.get(kind, set()) for kind in noise))
        changed = {f for f in CONTACT_FIELDS if getattr(dup, f) != getattr(orig, f)}
        changed -= ({"email"} if bad_email else set()) | ({"phone", "mobile"} if bad_phone
                                                           else set())
        for field in changed - allowed:  # only missing values may explain the rest
            assert "missing_fields" in noise and getattr(dup, field) is None, (truth, field)
        names = (orig.first_name, orig.last_name), (dup.first_name, dup.last_name)
        if "accents_dropped" in noise:
            assert names[1] == tuple(fold(n) if n else n for n in names[0]) != names[0]
        if "name_case" in noise:
            assert [n.lower() if n else n for n in names[1]] == \
                   [n.lower() if n else n for n in names[0]] and names[1] != names[0]
        if "nickname" in noise:
            assert dup.first_name in NICKNAMES[orig.first_name or ""]
        if "swapped_names" in noise:
            assert names[1] == names[0][::-1]
        if "typo" in noise:
            pairs = [(a, b) for a, b in zip(*names, strict=True) if a != b]
            assert len(pairs) == 1 and one_edit_apart(pairs[0][0] or "", pairs[0][1] or ""), truth
        if "phone_format" in noise and not bad_phone:
            for field in ("phone", "mobile"):
                a, b = getattr(orig, field), getattr(dup, field)
                if a and b and a != b:
                    assert digits(a)[-7:] == digits(b)[-7:], (a, b)
        if "email_case" in noise and not bad_email:
            assert dup.email != orig.email
            assert (dup.email or "").lower() == (orig.email or "").lower()
        if "other_email" in noise and not bad_email:
            assert (dup.email or "").lower() != (orig.email or "").strip().lower()
        if "country_spelling" in noise:
            assert COUNTRY_SPELLINGS[dup.country or ""] == COUNTRY_SPELLINGS[orig.country or ""]


def test_a_company_duplicate_differs_only_by_its_noise(ds: Dataset) -> None:
    companies = {c.key: c for c in ds.companies}
    fields = ("name", "domain", "phone", "street", "city", "state", "zip", "country",
              "industry", "employees", "linkedin")
    touches = {"legal_suffix": {"name"}, "typo": {"name"}, "accents_dropped": {"name"},
               "name_case": {"name"}, "phone_format": {"phone"}, "domain_format": {"domain"},
               "country_spelling": {"country"}}
    for truth in ds.truth.company_duplicates:
        dup, orig = companies[truth.key], companies[truth.original_key]
        noise = set(truth.noise)
        allowed = set().union(*(touches.get(kind, set()) for kind in noise))
        for field in {f for f in fields if getattr(dup, f) != getattr(orig, f)} - allowed:
            assert "missing_fields" in noise and getattr(dup, field) is None, (truth, field)
        assert dup.name and orig.name
        if "legal_suffix" in noise:
            assert strip_suffix(dup.name) == strip_suffix(orig.name) and dup.name != orig.name
        if "typo" in noise:
            assert one_edit_apart(strip_suffix(orig.name), strip_suffix(dup.name))
        if "accents_dropped" in noise:
            assert dup.name == fold(orig.name) != orig.name
        if "name_case" in noise:
            assert dup.name.lower() == orig.name.lower() and dup.name != orig.name
        if "phone_format" in noise:
            assert digits(dup.phone)[-7:] == digits(orig.phone)[-7:] and dup.phone != orig.phone
        if "domain_format" in noise:
            assert bare_domain(dup.domain or "") == bare_domain(orig.domain or "")


# --- invalid data ---------------------------------------------------------------------------

def test_damaged_emails_are_recorded_and_every_other_email_is_fine(ds: Dataset) -> None:
    invalid = ds.truth.invalid_emails
    with_email = [c for c in ds.contacts if not blank(c.email)]
    assert 0.01 <= len(invalid) / len(with_email) <= 0.06
    assert set(invalid.values()) == {"domain_typo", "missing_at", "space", "double_dot",
                                     "missing_tld"}
    for c in with_email:
        assert c.email is not None
        domain = c.email.rpartition("@")[2].lower()
        if c.key not in invalid:
            assert valid_syntax(c.email.strip()) and domain not in TYPO_DOMAINS, c.email
        elif invalid[c.key] == "domain_typo":
            assert domain in TYPO_DOMAINS
        else:
            assert not valid_syntax(c.email), c.email


def test_damaged_phones_are_recorded_and_every_other_phone_looks_real(ds: Dataset) -> None:
    invalid = ds.truth.invalid_phones
    with_phone = [c for c in ds.contacts if not blank(c.phone) or not blank(c.mobile)]
    assert 0.01 <= len(invalid) / len(with_phone) <= 0.06
    for c in ds.contacts:
        damaged = ("phone" if not blank(c.phone) else "mobile") if c.key in invalid else None
        for field in ("phone", "mobile"):
            value = getattr(c, field)
            if blank(value):
                continue
            if field == damaged:
                kind = invalid[c.key]
                assert ((kind == "too_short" and len(digits(value)) < 7)
                        or (kind == "letters" and any(ch.isalpha() for ch in value))
                        or (kind == "placeholder" and (len(set(digits(value))) == 1
                                                       or digits(value) in "1234567890")))
            else:
                assert 9 <= len(digits(value)) <= 14 and not any(ch.isalpha() for ch in value)


def test_phones_are_valid_numbers_of_the_contacts_country(ds: Dataset) -> None:
    import phonenumbers
    checked = lenient = 0
    for c in ds.contacts:
        region = COUNTRY_SPELLINGS.get(c.country or "")
        if region is None:
            continue
        damaged = ("phone" if not blank(c.phone) else "mobile") \
            if c.key in ds.truth.invalid_phones else None
        for field in ("phone", "mobile"):
            value = getattr(c, field)
            if blank(value):
                continue
            try:
                valid = phonenumbers.is_valid_number(phonenumbers.parse(value, region))
            except phonenumbers.NumberParseException:
                valid = False
            if field == damaged:
                # phonenumbers drops stray letters, and "123456789" is a real number in France:
                # letters and placeholders must be caught by pattern, the rest it rejects.
                kind = ds.truth.invalid_phones[c.key]
                assert valid is False or kind in ("letters", "placeholder"), (value, region)
                lenient += valid
            else:
                assert valid, (value, region)
            checked += 1
    assert checked > 0.8 * SIZE and lenient <= 0.1 * len(ds.truth.invalid_phones)


# --- realism --------------------------------------------------------------------------------

def test_names_addresses_and_emails_look_like_real_ones(ds: Dataset) -> None:
    lasts = [c.last_name or "" for c in ds.contacts]
    assert sum(fold(n) != n for n in lasts) > SIZE * 0.15  # accents
    assert any(n.startswith(("de la ", "del ", "van der ", "van den ", "de ")) for n in lasts)
    assert sum(" " in n for n in lasts) > SIZE * 0.2  # compound surnames and particles
    assert any(c.first_name in NICKNAMES for c in ds.contacts)
    spain = {c.country for c in ds.contacts if COUNTRY_SPELLINGS.get(c.country or "") == "ES"}
    assert {"Spain", "España", "ES"} <= spain
    free = {domain for domain, _ in FREE_DOMAINS}
    consumer_domains = Counter((c.email or "").strip().rpartition("@")[2].lower()
                               for c in ds.contacts if c.company_key is None and c.email)
    assert sum(n for d, n in consumer_domains.items() if d in free) > 0.6 * sum(
        consumer_domains.values())
    companies = {c.key: c for c in ds.companies}
    on_company_domain = sum(
        bool(companies[c.company_key].domain)
        and bare_domain(companies[c.company_key].domain or "") in (c.email or "").lower()
        for c in ds.contacts if c.company_key)
    assert on_company_domain > 0.5 * sum(c.company_key is not None for c in ds.contacts)
    assert any(c.name and strip_suffix(c.name) != c.name for c in ds.companies)


def test_missing_values_are_none_or_blank_text_and_tags_are_peoples(ds: Dataset) -> None:
    streets = [c.street for c in ds.contacts]
    assert None in streets and "" in streets and any(s and not s.strip() for s in streets)
    tagged = [c for c in ds.contacts if c.tags]
    assert 0.1 * SIZE < len(tagged) < 0.5 * SIZE
    records: list[Contact | Company] = [*ds.contacts, *ds.companies]
    tags = {t for r in records for t in r.tags}
    assert "VIP" in tags and not any(t.lower().startswith("crmsync") for t in tags)
    disqualified = [c for c in ds.contacts if c.disqualified]
    assert any(blank(c.disqualified_reason) for c in disqualified)
    assert any(not blank(c.disqualified_reason) for c in disqualified)


def test_deal_currency_follows_the_primary_contacts_country(ds: Dataset) -> None:
    contacts = by_key(ds)
    checked = 0
    for deal in ds.deals:
        iso = COUNTRY_SPELLINGS.get(contacts[deal.contact_keys[0]].country or "")
        if iso is not None:
            assert deal.currency == COUNTRY_BY_ISO[iso].currency
            checked += 1
    assert checked > 0.8 * len(ds.deals)


def test_datetimes_are_utc_ordered_before_now_and_often_tied(ds: Dataset) -> None:
    now = ds.truth.reference_time
    assert now == DEFAULT_NOW
    records: list[Contact | Company | Deal] = [*ds.contacts, *ds.companies, *ds.deals]
    for record in records:
        assert record.created_at.tzinfo is not None
        assert record.created_at.utcoffset() == timedelta(0)
        assert record.created_at <= record.updated_at < now
    for c in ds.contacts:
        for moment in (c.last_interaction_at, c.last_open_at, c.last_click_at):
            assert moment is None or (moment.utcoffset() == timedelta(0) and moment < now)
        assert c.nps_date is None or c.nps_date <= now.date()
        assert c.birth_date is None or c.birth_date < now.date()
    assert all(d.close_date <= now.date() for d in ds.deals if d.stage in ("won", "lost"))
    ties = Counter(c.updated_at for c in ds.contacts)
    assert max(ties.values()) >= 10
    assert sum(n for n in ties.values() if n > 1) > 0.2 * SIZE


# --- deals and segments ---------------------------------------------------------------------

def won_by_contact(ds: Dataset) -> dict[str, list]:
    won: dict[str, list] = {}
    for deal in ds.deals:
        if deal.stage == "won":
            won.setdefault(deal.contact_keys[0], []).append(deal)
    return won


def test_revenue_is_pareto_shaped(ds: Dataset) -> None:
    fx = ds.truth.fx_to_eur
    revenue = sorted((sum((d.amount or 0) * fx[d.currency] for d in deals)
                      for deals in won_by_contact(ds).values()), reverse=True)
    top = revenue[: math.ceil(0.2 * len(revenue))]
    assert sum(top) >= 0.6 * sum(revenue)


def test_repeat_customers_buy_at_a_regular_rhythm(ds: Dataset) -> None:
    steady = []
    for deals in won_by_contact(ds).values():
        dates = sorted(d.close_date for d in deals)
        gaps = [(b - a).days for a, b in pairwise(dates)]
        if len(gaps) >= 3:
            steady.append(statistics.pstdev(gaps) <= 0.35 * statistics.mean(gaps))
    assert len(steady) > 50 and sum(steady) >= 0.8 * len(steady)


def test_every_segment_occurs(ds: Dataset) -> None:
    counts = Counter(ds.truth.expected_segment.values())
    assert set(counts) == set(SEGMENTS)
    assert min(counts.values()) >= 0.01 * SIZE, counts


def test_segments_agree_with_the_playbook_rules(ds: Dataset) -> None:
    won = won_by_contact(ds)
    today = ds.truth.reference_time.date() if ds.truth.reference_time else None
    assert today is not None
    for c in ds.contacts:
        segment = ds.truth.expected_segment[c.key]
        mine = won.get(c.key, [])
        assert (segment == "NOT_QUALIFIED") == c.disqualified
        if segment.startswith("CUSTOMER"):
            assert mine
        if segment == "CUSTOMER_RETIRED":
            assert not blank(c.retired_reason)
        if segment == "CUSTOMER_EVANGELIST":
            assert len(mine) >= 3 and (c.referrals >= 1 or (c.nps_score or 0) >= 9)
        if segment == "CUSTOMER_DORMANT":
            assert (today - max(d.close_date for d in mine)).days > 180
        if segment == "CUSTOMER":
            assert (today - max(d.close_date for d in mine)).days <= 2 * 365
        if segment in ("QUALIFIED", "LEAD", "COLD_CONTACT"):
            assert not mine
        if segment == "LEAD":
            assert c.asked_price and not blank(c.email) and c.key not in ds.truth.invalid_emails
        if blank(c.email) or c.key in ds.truth.invalid_emails:
            assert segment != "LEAD"
