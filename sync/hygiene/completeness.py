"""Completeness and the value-based review (playbook §4): which critical fields a record
lacks, its share complete, and when a person should next review it.

A field list names common-model fields; ``a|b`` is satisfied by either. E-mails and phones
count only when valid (an address that bounces on syntax is no address)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from mapping.model import Contact
from sync.config.rules import HygieneRules
from sync.hygiene.records import Checked
from sync.hygiene.value import Tier

_CHECKED_FIELDS = frozenset({"email", "phone", "mobile"})


@dataclass(frozen=True, slots=True)
class Completeness:
    """How complete one record is against the fields its tier needs."""

    required: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def share(self) -> float:
        if not self.required:
            return 1.0
        return round(1 - len(self.missing) / len(self.required), 2)


def has_field(contact: Contact, checked: Checked, name: str) -> bool:
    """Whether ``contact`` holds a (valid, for e-mails and phones) value for ``name``,
    or for any alternative of ``a|b``."""
    return any(_has_one(contact, checked, option) for option in name.split("|"))


def _has_one(contact: Contact, checked: Checked, name: str) -> bool:
    value = getattr(contact, name, None)
    if value is None or value == "" or value == frozenset():
        return False
    if name == "email":
        return checked.valid_email
    if name in _CHECKED_FIELDS:
        return name in checked.phone_kinds
    return True


def completeness(contact: Contact, checked: Checked, fields: Sequence[str]) -> Completeness:
    """Which of ``fields`` ``contact`` lacks."""
    missing = tuple(f for f in fields if not has_field(contact, checked, f))
    return Completeness(tuple(fields), missing)


def required_fields(tier: Tier, rules: HygieneRules) -> list[str]:
    """The fields a contact of ``tier`` should have."""
    return {
        "whale": rules.whale_fields,
        "recent_customer": rules.recent_customer_fields,
        "inactive": rules.inactive_fields,
        "occasional_customer": rules.occasional_customer_fields,
        "prospect": rules.prospect_fields,
    }[tier]


def review_days(tier: Tier, rules: HygieneRules) -> int:
    """How often a contact of ``tier`` is reviewed."""
    return {
        "whale": rules.review_days_whale,
        "recent_customer": rules.review_days_recent_customer,
        "inactive": rules.review_days_inactive,
        "occasional_customer": rules.review_days_occasional_customer,
        "prospect": rules.review_days_prospect,
    }[tier]


def next_review(anchor: date | None, every_days: int, today: date) -> date:
    """The first date on or after ``today`` on the record's review calendar: ``anchor``
    (its creation date) plus a whole number of ``every_days``. The same all period long, so
    a second run plans no change."""
    start = anchor or date(2000, 1, 1)
    if start >= today:
        return start
    periods = -(-(today - start).days // every_days)
    return start + timedelta(days=periods * every_days)
