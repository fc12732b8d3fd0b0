"""Small builders for the segmentation tests: contacts, deals, running chosen rules."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

import sync.rules  # noqa: F401  (registers every rule)
from mapping.model import Company, Contact, Deal
from sync.config.rules import RulesSettings
from sync.rules.base import RULES, CustomerBase, Output, RuleRun, run_rules

UTC = timezone.utc
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
_ids = itertools.count(1)


def contact(id: str = "c1", **values: Any) -> Contact:
    return Contact.of(id=id, **values)


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def moment(days: int) -> datetime:
    """``days`` days before NOW."""
    return NOW - timedelta(days=days)


def deal(contact_ids: str | Sequence[str], stage: str = "won", **values: Any) -> Deal:
    ids = (contact_ids,) if isinstance(contact_ids, str) else tuple(contact_ids)
    values.setdefault("id", f"d{next(_ids)}")
    values.setdefault("currency", "EUR")
    return Deal.of(contact_ids=ids, stage=stage, **values)


def won(contact_id: str, ago: int, amount: float = 100, **values: Any) -> Deal:
    """A won deal closed ``ago`` days before today."""
    return deal(contact_id, "won", close_date=days_ago(ago), amount=amount, **values)


def purchases(contact_id: str, *ages: int, amount: float = 100) -> list[Deal]:
    return [won(contact_id, age, amount) for age in ages]


def settings(**sections: Any) -> RulesSettings:
    return RulesSettings.model_validate(sections)


def run(
    names: str | Iterable[str],
    contacts: Iterable[Contact],
    deals: Iterable[Deal] = (),
    companies: Iterable[Company] = (),
    rules: RulesSettings | None = None,
    now: datetime = NOW,
) -> RuleRun:
    """Only the named rules (with the stages' order) over these records."""
    chosen = [RULES[name] for name in ([names] if isinstance(names, str) else names)]
    base = CustomerBase(list(contacts), list(companies), list(deals))
    return run_rules(base, now, rules or RulesSettings(), rules=chosen)


def find(
    result: RuleRun, record_id: str, target: str | None = None, name: str | None = None
) -> list[Output]:
    return [
        o
        for o in result.outputs
        if o.record_id == record_id
        and (target is None or o.target == target)
        and (name is None or o.name == name)
    ]


def value(result: RuleRun, record_id: str, name: str) -> Any:
    """The value of field output ``name`` on the record (None when no rule set it)."""
    found = find(result, record_id, "field", name)
    assert len(found) <= 1, found
    return found[0].value if found else None


def tags(result: RuleRun, record_id: str) -> set[str]:
    return {o.name for o in find(result, record_id, "tag")}
