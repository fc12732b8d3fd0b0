"""Conditions of the admin's rules (:mod:`.syntax`), compiled into small predicate objects.

Each compiled :class:`Check` answers ``holds(record, env)`` and, when it holds, says why in one
line (``explain``): the values it looked at and what they were compared with. Compiling is
plain Python over the validated models; no text is ever evaluated as code.

Text comparisons (eq, ne, in, contains) ignore case; ``matches`` uses the regular expression as
written (add ``(?i)`` to ignore case). A blank value passes only ``exists: false``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Protocol

from mapping.model import Deal
from sync.segmentation.syntax import (
    CUSTOM_PREFIX,
    OUTPUT_PREFIX,
    AllOf,
    AnyOf,
    CountTest,
    DealAll,
    DealAny,
    DealNot,
    Deals,
    FieldTests,
    NotOf,
    Test,
)

UTC = timezone.utc


@dataclass
class Env:
    """What conditions may look at besides the record: the time, each contact's deals, and the
    outputs of the rules that ran before."""

    now: datetime
    deals_by_contact: Mapping[str, Sequence[Deal]] = field(default_factory=dict)
    outputs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tags: Mapping[str, frozenset[str]] = field(default_factory=dict)


class Check(Protocol):
    def holds(self, record: Any, env: Env) -> bool: ...

    def explain(self, record: Any, env: Env) -> str:
        """Why it holds (only asked when it does)."""
        ...

    def describe(self) -> str:
        """What it tests, without values (for ``not``)."""
        ...


@dataclass(frozen=True)
class Compiled:
    """A compiled condition and whether it reads other rules' outputs."""

    check: Check
    reads_outputs: bool


def compile_condition(condition: Any) -> Compiled:
    """A validated condition (:data:`.syntax.Condition`) as a :class:`Check`."""
    reads: list[str] = []
    check = _compile(condition, reads)
    return Compiled(check, bool(reads))


def _compile(node: Any, reads: list[str]) -> Check:
    if isinstance(node, AllOf | DealAll):
        return AllCheck(tuple(_compile(child, reads) for child in node.all))
    if isinstance(node, AnyOf | DealAny):
        return AnyCheck(tuple(_compile(child, reads) for child in node.any))
    if isinstance(node, NotOf | DealNot):
        return NotCheck(_compile(node.not_, reads))
    if isinstance(node, Deals):
        where = None if node.deals.where is None else _compile(node.deals.where, reads)
        return DealsCheck(where, _comparisons(node.deals.count))
    if isinstance(node, FieldTests):
        checks = []
        for reference, test in node.tests():
            if reference.startswith(OUTPUT_PREFIX):
                reads.append(reference)
            checks.append(_field_check(reference, test))
        return checks[0] if len(checks) == 1 else AllCheck(tuple(checks))
    raise TypeError(f"not a condition: {type(node).__name__}")


# --- logic -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AllCheck:
    children: tuple[Check, ...]

    def holds(self, record: Any, env: Env) -> bool:
        return all(child.holds(record, env) for child in self.children)

    def explain(self, record: Any, env: Env) -> str:
        return "; ".join(child.explain(record, env) for child in self.children)

    def describe(self) -> str:
        return "(" + " and ".join(child.describe() for child in self.children) + ")"


@dataclass(frozen=True)
class AnyCheck:
    children: tuple[Check, ...]

    def holds(self, record: Any, env: Env) -> bool:
        return any(child.holds(record, env) for child in self.children)

    def explain(self, record: Any, env: Env) -> str:
        return next(c.explain(record, env) for c in self.children if c.holds(record, env))

    def describe(self) -> str:
        return "(" + " or ".join(child.describe() for child in self.children) + ")"


@dataclass(frozen=True)
class NotCheck:
    child: Check

    def holds(self, record: Any, env: Env) -> bool:
        return not self.child.holds(record, env)

    def explain(self, record: Any, env: Env) -> str:
        return f"not {self.child.describe()}"

    def describe(self) -> str:
        return f"not {self.child.describe()}"


# --- comparisons -----------------------------------------------------------------------------
Predicate = Callable[[Any, datetime], bool]  # (present value, now)


@dataclass(frozen=True)
class Comparison:
    """One operator with its operand, as a predicate on a present value."""

    operator: str
    operand: Any
    test: Predicate
    shown: str  # "< 3", "in [ES, FR]", "older than 180d"

    @property
    def dated(self) -> bool:
        return self.operator in ("older_than", "within")


_SYMBOLS = {"eq": "=", "ne": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def _comparisons(test: Test | CountTest) -> tuple[Comparison, ...]:
    return tuple(_comparison(op, operand) for op, operand in test.given().items())


def _comparison(op: str, operand: Any) -> Comparison:
    if op == "exists":
        return Comparison(op, operand, lambda v, now: True, "is set" if operand else "is blank")
    if op == "older_than":
        return Comparison(op, operand, _older_than(operand), f"older than {_duration(operand)}")
    if op == "within":
        return Comparison(op, operand, _within(operand), f"within {_duration(operand)}")
    if op == "matches":
        pattern: re.Pattern[str] = operand
        return Comparison(
            op, operand, lambda v, now: isinstance(v, str) and bool(pattern.search(v)),
            f"matches /{pattern.pattern}/",
        )  # fmt: skip
    if op == "contains":
        return Comparison(op, operand, _contains(operand), f"contains {operand!r}")
    if op == "in":
        shown = "in [" + ", ".join(_show(item) for item in operand) + "]"
        return Comparison(op, operand, _one_of([_key(item) for item in operand]), shown)
    return Comparison(op, operand, _ordered(op, operand), f"{_SYMBOLS[op]} {_show(operand)}")


def _ordered(op: str, operand: Any) -> Predicate:
    """eq, ne, lt, lte, gt, gte between like values (a value of another kind never matches;
    a date-time is compared by its date with a date)."""
    target = _key(operand)

    def compare(value: Any, now: datetime) -> bool:
        mine = _key(value)
        if isinstance(target, date) and isinstance(mine, datetime):
            mine = mine.date()
        if not _comparable(mine, target):
            return op == "ne"
        if op == "eq":
            return bool(mine == target)
        if op == "ne":
            return bool(mine != target)
        if op == "lt":
            return bool(mine < target)
        if op == "lte":
            return bool(mine <= target)
        if op == "gt":
            return bool(mine > target)
        return bool(mine >= target)

    return compare


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float, Decimal)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return True
    if isinstance(a, date) and isinstance(b, date):
        return isinstance(a, datetime) == isinstance(b, datetime)
    return type(a) is type(b)


def _key(value: Any) -> Any:
    """Text compared without case; everything else as it is."""
    return value.casefold() if isinstance(value, str) else value


_COLLECTIONS = (frozenset, set, tuple, list)


def _contains(operand: str) -> Predicate:
    """Text: holds the operand; a multi-value field: has it as one of its values."""
    needle = operand.casefold()

    def contains(value: Any, now: datetime) -> bool:
        if isinstance(value, str):
            return needle in value.casefold()
        if isinstance(value, _COLLECTIONS):
            return any(isinstance(i, str) and i.casefold() == needle for i in value)
        return False

    return contains


def _one_of(wanted: list[Any]) -> Predicate:
    """One of these values; a multi-value field: has any of them."""

    def one_of(value: Any, now: datetime) -> bool:
        if isinstance(value, _COLLECTIONS):
            return any(_key(item) in wanted for item in value)
        return _key(value) in wanted

    return one_of


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(), UTC)
    return None


def _older_than(span: timedelta) -> Predicate:
    return lambda v, now: (m := _moment(v)) is not None and m < now - span


def _within(span: timedelta) -> Predicate:
    return lambda v, now: (m := _moment(v)) is not None and now - span <= m <= now


def _duration(span: timedelta) -> str:
    if span % timedelta(days=1):
        return f"{span // timedelta(hours=1)}h"
    return f"{span.days}d"


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, frozenset | set | list | tuple):
        return "[" + ", ".join(sorted(_show(v) for v in value)) + "]"
    return str(value)


def _age(value: Any, now: datetime) -> str:
    moment = _moment(value)
    return "" if moment is None else f" ({(now - moment).days} days ago)"


# --- fields ----------------------------------------------------------------------------------
def _field_check(reference: str, test: Test) -> FieldCheck:
    if reference.startswith(CUSTOM_PREFIX):
        name = reference[len(CUSTOM_PREFIX) :]
        return FieldCheck(reference, _custom_getter(name), _comparisons(test))
    if reference.startswith(OUTPUT_PREFIX):
        name = reference[len(OUTPUT_PREFIX) :]
        if name == "tags":
            return FieldCheck(reference, _tags_getter, _comparisons(test))
        return FieldCheck(reference, _output_getter(name), _comparisons(test))
    return FieldCheck(reference, _attribute_getter(reference), _comparisons(test))


Getter = Callable[[Any, Env], Any]


def _attribute_getter(name: str) -> Getter:
    return lambda record, env: getattr(record, name)


def _custom_getter(name: str) -> Getter:
    return lambda record, env: record.custom.get(name)


def _output_getter(name: str) -> Getter:
    return lambda record, env: env.outputs.get(record.id, {}).get(name)


def _tags_getter(record: Any, env: Env) -> Any:
    return env.tags.get(record.id, frozenset())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, frozenset | tuple | set) and not value)


@dataclass(frozen=True)
class FieldCheck:
    """The tests on one field; every comparison must hold."""

    reference: str
    get: Getter
    comparisons: tuple[Comparison, ...]

    def holds(self, record: Any, env: Env) -> bool:
        value = self.get(record, env)
        blank = _blank(value)
        for comparison in self.comparisons:
            if comparison.operator == "exists":
                if comparison.operand == blank:
                    return False
            elif blank or not comparison.test(value, env.now):
                return False
        return True

    def explain(self, record: Any, env: Env) -> str:
        value = self.get(record, env)
        if _blank(value):
            return f"{self.reference} is blank"
        age = _age(value, env.now) if any(c.dated for c in self.comparisons) else ""
        shown = ", ".join(c.shown for c in self.comparisons if c.operator != "exists")
        return f"{self.reference} {_show(value)}{age} {shown}".rstrip()

    def describe(self) -> str:
        return f"{self.reference} " + ", ".join(c.shown for c in self.comparisons)


# --- deals -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DealsCheck:
    """A count of the contact's deals (those matching ``where``) compared."""

    where: Check | None
    comparisons: tuple[Comparison, ...]

    def count(self, record: Any, env: Env) -> int:
        deals = env.deals_by_contact.get(record.id, ())
        where = self.where
        if where is None:
            return len(deals)
        return sum(1 for deal in deals if where.holds(deal, env))

    def holds(self, record: Any, env: Env) -> bool:
        count = self.count(record, env)
        return all(comparison.test(count, env.now) for comparison in self.comparisons)

    def explain(self, record: Any, env: Env) -> str:
        return f"{self._counted(self.count(record, env))} " + ", ".join(
            c.shown for c in self.comparisons
        )

    def describe(self) -> str:
        return f"{self._counted(None)} " + ", ".join(c.shown for c in self.comparisons)

    def _counted(self, count: int | None) -> str:
        what = "deals" if self.where is None else f"deals {self.where.describe()}"
        return what if count is None else f"{count} {what}"


def outputs_index(
    earlier: Iterable[Any],
) -> tuple[dict[str, dict[str, Any]], dict[str, frozenset[str]]]:
    """contact id -> {field output: value} and contact id -> tags, from earlier outputs."""
    fields: dict[str, dict[str, Any]] = {}
    tags: dict[str, set[str]] = {}
    for output in earlier:
        if output.object_name != "contact":
            continue
        if output.target == "field":
            fields.setdefault(output.record_id, {}).setdefault(output.name, output.value)
        elif output.target == "tag":
            tags.setdefault(output.record_id, set()).add(output.name)
    return fields, {cid: frozenset(names) for cid, names in tags.items()}
