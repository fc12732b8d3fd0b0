"""The plan: a frozen, serialisable value saying exactly what ``apply`` will do.

Per record: the field changes (before → after, with the rule and its reason), the tags added
and removed (crmsync's namespace only), and the ``updated_at`` seen when planning, so apply can
skip a record a person changed since. Plus the tasks to create, and the problems that kept
something out of the plan (rule conflicts, fields nobody may write). The JSON form round-trips
exactly and carries a content hash, so ``crmsync apply plan.json`` runs what was reviewed.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

PLAN_FORMAT = 1
_PLURALS = {"contact": "contacts", "company": "companies", "deal": "deals"}


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str  # the rule output or common field
    native_field: str
    before: Any  # as the CRM holds it (JSON-safe)
    after: Any  # what will be sent, in the CRM's shape (JSON-safe)
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class TagChange:
    tag: str  # with the namespace, e.g. "crmsync:lead"
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class RecordChange:
    object_name: str
    native_object: str
    record_id: str
    updated_at: str  # ISO, as last read: apply skips the record if it moved since
    fields: tuple[FieldChange, ...] = ()
    tags_add: tuple[TagChange, ...] = ()
    tags_remove: tuple[TagChange, ...] = ()
    current_tags: tuple[str, ...] = ()  # every tag the record had when planned


@dataclass(frozen=True, slots=True)
class TaskChange:
    key: str
    subject: str
    due: str  # ISO datetime
    owner_id: str | None
    related_object: str
    related_id: str
    priority: str
    body: str
    rule: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """Everything one apply will do, and nothing else."""

    job: str
    crm: str
    planned_at: str
    now: str
    changes: tuple[RecordChange, ...] = ()
    tasks: tuple[TaskChange, ...] = ()
    problems: tuple[str, ...] = ()
    format: int = PLAN_FORMAT
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.changes and not self.tasks

    def summary(self) -> dict[str, int]:
        """Counts per change type, for the terminal and the run record."""
        counts: Counter[str] = Counter()
        for change in self.changes:
            counts[f"{_PLURALS.get(change.object_name, change.object_name)} changed"] += 1
            counts["field changes"] += len(change.fields)
            counts["tags added"] += len(change.tags_add)
            counts["tags removed"] += len(change.tags_remove)
        counts["tasks to create"] = len(self.tasks)
        counts["problems"] = len(self.problems)
        return dict(counts)

    def content_hash(self) -> str:
        body = _canonical({k: v for k, v in asdict(self).items() if k != "counts"})
        return hashlib.sha256(body.encode()).hexdigest()

    def to_json(self) -> str:
        document = asdict(self)
        document["counts"] = self.summary()
        document["hash"] = self.content_hash()
        return json.dumps(document, indent=1, ensure_ascii=False, default=json_value)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """A plan written by :meth:`to_json`; a changed or foreign file is refused."""
        document = json.loads(text)
        if document.get("format") != PLAN_FORMAT:
            raise ValueError(f"not a crmsync plan of format {PLAN_FORMAT}")
        claimed = document.pop("hash", None)
        plan = cls(
            job=document["job"],
            crm=document["crm"],
            planned_at=document["planned_at"],
            now=document["now"],
            changes=tuple(
                RecordChange(
                    **{
                        **c,
                        "fields": tuple(FieldChange(**f) for f in c["fields"]),
                        "tags_add": tuple(TagChange(**t) for t in c["tags_add"]),
                        "tags_remove": tuple(TagChange(**t) for t in c["tags_remove"]),
                        "current_tags": tuple(c["current_tags"]),
                    }
                )
                for c in document["changes"]
            ),
            tasks=tuple(TaskChange(**t) for t in document["tasks"]),
            problems=tuple(document["problems"]),
        )
        if claimed != plan.content_hash():
            raise ValueError("the plan file was changed after it was written (hash mismatch)")
        return plan


def json_value(value: Any) -> Any:
    """Values as the plan file holds them."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot put a {type(value).__name__} in a plan")


def _canonical(document: Any) -> str:
    return json.dumps(
        document, sort_keys=True, ensure_ascii=False, default=json_value, separators=(",", ":")
    )
