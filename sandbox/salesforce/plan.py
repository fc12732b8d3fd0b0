"""Which part of the (SystemModstamp, Id) index, or which ids, a WHERE clause can match: the
query planner's shortcuts. Each answer is a superset; the full filter still runs on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from sandbox.salesforce import soql
from sandbox.salesforce.ids import normalize_id
from sandbox.salesforce.store import AFTER_ANY_ID, IndexKey


def conjuncts(condition: soql.Condition | None) -> list[soql.Condition]:
    """The top-level AND terms of a WHERE clause."""
    if condition is None:
        return []
    if isinstance(condition, soql.Junction) and condition.op == "and":
        return condition.items
    return [condition]


def id_candidates(terms: list[soql.Condition]) -> set[str] | None:
    """The ids an ``Id = x`` or ``Id IN (...)`` term allows, or None without such a term."""
    for item in terms:
        literals: list[soql.Literal] = []
        if isinstance(item, soql.Comparison) and item.op == "=" and item.field.lower() == "id":
            literals = [item.literal]
        elif (
            isinstance(item, soql.Membership)
            and not item.negated
            and not item.multiselect
            and item.field.lower() == "id"
        ):
            literals = item.literals
        else:
            continue
        ids = (normalize_id(lit.value) for lit in literals if lit.kind == "string")
        return {i for i in ids if i}
    return None


@dataclass(slots=True)
class StampRange:
    """The part of the (SystemModstamp, Id) index a condition can match: from ``low``
    (inclusive) to ``high`` (exclusive); None is open-ended."""

    low: IndexKey | None = None
    high: IndexKey | None = None

    def narrow(self, other: StampRange) -> StampRange:
        """Both conditions hold (AND)."""
        lows = [k for k in (self.low, other.low) if k is not None]
        highs = [k for k in (self.high, other.high) if k is not None]
        return StampRange(max(lows, default=None), min(highs, default=None))

    def widen(self, other: StampRange) -> StampRange:
        """Either condition holds (OR)."""
        low = None if self.low is None or other.low is None else min(self.low, other.low)
        high = None if self.high is None or other.high is None else max(self.high, other.high)
        return StampRange(low, high)


def stamp_range(condition: soql.Condition) -> StampRange:
    """Where in the index a condition's matches can be (a superset: the filter still runs).
    Understands SystemModstamp comparisons, and ``Id`` comparisons next to ``SystemModstamp =``
    as keyset pagination writes them: ``SystemModstamp > t OR (SystemModstamp = t AND Id > x)``.
    """
    if isinstance(condition, soql.Comparison):
        return _comparison_range(condition)
    if not isinstance(condition, soql.Junction):
        return StampRange()
    ranges = [stamp_range(item) for item in condition.items]
    if condition.op == "or":
        return reduce(StampRange.widen, ranges)
    combined = reduce(StampRange.narrow, ranges)
    pinned = [r.low[0] for r in ranges if r.low and r.high and r.low == (r.high[0], "")
              and r.high[1] == AFTER_ANY_ID]
    for stamp in pinned:
        for item in condition.items:
            combined = combined.narrow(_id_range(item, stamp))
    return combined


def _comparison_range(item: soql.Comparison) -> StampRange:
    if item.field.lower() != "systemmodstamp" or item.literal.kind != "datetime":
        return StampRange()
    stamp = item.literal.value
    first, after = (stamp, ""), (stamp, AFTER_ANY_ID)
    return {
        ">": StampRange(low=after), ">=": StampRange(low=first), "=": StampRange(first, after),
        "<": StampRange(high=first), "<=": StampRange(high=after),
    }.get(item.op, StampRange())


def _id_range(item: soql.Condition, stamp: datetime) -> StampRange:
    """The range an ``Id`` comparison allows among the entries of one SystemModstamp."""
    if not (
        isinstance(item, soql.Comparison)
        and item.field.lower() == "id"
        and item.literal.kind == "string"
    ):
        return StampRange()
    record_id = normalize_id(item.literal.value)
    if record_id is None:
        return StampRange()
    just_after = (stamp, record_id + "\0")
    return {
        ">": StampRange(low=just_after), ">=": StampRange(low=(stamp, record_id)),
        "<": StampRange(high=(stamp, record_id)), "<=": StampRange(high=just_after),
    }.get(item.op, StampRange())
