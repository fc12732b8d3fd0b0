"""Per-field survivorship: which value the merged record keeps, field by field, and the merge
plan that says so (executed later through each CRM's merge API, after every merged record has
been backed up in the journal)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Literal

from mapping.model import Company, Contact, field_kinds

FieldRule = Literal["survivor", "most_recent", "longest", "union", "any_true"]

#: What each field keeps unless the admin says otherwise (``DuplicateRules.field_rules``):
#: the survivor's value with gaps filled from the others; every tag and address of every
#: record; and any opt-out, bounce or disqualification, so a merge never re-subscribes anyone.
DEFAULT_FIELD_RULES: Mapping[str, FieldRule] = {
    "tags": "union",
    "other_emails": "union",
    "unsubscribed": "any_true",
    "hard_bounce": "any_true",
    "disqualified": "any_true",
    "closed": "any_true",
}


@dataclass(frozen=True, slots=True)
class FieldChoice:
    """The value the merged record gets for one field, and which record it comes from
    (``None`` when several contributed, as for a union)."""

    field: str
    value: Any
    from_id: str | None
    rule: FieldRule


@dataclass(frozen=True, slots=True)
class MergePlan:
    """Merge ``merged_ids`` into ``survivor_id``; ``fields`` are the survivor's values that
    change (every other field keeps the survivor's own)."""

    object_name: Literal["contact", "company"]
    survivor_id: str
    merged_ids: tuple[str, ...]
    score: float | None
    fields: tuple[FieldChoice, ...]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO text, sets as sorted lists)."""
        return {
            "object": self.object_name,
            "survivor_id": self.survivor_id,
            "merged_ids": list(self.merged_ids),
            "score": self.score,
            "fields": [
                {"field": f.field, "value": _plain(f.value), "from": f.from_id, "rule": f.rule}
                for f in self.fields
            ],
        }


def merge_plan(
    survivor: Contact | Company,
    others: Sequence[Contact | Company],
    *,
    score: float | None = None,
    field_rules: Mapping[str, FieldRule] | None = None,
) -> MergePlan:
    """The merge of ``others`` into ``survivor``. ``others`` are in the order their values
    fill the survivor's gaps (best first)."""
    rules = {**DEFAULT_FIELD_RULES, **(field_rules or {})}
    records = [survivor, *others]
    choices = []
    for name in field_kinds(type(survivor)):
        rule = rules.get(name, "survivor")
        value, source = _choose(records, name, rule)
        if name == "other_emails" and isinstance(survivor, Contact):
            value, source = _other_emails(records, value), None
        if value != getattr(survivor, name):
            choices.append(FieldChoice(name, value, source, rule))
    object_name: Literal["contact", "company"] = (
        "contact" if isinstance(survivor, Contact) else "company"
    )
    return MergePlan(object_name, survivor.id, tuple(r.id for r in others), score, tuple(choices))


def _choose(records: Sequence[Any], name: str, rule: FieldRule) -> tuple[Any, str | None]:
    present = [r for r in records if _has(getattr(r, name))]
    if not present:
        return getattr(records[0], name), records[0].id
    if rule == "union":
        values = [getattr(r, name) for r in present]
        return frozenset().union(*values), None
    if rule == "any_true":
        truthy = [r for r in present if getattr(r, name) is True]
        chosen = truthy[0] if truthy else present[0]
        return getattr(chosen, name), chosen.id
    if rule == "most_recent":
        chosen = max(present, key=_recency)
    elif rule == "longest":
        chosen = max(present, key=lambda r: len(str(getattr(r, name))))
    else:
        chosen = present[0]
    return getattr(chosen, name), chosen.id


def _other_emails(records: Sequence[Any], kept: frozenset[str]) -> frozenset[str]:
    """Every address of every merged record except the merged record's own ``email``."""
    primary = records[0].email
    addresses = set(kept)
    addresses.update(r.email for r in records if r.email)
    addresses.discard(primary)
    return frozenset(addresses)


def _has(value: Any) -> bool:
    return value is not None and value != frozenset() and value != ""


def _recency(record: Any) -> datetime:
    return record.updated_at or record.created_at or datetime.min.replace(tzinfo=timezone.utc)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, Decimal):
        return str(value)
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)  # type: ignore[arg-type]
    return value
