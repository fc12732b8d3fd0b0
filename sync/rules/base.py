"""The rule framework: small pure functions over the whole customer base, run in stages
(hygiene → enrichment → segmentation), each output explained.

A rule is a function ``(RuleContext) -> Iterable[Output]`` registered with :func:`rule`. It
sees every contact, company and deal at once (set-wise work such as quintiles or Pareto runs
once, not per contact), the settings, ``now`` (never the clock, so results are reproducible)
and what earlier stages produced. It returns :class:`Output` values; it never writes.

Outputs say what the rules *want*: a tag on a record, a field value, a task, or a finding for
the audit. The plan later diffs them against the CRM. Two rules that set one field of one
record to different values are a :class:`Conflict`, reported, never resolved silently.
"""

from __future__ import annotations

import dataclasses
import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from operator import attrgetter
from typing import Any, Literal, NamedTuple, overload

from mapping.model import Company, Contact, Deal, field_kinds
from sync.config.rules import RulesSettings

Stage = Literal["hygiene", "enrichment", "segmentation"]
STAGES: tuple[Stage, ...] = ("hygiene", "enrichment", "segmentation")
ObjectName = Literal["contact", "company", "deal"]
Target = Literal["tag", "field", "task", "finding"]


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """A follow-up task for a person (created at most once per :attr:`Output.name` key)."""

    subject: str
    due: datetime
    owner_id: str | None
    priority: Literal["HIGH", "MEDIUM", "LOW"] = "HIGH"
    body: str = ""


class Destination(NamedTuple):
    """Where a rule's outputs go: a tag, field, task or finding of a kind of record. Outputs
    share one of these per (target, object, name, rule), so that the millions of outputs a
    run makes carry four references each instead of seven."""

    target: Target
    object_name: ObjectName
    name: str
    rule: str


_DESTINATIONS: dict[tuple[str, str, str, str], Destination] = {}


def _destination(target: str, object_name: str, name: str, rule: str) -> Destination:
    key = (target, object_name, name, rule)
    found = _DESTINATIONS.get(key)
    if found is None:
        found = _DESTINATIONS.setdefault(key, Destination(*key))  # type: ignore[arg-type]
    return found


class Output:
    """One thing a rule wants for one record, and why. Treat it as immutable (it is not
    frozen only because a frozen object takes several times as long to make, and rules make
    millions: at 1M contacts ~10M outputs, 64 bytes each).

    * ``target="tag"``: ``name`` is the tag without crmsync's namespace (``lead``), ``value``
      is True.
    * ``target="field"``: ``name`` is a common-model field (hygiene fixing ``email``) or a
      rule output that write-back config maps to a native field (``segment``, ``rfm_group``,
      ``duplicate_of``…); ``value`` is the value.
    * ``target="task"``: ``name`` is the trigger key (unique per trigger, e.g.
      ``nps-detractor:<contact>:<survey date>``), ``value`` a :class:`TaskSpec`.
    * ``target="finding"``: something for the audit that is not written (``invalid_email``…),
      ``value`` holds details.
    """

    __slots__ = ("destination", "reason", "record_id", "value")

    def __init__(
        self,
        object_name: ObjectName,
        record_id: str,
        target: Target,
        name: str,
        value: Any,
        rule: str,
        reason: str,
    ):
        self.destination = _DESTINATIONS.get((target, object_name, name, rule)) or _destination(
            target, object_name, name, rule
        )
        self.record_id = record_id
        self.value = value
        self.reason = reason

    @property
    def object_name(self) -> ObjectName:
        return self.destination.object_name

    @property
    def target(self) -> Target:
        return self.destination.target

    @property
    def name(self) -> str:
        return self.destination.name

    @property
    def rule(self) -> str:
        return self.destination.rule

    def _fields(self) -> tuple[Any, ...]:
        return (self.destination, self.record_id, self.value, self.reason)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Output):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        d = self.destination
        return (
            f"Output(object_name={d.object_name!r}, record_id={self.record_id!r}, "
            f"target={d.target!r}, name={d.name!r}, value={self.value!r}, rule={d.rule!r}, "
            f"reason={self.reason!r})"
        )


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two rules want different values in one field of one record."""

    object_name: str
    record_id: str
    field: str
    values: tuple[tuple[str, Any], ...]  # (rule, value) pairs

    def __str__(self) -> str:
        wanted = ", ".join(f"{rule} wants {value!r}" for rule, value in self.values)
        return f"{self.object_name} {self.record_id}.{self.field}: {wanted}"


class CustomerBase:
    """The records rules run over, with the indexes most rules need (built once, lazily)."""

    def __init__(
        self,
        contacts: Sequence[Contact],
        companies: Sequence[Company] = (),
        deals: Sequence[Deal] = (),
    ):
        self.contacts = contacts
        self.companies = companies
        self.deals = deals
        self._deals_by_contact: dict[str, list[Deal]] | None = None
        self._several_contacts = False  # whether some deal lists more than one contact
        self._company_by_id: dict[str, Company] | None = None
        #: what rules share, computed once per base (:func:`sync.segmentation.facts.per_run`);
        #: :func:`run_rules` empties it when it is done, as it is large
        self.memo: dict[Any, Any] = {}

    @property
    def deals_by_contact(self) -> Mapping[str, list[Deal]]:
        """contact id -> its deals (every deal lists all of its contacts)."""
        if self._deals_by_contact is None:
            index: dict[str, list[Deal]] = {}
            several = False
            for deal in self.deals:
                contact_ids = deal.contact_ids
                for contact_id in contact_ids:
                    deals = index.get(contact_id)
                    if deals is None:
                        index[contact_id] = [deal]
                    else:
                        deals.append(deal)
                if len(contact_ids) > 1:
                    several = True
            self._deals_by_contact, self._several_contacts = index, several
        return self._deals_by_contact

    @property
    def deals_by_primary_contact(self) -> Mapping[str, list[Deal]]:
        """contact id -> the deals it is the first (primary) contact of: the same index as
        :attr:`deals_by_contact` when no deal lists several contacts, else built on each call
        (not kept: its callers keep what they need)."""
        index = self.deals_by_contact
        if not self._several_contacts:
            return index
        primary: dict[str, list[Deal]] = {}
        for deal in self.deals:
            if deal.contact_ids:
                deals = primary.get(deal.contact_ids[0])
                if deals is None:
                    primary[deal.contact_ids[0]] = [deal]
                else:
                    deals.append(deal)
        return primary

    @property
    def company_by_id(self) -> Mapping[str, Company]:
        if self._company_by_id is None:
            self._company_by_id = {company.id: company for company in self.companies}
        return self._company_by_id


@dataclass(frozen=True)
class RuleContext:
    """What a rule may look at."""

    base: CustomerBase
    now: datetime
    settings: RulesSettings
    #: outputs of the stages already run, in order
    earlier: Sequence[Output] = ()

    @property
    def today(self) -> date:
        return self.now.date()


RuleFunction = Callable[[RuleContext], Iterable[Output]]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    name: str
    stage: Stage
    function: RuleFunction
    description: str
    #: run once per run, in a last pass over the records as every fix left them: for costly
    #: set-wise rules (duplicate detection) that need not see each intermediate pass
    once_per_run: bool = False


RULES: dict[str, RuleSpec] = {}


def rule(
    name: str, stage: Stage, *, once_per_run: bool = False
) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule function under ``name`` in ``stage``; its docstring describes it."""

    def register(function: RuleFunction) -> RuleFunction:
        if name in RULES:
            raise ValueError(f"a rule named {name!r} is already registered")
        summary = (function.__doc__ or "").strip().splitlines()
        RULES[name] = RuleSpec(name, stage, function, summary[0] if summary else "", once_per_run)
        return function

    return register


@dataclass(frozen=True)
class RuleRun:
    """Everything the rules want, in stage order, and the conflicts among them."""

    outputs: tuple[Output, ...]
    conflicts: tuple[Conflict, ...] = field(default=())


def run_rules(
    base: CustomerBase,
    now: datetime,
    settings: RulesSettings,
    *,
    rules: Iterable[RuleSpec] | None = None,
    max_passes: int = 3,
) -> RuleRun:
    """Run ``rules`` (default: every registered rule) stage by stage, until what they want
    stops changing.

    Each stage sees the records as the stages before it left them: a fix to a common-model
    field (hygiene lower-casing an e-mail, enrichment filling a country) is applied to the
    base before the next stage runs. When a later stage fixes a field that an earlier stage
    reads (a country that makes a phone parseable), the stages run again over the fixed
    records, so that one run plans everything and the next run plans nothing.

    Rules are pure functions of their context, so a pass runs again only the rules whose
    context changed: the records (a fix since they last ran) or, for the few rules that read
    ``ctx.earlier``, the outputs of the stages before them. The garbage collector is paused
    for the run: rules make millions of small objects and no reference cycles, and every full
    collection would walk the whole base again."""
    chosen = list(RULES.values() if rules is None else rules)
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(chosen, base, now, settings, max_passes)
    finally:
        if collecting:
            gc.enable()


#: an output's (target, object, name, rule): which fields a rule writes
_WRITES = attrgetter("destination")
_Writes = set[Destination]


@dataclass(slots=True)
class _Ran:
    """What one rule produced over one base, and what it saw."""

    base: CustomerBase
    #: the earlier outputs (one list per rule) when the rule read them, else None
    earlier: tuple[list[Output], ...] | None
    outputs: list[Output]
    fixes: list[Output]
    writes: _Writes

    def still_valid(self, base: CustomerBase, earlier: tuple[list[Output], ...]) -> bool:
        """Whether the rule would produce the same outputs in this context."""
        if self.base is not base:
            return False
        if self.earlier is None:
            return True
        return len(self.earlier) == len(earlier) and all(
            mine is theirs for mine, theirs in zip(self.earlier, earlier, strict=True)
        )


class _Earlier(Sequence[Output]):
    """:attr:`RuleContext.earlier` as run_rules gives it: the outputs of the stages already
    run, joined only if a rule reads them (and noting whether it did)."""

    __slots__ = ("_joined", "parts", "read")

    def __init__(self, parts: tuple[list[Output], ...]):
        self.parts = parts
        self._joined: tuple[Output, ...] | None = None
        self.read = False

    def _all(self) -> tuple[Output, ...]:
        self.read = True
        if self._joined is None:
            self._joined = tuple(chain.from_iterable(self.parts))
        return self._joined

    def __iter__(self) -> Iterator[Output]:
        self.read = True
        return chain.from_iterable(self.parts)

    def __len__(self) -> int:
        self.read = True
        return sum(len(part) for part in self.parts)

    @overload
    def __getitem__(self, index: int) -> Output: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Output, ...]: ...

    def __getitem__(self, index: int | slice) -> Output | tuple[Output, ...]:
        return self._all()[index]

    def __repr__(self) -> str:
        return repr(self._all())


def _run(
    chosen: list[RuleSpec],
    base: CustomerBase,
    now: datetime,
    settings: RulesSettings,
    max_passes: int,
) -> RuleRun:
    fixes: dict[tuple[str, str, str, str], Output] = {}  # (object, id, field, rule) -> fix
    ran: dict[int, _Ran] = {}  # position in ``chosen`` -> its last run
    every = range(len(chosen))
    light = [i for i in every if not chosen[i].once_per_run]
    current = base
    done: list[_Ran] = []
    try:
        for _ in range(max_passes):
            done = []  # (so that what a rule made before is freed when it runs again)
            done, current, cascades = _one_pass(chosen, light, current, now, settings, fixes, ran)
            if not cascades:
                break
        if len(light) < len(chosen):
            # costly set-wise rules run once, over the records as the fixes left them, in a
            # last pass with every rule (so rules after them still see their outputs)
            done = []
            done, current, _ = _one_pass(chosen, every, current, now, settings, fixes, ran)
    finally:  # what the rules shared is no longer needed
        for used in {id(r.base): r.base for r in ran.values()}.values():
            used.memo.clear()
        base.memo.clear()
        ran.clear()
    return _result(done, list(fixes.values()))


def _one_pass(
    chosen: list[RuleSpec],
    which: Iterable[int],
    base: CustomerBase,
    now: datetime,
    settings: RulesSettings,
    fixes: dict[tuple[str, str, str, str], Output],
    ran: dict[int, _Ran],
) -> tuple[list[_Ran], CustomerBase, bool]:
    """Every stage once (each rule again only if its context changed); returns the rules'
    runs, the base with the new fixes, and whether a stage after hygiene fixed something
    (then the stages must run again)."""
    done: list[_Ran] = []
    cascades = False
    for stage in STAGES:
        earlier = tuple(r.outputs for r in done)
        for i in which:
            spec = chosen[i]
            if spec.stage != stage:
                continue
            last = ran.pop(i, None)
            if last is None or not last.still_valid(base, earlier):
                last = None  # free what it made before it makes it again
                last = _apply(spec, RuleContext(base, now, settings, _Earlier(earlier)))
            ran[i] = last
            done.append(last)
        produced = [fix for r in done[len(earlier) :] for fix in r.fixes]
        new = [fix for fix in produced if _key(fix) not in fixes]
        for fix in produced:
            fixes[_key(fix)] = fix
        if new:
            base = with_fixes(base, new)
            cascades = cascades or stage != "hygiene"
    return done, base, cascades


def _apply(spec: RuleSpec, ctx: RuleContext) -> _Ran:
    """Run one rule; sort out what it fixes and which fields it writes."""
    outputs = list(spec.function(ctx))
    writes: _Writes = set(map(_WRITES, outputs))
    fixing = {d for d in writes if d.target == "field" and d.name in _FIXABLE[d.object_name]}
    fixes = [o for o in outputs if o.destination in fixing] if fixing else []
    earlier = ctx.earlier
    assert isinstance(earlier, _Earlier)
    return _Ran(ctx.base, earlier.parts if earlier.read else None, outputs, fixes, writes)


def _result(done: list[_Ran], fixed: list[Output]) -> RuleRun:
    """The last pass's outputs (fixes aside), then every fix; and the conflicts among them."""
    final: list[Output] = []
    parts: list[tuple[_Writes, int, int]] = []  # what a part writes, where it is in ``final``
    for r in done:
        start = len(final)
        final.extend((o for o in r.outputs if not is_fix(o)) if r.fixes else r.outputs)
        r.outputs = []  # (now in ``final``)
        parts.append((r.writes, start, len(final)))
    parts.append((set(map(_WRITES, fixed)), len(final), len(final) + len(fixed)))
    final.extend(fixed)
    shared = _shared_fields(set().union(*(writes for writes, _, _ in parts)))
    relevant = [
        final[start:end]
        for writes, start, end in parts
        if any(t == "field" and (o, n) in shared for t, o, n, _ in writes)
    ]
    return RuleRun(tuple(final), tuple(_conflicts(relevant, shared)))


_ENTITY_OF = {"contact": Contact, "company": Company, "deal": Deal}
#: object -> the common-model fields a fix may change
_FIXABLE = {name: frozenset(field_kinds(entity)) for name, entity in _ENTITY_OF.items()}


def is_fix(output: Output) -> bool:
    """A field output that changes a common-model field (rather than a crmsync output)."""
    return output.target == "field" and output.name in _FIXABLE[output.object_name]


def _key(output: Output) -> tuple[str, str, str, str]:
    return (output.object_name, output.record_id, output.name, output.rule)


def with_fixes(base: CustomerBase, fixes: Iterable[Output]) -> CustomerBase:
    """The base with the fixed fields' new values (and the indexes of what did not change)."""
    changed: dict[str, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    for fix in fixes:
        changed[fix.object_name][fix.record_id][fix.name] = fix.value

    def patched(records: Sequence[Any], object_name: str) -> Sequence[Any]:
        edits = changed.get(object_name)
        if not edits:
            return records
        return [_replaced(r, edits[r.id]) if r.id in edits else r for r in records]

    fixed = CustomerBase(
        patched(base.contacts, "contact"),
        patched(base.companies, "company"),
        patched(base.deals, "deal"),
    )
    if fixed.deals is base.deals:
        fixed._deals_by_contact = base._deals_by_contact
        fixed._several_contacts = base._several_contacts
    if fixed.companies is base.companies:
        fixed._company_by_id = base._company_by_id
    return fixed


#: record class -> its fields in the order its constructor takes them, and a getter of them all
_FIELDS: dict[type, tuple[dict[str, int], Callable[[Any], tuple[Any, ...]]] | None] = {}


def _replaced(record: Any, changes: dict[str, Any]) -> Any:
    """``record.replace(**changes)``, faster for records of many fields (``dataclasses.replace``
    looks every field up by name; a fix pass replaces a record in ten)."""
    cls = type(record)
    if cls not in _FIELDS:
        fields = [f for f in dataclasses.fields(cls) if f.init]
        names = tuple(f.name for f in fields)
        simple = len(names) > 1 and not any(f.kw_only for f in fields)
        _FIELDS[cls] = ({n: i for i, n in enumerate(names)}, attrgetter(*names)) if simple else None
    known = _FIELDS[cls]
    if known is None or not changes.keys() <= known[0].keys():
        return record.replace(**changes)
    position, values_of = known
    values = list(values_of(record))
    for name, value in changes.items():
        values[position[name]] = value
    return cls(*values)


def find_conflicts(outputs: Iterable[Output]) -> list[Conflict]:
    """Field outputs of different rules that disagree on one record's field."""
    listed = outputs if isinstance(outputs, list | tuple) else list(outputs)
    return _conflicts([listed], _shared_fields(set(map(_WRITES, listed))))


def _shared_fields(writes: _Writes) -> set[tuple[str, str]]:
    """(object, field) pairs that more than one rule sets: the only ones that can conflict
    (indexing every field output of a million contacts would cost gigabytes)."""
    rules_of: dict[tuple[str, str], set[str]] = {}
    for target, object_name, name, rule_name in writes:
        if target == "field":
            rules_of.setdefault((object_name, name), set()).add(rule_name)
    return {pair for pair, names in rules_of.items() if len(names) > 1}


def _conflicts(parts: Iterable[Sequence[Output]], shared: set[tuple[str, str]]) -> list[Conflict]:
    """The conflicts among the outputs of ``parts`` in the fields of ``shared``."""
    if not shared:
        return []
    names = {name for _, name in shared}
    wanted: dict[tuple[str, str, str], dict[str, Any]] = {}
    for part in parts:
        for output in part:
            name = output.name
            if output.target != "field" or name not in names:
                continue
            if (output.object_name, name) not in shared:
                continue
            key = (output.object_name, output.record_id, name)
            by_rule = wanted.get(key)
            if by_rule is None:
                wanted[key] = {output.rule: output.value}
            else:
                by_rule.setdefault(output.rule, output.value)
    return [
        Conflict(object_name, record_id, field_name, tuple(sorted(by_rule.items())))
        for (object_name, record_id, field_name), by_rule in wanted.items()
        if len(by_rule) > 1 and len({repr(value) for value in by_rule.values()}) > 1
    ]
