"""The migration plan: a frozen, serialisable value saying what ``migrate --apply`` will do.

One :class:`Item` per entity to create or update in the target, in native names and values,
with the links to other migrated records given by their migration keys (their target ids
are only known once those records exist). Plus what the target will not take: values outside
a picklist, over-long text, required fields the source lacks; and the source fields the target
mapping has no place for. The JSON form round-trips and carries a content hash.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from sync.plan import json_value

MIGRATION_FORMAT = 1
#: the order objects are written in: a record's links point at records already there
OBJECT_ORDER = ("company", "contact", "deal")


@dataclass(frozen=True, slots=True)
class Link:
    """Links from one record to records of ``object_name``, through the common ``field``
    (``company_id``, ``contact_ids``), by the source ids of the linked entities (their target
    ids are known once those exist)."""

    field: str
    object_name: str
    source_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Item:
    """One entity to write: created when ``target_id`` is None, else updated."""

    object_name: str
    key: str  # e.g. "email:ana@example.com", "domain:acme.com", "source:4411"
    source_ids: tuple[str, ...]  # every source record it carries, the survivor first
    target_id: str | None
    fields: dict[str, Any]  # native field -> value to send (JSON-safe)
    links: tuple[Link, ...] = ()  # links to add

    @property
    def creates(self) -> bool:
        return self.target_id is None


@dataclass(frozen=True, slots=True)
class Rejection:
    """A value the target would refuse, left out of the plan (or a record left out whole)."""

    object_name: str
    key: str
    field: str
    value: Any
    reason: str
    filled: Any = None  # the placeholder written instead, if any

    def __str__(self) -> str:
        shown = repr(self.value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        then = f"; wrote {self.filled!r} instead" if self.filled is not None else ""
        return f"{self.object_name} {self.key}: {self.field}={shown} {self.reason}{then}"


@dataclass(frozen=True)
class MigrationPlan:
    source: str  # "zoho" (kind of the source CRM)
    target: str
    created_at: str  # ISO
    items: tuple[Item, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    #: common field -> how many source records hold a value the target mapping has no place for
    unmapped: dict[str, int] = field(default_factory=dict)
    #: object -> source records read, merged into another, unchanged in the target
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    #: object -> source id -> target id, for entities the target holds already (created by an
    #: earlier run, perhaps one killed before it saved them in the id map)
    matched: dict[str, dict[str, str]] = field(default_factory=dict)
    #: object -> native field -> options to add to a custom picklist of the target first
    new_options: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.items and not self.new_options

    def summary(self) -> dict[str, dict[str, int]]:
        """Per object: read, merged, create, update, unchanged, rejected values."""
        creates = Counter(i.object_name for i in self.items if i.creates)
        updates = Counter(i.object_name for i in self.items if not i.creates)
        rejected = Counter(r.object_name for r in self.rejections)
        return {
            name: {
                **self.counts.get(name, {}),
                "create": creates[name],
                "update": updates[name],
                "rejected_values": rejected[name],
            }
            for name in OBJECT_ORDER
        }

    def content_hash(self) -> str:
        return hashlib.sha256(_canonical(self._document()).encode()).hexdigest()

    def to_json(self) -> str:
        return json.dumps(
            {**self._document(), "hash": self.content_hash()},
            indent=1,
            ensure_ascii=False,
            default=json_value,
        )

    @classmethod
    def from_json(cls, text: str) -> MigrationPlan:
        document = json.loads(text)
        if document.get("format") != MIGRATION_FORMAT:
            raise ValueError(f"not a migration plan of format {MIGRATION_FORMAT}")
        plan = cls(
            document["source"],
            document["target"],
            document["created_at"],
            tuple(
                Item(
                    i["object_name"],
                    i["key"],
                    tuple(i["source_ids"]),
                    i["target_id"],
                    i["fields"],
                    tuple(
                        Link(k["field"], k["object_name"], tuple(k["source_ids"]))
                        for k in i["links"]
                    ),
                )
                for i in document["items"]
            ),
            tuple(Rejection(**r) for r in document["rejections"]),
            document["unmapped"],
            document["counts"],
            document["matched"],
            document["new_options"],
        )
        if plan.content_hash() != document.get("hash"):
            raise ValueError("the migration plan was changed after it was made (hash mismatch)")
        return plan

    def _document(self) -> dict[str, Any]:
        return {
            "format": MIGRATION_FORMAT,
            "source": self.source,
            "target": self.target,
            "created_at": self.created_at,
            "items": [asdict(i) for i in self.items],
            "rejections": [asdict(r) for r in self.rejections],
            "unmapped": self.unmapped,
            "counts": self.counts,
            "matched": self.matched,
            "new_options": self.new_options,
        }


def _canonical(document: Any) -> str:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=json_value
    )
