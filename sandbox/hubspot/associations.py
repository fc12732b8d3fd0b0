"""Associations between records: HubSpot-defined type ids and a two-way link store.

Each link is stored once per direction (``from → [to ids]``). The only label kept besides the
default ("unlabeled") one is *Primary*: a contact's primary company, a deal's primary company.
It lives on the owning side (contact → company, deal → company) and is derived for the reverse
direction, so both directions always agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.hubspot.schema import OBJECT_TYPES


@dataclass(frozen=True, slots=True)
class PairTypes:
    """The HubSpot-defined association type ids from one object type to another."""

    default: int
    primary: int | None = None


#: crm-apis.md §1.4 (hubspot/crm/association_type.py) plus the task engagement types.
PAIRS: dict[tuple[str, str], PairTypes] = {
    ("contacts", "companies"): PairTypes(279, 1),
    ("companies", "contacts"): PairTypes(280, 2),
    ("deals", "contacts"): PairTypes(3),
    ("contacts", "deals"): PairTypes(4),
    ("deals", "companies"): PairTypes(341, 5),
    ("companies", "deals"): PairTypes(342, 6),
    ("tasks", "contacts"): PairTypes(204),
    ("contacts", "tasks"): PairTypes(203),
    ("tasks", "companies"): PairTypes(192),
    ("companies", "tasks"): PairTypes(191),
    ("tasks", "deals"): PairTypes(216),
    ("deals", "tasks"): PairTypes(215),
}
#: the directions whose "from" side holds at most one primary "to".
PRIMARY_OWNERS = frozenset({("contacts", "companies"), ("deals", "companies")})


@dataclass(frozen=True, slots=True)
class AssociationType:
    """One type id: which direction it links and whether it is the Primary label."""

    type_id: int
    from_type: str
    to_type: str
    primary: bool

    @property
    def label(self) -> str | None:
        return "Primary" if self.primary else None

    @property
    def v3_name(self) -> str:
        """The ``type`` of v3 association results (``contact_to_company_unlabeled``...)."""
        base = f"{OBJECT_TYPES[self.from_type].singular}_to_{OBJECT_TYPES[self.to_type].singular}"
        has_primary = PAIRS[(self.from_type, self.to_type)].primary is not None
        return f"{base}_unlabeled" if has_primary and not self.primary else base


ASSOCIATION_TYPES: dict[int, AssociationType] = {}
for (_from, _to), _types in PAIRS.items():
    ASSOCIATION_TYPES[_types.default] = AssociationType(_types.default, _from, _to, False)
    if _types.primary is not None:
        ASSOCIATION_TYPES[_types.primary] = AssociationType(_types.primary, _from, _to, True)


#: the targets of one record: a lone id (most records have one), or a list of several.
Targets = int | list[int]


def _listed(targets: Targets | None) -> list[int]:
    if targets is None:
        return []
    return [targets] if isinstance(targets, int) else targets


def _added(by_id: dict[int, Targets], key: int, value: int) -> bool:
    """Add ``value`` to the targets of ``key``; False when it was there already."""
    current = by_id.get(key)
    if current is None:
        by_id[key] = value
    elif isinstance(current, int):
        if current == value:
            return False
        by_id[key] = [current, value]
    elif value in current:
        return False
    else:
        current.append(value)
    return True


def _removed(by_id: dict[int, Targets], key: int, value: int) -> None:
    remaining = [t for t in _listed(by_id.get(key)) if t != value]
    if not remaining:
        by_id.pop(key, None)
    else:
        by_id[key] = remaining[0] if len(remaining) == 1 else remaining


class AssociationStore:
    """Every link between records, both directions."""

    def __init__(self) -> None:
        self._targets: dict[tuple[str, str], dict[int, Targets]] = defaultdict(dict)
        self._primary: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)

    def link(
        self, from_type: str, from_id: int, to_type: str, to_id: int, *, primary: bool = False
    ) -> None:
        """Associate two records (idempotent); ``primary`` also sets the Primary label."""
        _added(self._targets[(from_type, to_type)], from_id, to_id)
        _added(self._targets[(to_type, from_type)], to_id, from_id)
        if primary:
            owner_side, owner_id, other_id = self._owning(from_type, from_id, to_type, to_id)
            self._primary[owner_side][owner_id] = other_id

    def linker(self, from_type: str, to_type: str, *, primary: bool) -> Callable[[int, int], None]:
        """A fast :meth:`link` of one direction, for bulk loading."""
        forward = self._targets[(from_type, to_type)]
        backward = self._targets[(to_type, from_type)]
        owner_side, _, _ = self._owning(from_type, 0, to_type, 0)
        primaries = self._primary[owner_side] if primary else None

        def link(from_id: int, to_id: int) -> None:
            if _added(forward, from_id, to_id):
                _added(backward, to_id, from_id)
                if primaries is not None:
                    primaries[from_id] = to_id

        return link

    def unlink(self, from_type: str, from_id: int, to_type: str, to_id: int) -> None:
        """Remove every association type between two records."""
        _removed(self._targets[(from_type, to_type)], from_id, to_id)
        _removed(self._targets[(to_type, from_type)], to_id, from_id)
        owner_side, owner_id, other_id = self._owning(from_type, from_id, to_type, to_id)
        if self._primary[owner_side].get(owner_id) == other_id:
            del self._primary[owner_side][owner_id]

    def targets(self, from_type: str, from_id: int, to_type: str) -> list[int]:
        """The ids associated to a record, in the order they were linked."""
        return list(_listed(self._targets[(from_type, to_type)].get(from_id)))

    def type_ids(self, from_type: str, from_id: int, to_type: str, to_id: int) -> list[int]:
        """The association type ids of one link, Primary first."""
        pair = PAIRS[(from_type, to_type)]
        owner_side, owner_id, other_id = self._owning(from_type, from_id, to_type, to_id)
        if pair.primary is not None and self._primary[owner_side].get(owner_id) == other_id:
            return [pair.primary, pair.default]
        return [pair.default]

    def move(self, object_type: str, old_id: int, new_id: int) -> None:
        """Give every association of ``old_id`` to ``new_id`` (merge). ``new_id`` keeps its
        own primaries; ones ``old_id`` had move over only where ``new_id`` has none."""
        for from_type, to_type in list(self._targets):
            if from_type != object_type:
                continue
            for to_id in self.targets(from_type, old_id, to_type):
                primary = self.type_ids(from_type, old_id, to_type, to_id)[0] == (
                    PAIRS[(from_type, to_type)].primary
                )
                self.unlink(from_type, old_id, to_type, to_id)
                owner_side, owner_id, _ = self._owning(from_type, new_id, to_type, to_id)
                keep_primary = primary and (
                    owner_side != (from_type, to_type) or owner_id not in self._primary[owner_side]
                )
                self.link(from_type, new_id, to_type, to_id, primary=keep_primary)

    def all_of(self, object_type: str, record_id: int) -> dict[str, list[tuple[int, list[int]]]]:
        """Every link of a record, per associated object type: (to id, type ids)."""
        out: dict[str, list[tuple[int, list[int]]]] = {}
        for from_type, to_type in list(self._targets):
            linked = self.targets(from_type, record_id, to_type) if from_type == object_type else []
            if linked:
                out[to_type] = [
                    (to_id, self.type_ids(from_type, record_id, to_type, to_id))
                    for to_id in linked
                ]
        return out

    @staticmethod
    def _owning(
        from_type: str, from_id: int, to_type: str, to_id: int
    ) -> tuple[tuple[str, str], int, int]:
        """(owning direction, owner id, other id) of a link, for Primary bookkeeping."""
        if (to_type, from_type) in PRIMARY_OWNERS:
            return (to_type, from_type), to_id, from_id
        return (from_type, to_type), from_id, to_id
