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

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

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


@dataclass(frozen=True, slots=True)
class Output:
    """One thing a rule wants for one record, and why.

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

    object_name: ObjectName
    record_id: str
    target: Target
    name: str
    value: Any
    rule: str
    reason: str


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
        self._company_by_id: dict[str, Company] | None = None

    @property
    def deals_by_contact(self) -> Mapping[str, list[Deal]]:
        """contact id -> its deals (every deal lists all of its contacts)."""
        if self._deals_by_contact is None:
            index: dict[str, list[Deal]] = defaultdict(list)
            for deal in self.deals:
                for contact_id in deal.contact_ids:
                    index[contact_id].append(deal)
            self._deals_by_contact = dict(index)
        return self._deals_by_contact

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
        RULES[name] = RuleSpec(name, stage, function, summary[0] if summary else "",
                               once_per_run)
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
    records, so that one run plans everything and the next run plans nothing."""
    chosen = list(RULES.values() if rules is None else rules)
    fixes: dict[tuple[str, str, str, str], Output] = {}  # (object, id, field, rule) -> fix
    light = [r for r in chosen if not r.once_per_run]
    current = base
    outputs: list[Output] = []
    for _ in range(max_passes):
        outputs, current, cascades = _one_pass(light, current, now, settings, fixes)
        if not cascades:
            break
    if len(light) < len(chosen):
        # costly set-wise rules run once, over the records as the fixes left them, in a last
        # pass with every rule (so rules after them still see their outputs)
        outputs, current, _ = _one_pass(chosen, current, now, settings, fixes)
    final = [o for o in outputs if not is_fix(o)] + list(fixes.values())
    return RuleRun(tuple(final), tuple(find_conflicts(final)))


def _one_pass(
    rules: list[RuleSpec],
    base: CustomerBase,
    now: datetime,
    settings: RulesSettings,
    fixes: dict[tuple[str, str, str, str], Output],
) -> tuple[list[Output], CustomerBase, bool]:
    """Every stage once; returns the outputs, the base with the new fixes, and whether a stage
    after hygiene fixed something (then the stages must run again)."""
    outputs: list[Output] = []
    cascades = False
    for stage in STAGES:
        produced: list[Output] = []
        for spec in (r for r in rules if r.stage == stage):
            produced.extend(spec.function(RuleContext(base, now, settings, tuple(outputs))))
        outputs.extend(produced)
        new = [o for o in produced if is_fix(o) and _key(o) not in fixes]
        for fix in (o for o in produced if is_fix(o)):
            fixes[_key(fix)] = fix
        if new:
            base = with_fixes(base, new)
            cascades = cascades or stage != "hygiene"
    return outputs, base, cascades


_ENTITY_OF = {"contact": Contact, "company": Company, "deal": Deal}


def is_fix(output: Output) -> bool:
    """A field output that changes a common-model field (rather than a crmsync output)."""
    if output.target != "field":
        return False
    return output.name in field_kinds(_ENTITY_OF[output.object_name])


def _key(output: Output) -> tuple[str, str, str, str]:
    return (output.object_name, output.record_id, output.name, output.rule)


def with_fixes(base: CustomerBase, fixes: Iterable[Output]) -> CustomerBase:
    """The base with the fixed fields' new values."""
    changed: dict[str, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    for fix in fixes:
        changed[fix.object_name][fix.record_id][fix.name] = fix.value

    def patched(records: Sequence[Any], object_name: str) -> Sequence[Any]:
        edits = changed.get(object_name)
        if not edits:
            return records
        return [r.replace(**edits[r.id]) if r.id in edits else r for r in records]

    return CustomerBase(
        patched(base.contacts, "contact"),
        patched(base.companies, "company"),
        patched(base.deals, "deal"),
    )


def find_conflicts(outputs: Iterable[Output]) -> list[Conflict]:
    """Field outputs of different rules that disagree on one record's field."""
    wanted: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(dict)
    for output in outputs:
        if output.target == "field":
            key = (output.object_name, output.record_id, output.name)
            wanted[key].setdefault(output.rule, output.value)
    return [
        Conflict(object_name, record_id, field_name, tuple(sorted(by_rule.items())))
        for (object_name, record_id, field_name), by_rule in wanted.items()
        if len({repr(value) for value in by_rule.values()}) > 1
    ]
