"""The report's data: what a marketing manager reads, computed once from a planned job.

:func:`build_report` takes a :class:`~sync.runner.Job` after ``plan()`` or ``sync()`` (its
mirror and rule outputs) and its state store (runs, KPIs); :func:`report_of` does the work
from plain values, so tests can hand it a small customer base.

Every section copes with missing data: a job whose rules never ran the hygiene stage has no
validity, duplicate or obsolete counts (``None``, and the report says so), a job with one run
has no trend. Shares are fractions (0–1) rounded to four places; ``None`` when there is
nothing to divide by. Nothing here reads the config beyond rule settings: the report holds
no URL, token or password.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mapping.model import Contact
from sync.kpis import alerts as kpi_alerts
from sync.plan import Plan
from sync.rules.base import RULES, CustomerBase, Output, RuleRun
from sync.rules.revenue import won_revenue
from sync.state import RunRecord

if TYPE_CHECKING:
    from sync.config.rules import RulesSettings
    from sync.planner import Mirror
    from sync.runner import Job

REPORT_FORMAT = 1
TOP_WHALES = 10
MAX_AT_RISK = 25
MAX_PROBLEMS = 20
RECENT_RUNS = 10
KPI_RUNS = 30
#: lifecycle segments in the order a customer moves through them, then the exits
SEGMENT_ORDER = (
    "COLD_CONTACT",
    "LEAD",
    "QUALIFIED",
    "CUSTOMER",
    "CUSTOMER_EVANGELIST",
    "CUSTOMER_DORMANT",
    "CUSTOMER_RETIRED",
    "NOT_QUALIFIED",
)
#: the data-quality KPIs drawn over runs (all shares)
QUALITY_KPIS = (
    "complete_share",
    "invalid_email_share",
    "invalid_phone_share",
    "duplicate_share",
    "obsolete_share",
)
#: the KPIs of the run table, latest against previous
HEADLINE_KPIS = ("contacts", *QUALITY_KPIS, "inactive_count", "reactivated_count")
#: per-segment and per-channel KPIs shown as their own tables
VALUE_KPI_PREFIXES = ("clv.", "conversion_rate.")


# --- the data ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Ratio:
    """``count`` of ``of``; ``share`` is None when ``of`` is 0."""

    count: int
    of: int
    share: float | None


def ratio(count: int, of: int) -> Ratio:
    return Ratio(count, of, round(count / of, 4) if of else None)


@dataclass(frozen=True, slots=True)
class Count:
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class FieldFill:
    """How many contacts hold a value for a critical field (``a|b``: either)."""

    field: str
    filled: Ratio


@dataclass(frozen=True, slots=True)
class Audit:
    contacts: int
    companies: int
    deals: int
    #: the hygiene rules ran: the counts below that depend on them are not None
    measured: bool
    fields: tuple[FieldFill, ...]
    complete: Ratio | None  # every field the contact's value tier needs
    invalid_emails: Ratio | None  # of the contacts with an e-mail
    invalid_phones: Ratio | None  # of the contacts with a phone or mobile
    duplicates: Ratio | None
    obsolete: Ratio | None
    missing_critical: Ratio | None
    obsolete_reasons: tuple[Count, ...] = ()
    unreadable_values: int = 0  # CRM values the mapping could not read


@dataclass(frozen=True, slots=True)
class Segments:
    contacts: int
    counts: tuple[Count, ...]  # in :data:`SEGMENT_ORDER`, unknown segments after
    unsegmented: int


@dataclass(frozen=True, slots=True)
class Rfm:
    customers: int  # contacts with an RFM score
    #: ``grid[r - 1][f - 1]``: customers with recency score r and frequency score f (1–5)
    grid: tuple[tuple[int, ...], ...]
    groups: tuple[Count, ...]  # named RFM groups, largest first
    unplaced: int = 0  # scores not on the 1–5 scale (rfm.scores other than 5)


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    email: str | None
    revenue: float  # won revenue in the base currency
    segment: str | None
    rfm_group: str | None
    reason: str  # why the rule tagged it


@dataclass(frozen=True, slots=True)
class Whales:
    currency: str
    customers: int  # contacts with won revenue
    revenue: float  # all won revenue
    count: int
    revenue_of_whales: float
    revenue_share: float | None  # of all won revenue
    at_risk_count: int
    top: tuple[Person, ...]  # the biggest whales
    at_risk: tuple[Person, ...]


@dataclass(frozen=True, slots=True)
class KpiPoint:
    run_id: str
    at: str  # ISO time the run kept its KPIs
    value: float


@dataclass(frozen=True, slots=True)
class KpiSeries:
    name: str
    points: tuple[KpiPoint, ...]


@dataclass(frozen=True, slots=True)
class KpiValue:
    name: str
    current: float
    previous: float | None


@dataclass(frozen=True, slots=True)
class KpiAlert:
    kpi: str
    previous: float
    current: float
    change: float  # relative: +0.25 is 25% higher than before


@dataclass(frozen=True, slots=True)
class Kpis:
    runs: int  # runs that kept KPIs (at most :data:`KPI_RUNS` are read)
    series: tuple[KpiSeries, ...]  # :data:`QUALITY_KPIS` over runs, oldest first
    latest: tuple[KpiValue, ...]  # :data:`HEADLINE_KPIS` of the last run
    value: tuple[KpiValue, ...]  # lifetime value per segment, conversion per channel
    alerts: tuple[KpiAlert, ...]  # what the last run raised against the one before


@dataclass(frozen=True, slots=True)
class RunSummary:
    id: str
    command: str
    status: str
    started_at: str
    finished_at: str | None
    counts: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """What an apply would do now (the plan the report was built with)."""

    planned_at: str
    records: int
    counts: Mapping[str, int]
    problems: tuple[str, ...]  # the first :data:`MAX_PROBLEMS`
    problem_count: int


@dataclass(frozen=True)
class ReportData:
    job: str
    crm: str
    generated_at: str
    audit: Audit
    segments: Segments
    rfm: Rfm
    whales: Whales
    kpis: Kpis
    last_run: RunSummary | None  # the last sync or apply
    runs: tuple[RunSummary, ...]  # the latest runs of any command, newest first
    plan: PlanSummary | None
    plan_note: str | None = None  # why there is no plan, when there is none
    format: int = REPORT_FORMAT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str)


# --- building it ---------------------------------------------------------------------------
def build_report(
    job: Job,
    plan: Plan | None = None,
    *,
    mirror: Mirror | None = None,
    rules: RuleRun | None = None,
    now: datetime | None = None,
    plan_note: str | None = None,
) -> ReportData:
    """The report of ``job`` after a plan or sync (its ``last_mirror`` and ``last_rules``), or
    of a ``mirror`` and the ``rules`` run over it without a plan."""
    mirror = mirror or job.last_mirror
    rules = rules or job.last_rules
    if mirror is None or rules is None:
        raise ValueError("build_report needs a job that has planned, or a mirror and its rules")
    chosen = RULES.values() if job.rules is None else job.rules
    return report_of(
        mirror.base,
        rules.outputs,
        settings=job.config.rules,
        job=job.name,
        crm=job.config.crm.kind,
        generated_at=now or job.now(),
        quality_measured=any(spec.stage == "hygiene" for spec in chosen),
        history=job.store.kpi_history(job.name, limit=KPI_RUNS),
        runs=job.store.runs(job.name, limit=50),
        plan=plan,
        plan_note=plan_note,
        unreadable_values=len(mirror.issues),
    )


def report_of(
    base: CustomerBase,
    outputs: Iterable[Output],
    *,
    settings: RulesSettings,
    job: str,
    crm: str,
    generated_at: datetime,
    quality_measured: bool,
    history: Sequence[tuple[str, datetime, Mapping[str, float]]] = (),
    runs: Sequence[RunRecord] = (),
    plan: Plan | None = None,
    plan_note: str | None = None,
    unreadable_values: int = 0,
) -> ReportData:
    """The report from plain values: ``history`` as ``StateStore.kpi_history`` gives it
    (oldest first), ``runs`` as ``StateStore.runs`` (newest first)."""
    found = _Found(base, outputs)
    summaries = tuple(_run(r) for r in runs)
    return ReportData(
        job=job,
        crm=crm,
        generated_at=generated_at.isoformat(),
        audit=_audit(base, found, settings, quality_measured, unreadable_values),
        segments=_segments(base, found),
        rfm=_rfm(found),
        whales=_whales(base, found, settings),
        kpis=_kpis(history),
        last_run=next((r for r in summaries if r.command in ("sync", "apply")), None),
        runs=summaries[:RECENT_RUNS],
        plan=_plan(plan) if plan is not None else None,
        plan_note=plan_note,
    )


class _Found:
    """The rule outputs about the base's contacts, indexed by name."""

    def __init__(self, base: CustomerBase, outputs: Iterable[Output]):
        ids = {c.id for c in base.contacts}
        self.fields: dict[str, dict[str, Any]] = defaultdict(dict)
        self.tags: dict[str, dict[str, str]] = defaultdict(dict)  # tag -> id -> reason
        self.findings: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for o in outputs:
            if o.object_name != "contact" or o.record_id not in ids:
                continue
            if o.target == "field":
                self.fields[o.name].setdefault(o.record_id, o.value)
            elif o.target == "tag":
                self.tags[o.name].setdefault(o.record_id, o.reason)
            elif o.target == "finding":
                self.findings[o.name][o.record_id].append(o.value)


def _audit(
    base: CustomerBase,
    found: _Found,
    settings: RulesSettings,
    measured: bool,
    unreadable: int,
) -> Audit:
    contacts = base.contacts
    n = len(contacts)
    fills = tuple(
        FieldFill(name, ratio(sum(_filled(c, name) for c in contacts), n))
        for name in settings.hygiene.critical_fields
    )
    with_email = sum(1 for c in contacts if c.email)
    with_phone = sum(1 for c in contacts if c.phone or c.mobile)
    obsolete = set(found.tags.get("obsolete", {})) | set(found.findings.get("obsolete", {}))
    reasons: Counter[str] = Counter()
    for values in found.findings.get("obsolete", {}).values():
        for value in values[:1]:
            if isinstance(value, Mapping):
                reasons.update(str(r) for r in value.get("reasons", ()))

    def counted(count: int, of: int) -> Ratio | None:
        return ratio(count, of) if measured else None

    completeness = found.fields.get("completeness", {})
    return Audit(
        contacts=n,
        companies=len(base.companies),
        deals=len(base.deals),
        measured=measured,
        fields=fills,
        complete=counted(sum(1 for v in completeness.values() if v == 1), n),
        invalid_emails=counted(len(found.findings.get("invalid_email", {})), with_email),
        invalid_phones=counted(len(found.findings.get("invalid_phone", {})), with_phone),
        duplicates=counted(len(found.fields.get("duplicate_of", {})), n),
        obsolete=counted(len(obsolete), n),
        missing_critical=counted(len(found.findings.get("missing_critical_fields", {})), n),
        obsolete_reasons=tuple(Count(r, k) for r, k in reasons.most_common()),
        unreadable_values=unreadable,
    )


def _filled(contact: Contact, name: str) -> bool:
    """Whether ``contact`` holds a value for ``name`` (or any alternative of ``a|b``)."""
    for option in name.split("|"):
        value = getattr(contact, option, None)
        if value is not None and value != "" and value != frozenset():
            return True
    return False


def _segments(base: CustomerBase, found: _Found) -> Segments:
    placed = found.fields.get("segment", {})
    counts = Counter(str(v) for v in placed.values())
    order = [s for s in SEGMENT_ORDER if counts[s]] + sorted(set(counts) - set(SEGMENT_ORDER))
    return Segments(
        contacts=len(base.contacts),
        counts=tuple(Count(s, counts[s]) for s in order),
        unsegmented=len(base.contacts) - len(placed),
    )


def _rfm(found: _Found) -> Rfm:
    grid = [[0] * 5 for _ in range(5)]
    unplaced = 0
    scores = found.fields.get("rfm_score", {})
    for score in scores.values():
        digits = str(score)
        if len(digits) == 3 and all(d in "12345" for d in digits):
            grid[int(digits[0]) - 1][int(digits[1]) - 1] += 1
        else:
            unplaced += 1
    groups = Counter(str(v) for v in found.fields.get("rfm_group", {}).values())
    return Rfm(
        customers=len(scores),
        grid=tuple(tuple(row) for row in grid),
        groups=tuple(Count(g, k) for g, k in sorted(groups.items(), key=lambda i: (-i[1], i[0]))),
        unplaced=unplaced,
    )


def _whales(base: CustomerBase, found: _Found, settings: RulesSettings) -> Whales:
    revenue = won_revenue(base, settings.revenue)
    by_id = {c.id: c for c in base.contacts}
    whale_ids = found.tags.get("whale", {})
    risky = found.tags.get("whale-at-risk", {})

    def people(reasons: Mapping[str, str], limit: int) -> tuple[Person, ...]:
        ranked = sorted(reasons, key=lambda cid: (-revenue.get(cid, 0.0), cid))[:limit]
        return tuple(_person(by_id[cid], revenue, found, reasons[cid]) for cid in ranked)

    total = sum(revenue.values())
    of_whales = sum(revenue.get(cid, 0.0) for cid in whale_ids)
    return Whales(
        currency=settings.revenue.base_currency,
        customers=sum(1 for v in revenue.values() if v > 0),
        revenue=round(total, 2),
        count=len(whale_ids),
        revenue_of_whales=round(of_whales, 2),
        revenue_share=round(of_whales / total, 4) if total else None,
        at_risk_count=len(risky),
        top=people(whale_ids, TOP_WHALES),
        at_risk=people(risky, MAX_AT_RISK),
    )


def _person(contact: Contact, revenue: Mapping[str, float], found: _Found, reason: str) -> Person:
    segment, group = (
        found.fields["segment"].get(contact.id),
        found.fields["rfm_group"].get(contact.id),
    )
    return Person(
        id=contact.id,
        name=_name(contact),
        email=contact.email,
        revenue=round(revenue.get(contact.id, 0.0), 2),
        segment=None if segment is None else str(segment),
        rfm_group=None if group is None else str(group),
        reason=reason,
    )


def _name(contact: Contact) -> str:
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    return name or contact.company_name or contact.email or f"contact {contact.id}"


def _kpis(history: Sequence[tuple[str, datetime, Mapping[str, float]]]) -> Kpis:
    series = tuple(
        KpiSeries(
            name,
            tuple(
                KpiPoint(run_id, at.isoformat(), round(values[name], 4))
                for run_id, at, values in history
                if name in values
            ),
        )
        for name in QUALITY_KPIS
    )
    latest = history[-1][2] if history else {}
    previous = history[-2][2] if len(history) > 1 else {}

    def value(name: str) -> KpiValue:
        before = previous.get(name)
        return KpiValue(name, round(latest[name], 4), None if before is None else round(before, 4))

    raised = kpi_alerts(previous, latest) if previous else []
    return Kpis(
        runs=len(history),
        series=series,
        latest=tuple(value(n) for n in HEADLINE_KPIS if n in latest),
        value=tuple(value(n) for n in sorted(latest) if n.startswith(VALUE_KPI_PREFIXES)),
        alerts=tuple(
            KpiAlert(a.kpi, round(a.previous, 4), round(a.current, 4), round(a.change, 4))
            for a in raised
        ),
    )


def _run(record: RunRecord) -> RunSummary:
    return RunSummary(
        id=record.id,
        command=record.command,
        status=record.status,
        started_at=record.started_at.isoformat(),
        finished_at=record.finished_at.isoformat() if record.finished_at else None,
        counts={str(k): v for k, v in dict(record.counts).items() if isinstance(v, int)},
    )


def _plan(plan: Plan) -> PlanSummary:
    return PlanSummary(
        planned_at=plan.planned_at,
        records=len(plan.changes),
        counts=plan.summary(),
        problems=tuple(plan.problems[:MAX_PROBLEMS]),
        problem_count=len(plan.problems),
    )
