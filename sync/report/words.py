"""Numbers, labels and sentences both renderings share, in plain words.

Everything returns plain text: the HTML rendering escapes it, the Markdown one escapes what
Markdown would read as syntax.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sync.report.model import Audit, KpiAlert, KpiValue, ReportData

SEGMENTS: dict[str, tuple[str, str]] = {
    "COLD_CONTACT": ("Cold contacts", "no purchase, meeting or sign of interest yet"),
    "LEAD": ("Leads", "a valid e-mail and a sign of interest"),
    "QUALIFIED": ("Qualified", "a meeting, a quote or a deal under way"),
    "CUSTOMER": ("Customers", "bought, and recently enough"),
    "CUSTOMER_EVANGELIST": ("Evangelists", "repeat, high-value customers who recommend you"),
    "CUSTOMER_DORMANT": ("Dormant customers", "bought before, quiet for longer than usual"),
    "CUSTOMER_RETIRED": ("Retired customers", "no longer buying, for a documented reason"),
    "NOT_QUALIFIED": ("Not qualified", "disqualified: kept out of marketing"),
}
KPIS: dict[str, str] = {
    "contacts": "Contacts",
    "complete_share": "Complete records",
    "invalid_email_share": "Invalid e-mails",
    "invalid_phone_share": "Invalid phones",
    "duplicate_share": "Duplicates",
    "obsolete_share": "Obsolete records",
    "inactive_count": "Inactive contacts",
    "reactivated_count": "Reactivated contacts",
}
OBSOLETE_REASONS: dict[str, str] = {
    "unreachable": "no valid e-mail or phone",
    "hard_bounce": "e-mail hard-bounced",
    "company_closed": "company closed",
    "inactive": "no sign of life for years",
}
NOT_MEASURED = (
    "The data-quality rules did not run for this job, so invalid e-mails and phones, "
    "duplicates and obsolete records are not counted."
)
NO_SEGMENTS = "No contact has a segment: the segmentation rules did not run for this job."
NO_RFM = (
    "No customer has an RFM score: no contact has a won deal with a date yet, or the RFM rule "
    "did not run."
)
NO_WHALES = "No whales: no customer has won revenue yet, or the whale rule did not run."
NO_KPIS = "No run has kept KPIs yet: `crmsync sync` keeps them."

#: a run's or a plan's count -> (one, many)
COUNTS: dict[str, tuple[str, str]] = {
    "read": ("record read", "records read"),
    "planned": ("record planned", "records planned"),
    "written": ("record written", "records written"),
    "failed": ("record failed", "records failed"),
    "skipped": ("record skipped (changed in the CRM since)", "records skipped (changed since)"),
    "tasks_created": ("task created", "tasks created"),
    "tasks_existing": ("task already there", "tasks already there"),
    "tasks_failed": ("task failed", "tasks failed"),
    "alerts": ("KPI alert", "KPI alerts"),
    "restored": ("record restored", "records restored"),
    "contacts changed": ("contact changed", "contacts changed"),
    "companies changed": ("company changed", "companies changed"),
    "companys changed": ("company changed", "companies changed"),  # (as runs recorded it before)
    "deals changed": ("deal changed", "deals changed"),
    "field changes": ("field change", "field changes"),
    "tags added": ("tag added", "tags added"),
    "tags removed": ("tag removed", "tags removed"),
    "tasks to create": ("task to create", "tasks to create"),
    "problems": ("output kept out of the plan", "outputs kept out of the plan"),
}
STATUSES = {
    "ok": "finished",
    "failed_records": "finished, some records failed",
    "failed": "failed",
    "interrupted": "interrupted",
    "running": "running",
}
CRMS = {"hubspot": "HubSpot", "salesforce": "Salesforce", "zoho": "Zoho CRM"}


def counted(name: str, value: int) -> str:
    """``1 record written``, ``3 records written``."""
    one, many = COUNTS.get(name, (name.replace("_", " "), name.replace("_", " ")))
    return f"{number(value)} {one if value == 1 else many}"


def status(name: str) -> str:
    return STATUSES.get(name, name.replace("_", " "))


def crm(kind: str) -> str:
    return CRMS.get(kind, kind)


def number(value: float) -> str:
    """``1,234``"""
    return f"{value:,.0f}"


def percent(share: float | None) -> str:
    """``62%``; one decimal below 10% (``2.2%``); a dash when there is no share."""
    if share is None:
        return "–"
    if 0 < abs(share) < 0.1:
        return f"{share * 100:.1f}%"
    return f"{share * 100:.0f}%"


def money(amount: float, currency: str) -> str:
    return f"{amount:,.0f} {currency}"


def when(iso: str | None) -> str:
    """``22 Nov 2025, 09:10 UTC`` from an ISO time."""
    if not iso:
        return "–"
    moment = datetime.fromisoformat(iso)
    zone = moment.tzname() or ""
    return f"{moment:%d %b %Y, %H:%M} {'UTC' if zone in ('UTC', 'UTC+00:00') else zone}".strip()


def run_labels(moments: Sequence[str]) -> list[str]:
    """``22 Nov 09:10`` per run (ISO times), to the second when two runs share a minute."""
    times = [datetime.fromisoformat(m) for m in moments]
    labels = [f"{t:%d %b %H:%M}" for t in times]
    if len(set(labels)) < len(labels):
        labels = [f"{t:%H:%M:%S}" for t in times]
    return labels


def ordered(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """A run's counts in reading order: read, planned, written, failed, then the rest."""
    rank = {name: i for i, name in enumerate(COUNTS)}
    return sorted(counts.items(), key=lambda item: rank.get(item[0], len(rank)))


def field_label(name: str) -> str:
    """``phone|mobile`` -> ``Phone or mobile``."""
    words = " or ".join(option.replace("_", " ") for option in name.split("|"))
    words = words.replace("email", "e-mail")
    return words[:1].upper() + words[1:]


def segment_label(name: str) -> str:
    return SEGMENTS.get(name, (name.replace("_", " ").capitalize(), ""))[0]


def segment_meaning(name: str) -> str:
    return SEGMENTS.get(name, ("", "a segment of your own rules"))[1]


def is_share(kpi: str) -> bool:
    return "_share" in kpi or kpi.startswith("conversion_rate.")


def value_kpis(values: Sequence[KpiValue]) -> tuple[list[KpiValue], list[KpiValue]]:
    """Lifetime value per segment (segments that ever had some) and conversion per channel."""
    clv = [v for v in values if v.name.startswith("clv.") and (v.current or v.previous)]
    conversion = [v for v in values if v.name.startswith("conversion_rate.")]
    return clv, conversion


def kpi_short_label(kpi: str) -> str:
    """The part after the dot: the segment or channel of ``clv.CUSTOMER``."""
    head, _, tail = kpi.partition(".")
    if head in ("clv", "never_sold_share"):
        return segment_label(tail)
    return tail.replace("_", " ").capitalize() if tail else kpi_label(kpi)


def kpi_label(kpi: str) -> str:
    if kpi in KPIS:
        return KPIS[kpi]
    head, _, tail = kpi.partition(".")
    if head == "clv":
        return f"Average lifetime value, {segment_label(tail).lower()}"
    if head == "conversion_rate":
        return f"Conversion to customer, channel {tail}"
    if head == "never_sold_share":
        return f"Products never sold to {segment_label(tail).lower()}"
    if head.startswith("owner_"):
        what = head.removeprefix("owner_").replace("_", " ")
        return f"Owner {tail}: {what}"
    return kpi.replace("_", " ").capitalize()


def kpi_value(kpi: str, value: float | None) -> str:
    if value is None:
        return "–"
    return percent(value) if is_share(kpi) else number(value)


def change(previous: float | None, current: float) -> str:
    """``+41%`` (relative), ``–`` without a previous value."""
    if previous is None:
        return "–"
    if previous == current:
        return "±0%"
    if previous == 0:
        return "new"
    return f"{(current - previous) / abs(previous):+.0%}"


def alert_sentence(alert: KpiAlert) -> str:
    return (
        f"{kpi_label(alert.kpi)} got worse: {kpi_value(alert.kpi, alert.previous)} → "
        f"{kpi_value(alert.kpi, alert.current)} ({alert.change:+.0%} since the run before)."
    )


def plural(count: int, noun: str, many: str | None = None) -> str:
    return f"{number(count)} {noun if count == 1 else many or noun + 's'}"


def summary(data: ReportData) -> list[str]:
    """The report in a few sentences, most important first."""
    audit = data.audit
    lines = [
        f"{plural(audit.contacts, 'contact')}, {plural(audit.companies, 'company', 'companies')}"
        f" and {plural(audit.deals, 'deal')} in the mirror of {crm(data.crm)} (job “{data.job}”)."
    ]
    lines.append(_quality_sentence(audit))
    segments = [c for c in data.segments.counts if c.count]
    if segments and audit.contacts:
        largest = max(segments, key=lambda c: c.count)
        counts = {c.name: c.count for c in segments}
        customers = sum(v for k, v in counts.items() if k.startswith("CUSTOMER"))
        dormant = counts.get("CUSTOMER_DORMANT", 0)
        lines.append(
            f"The largest segment is {segment_label(largest.name).lower()} "
            f"({percent(largest.count / audit.contacts)}). {plural(customers, 'contact')} "
            f"bought from you; {number(dormant)} of them {'has' if dormant == 1 else 'have'} "
            "gone quiet."
        )
    whales = data.whales
    if whales.count and whales.revenue:
        risk = (
            f"{plural(whales.at_risk_count, 'whale')} "
            f"{'shows' if whales.at_risk_count == 1 else 'show'} signs of frustration: call them."
            if whales.at_risk_count
            else "None of them shows signs of frustration."
        )
        lines.append(
            f"{plural(whales.count, 'customer')} (“whales”) bring "
            f"{percent(whales.revenue_share)} of the revenue "
            f"({money(whales.revenue_of_whales, whales.currency)}). {risk}"
        )
    kpis = data.kpis
    if kpis.alerts:
        lines.append(
            f"{plural(len(kpis.alerts), 'KPI')} got more than 10% worse since the run before: "
            + "; ".join(kpi_label(a.kpi).lower() for a in kpis.alerts)
            + "."
        )
    elif kpis.runs > 1:
        lines.append("No KPI got more than 10% worse since the run before.")
    else:
        lines.append("Trends start with the second sync: only one run has kept KPIs so far.")
    last = data.last_run
    if last is not None and last.counts.get("failed"):
        lines.append(
            f"The last {last.command} ({when(last.started_at)}) wrote "
            f"{plural(last.counts.get('written', 0), 'record')}; "
            f"{number(last.counts['failed'])} failed: ask your admin to look at the run's log."
        )
    if data.plan is not None:
        lines.append(
            "Nothing is waiting to be written to the CRM."
            if not data.plan.records
            else f"A sync now would update {plural(data.plan.records, 'record')}."
        )
    return lines


def _quality_sentence(audit: Audit) -> str:
    if not audit.measured:
        return NOT_MEASURED
    parts = []
    if audit.complete is not None:
        parts.append(f"{percent(audit.complete.share)} of contacts are complete.")
    invalid = [
        f"invalid {what}: {number(part.count)} of the {plural(part.of, 'contact')} with one "
        f"({percent(part.share)})"
        for what, part in (("e-mails", audit.invalid_emails), ("phones", audit.invalid_phones))
        if part is not None
    ]
    if invalid:
        text = "; ".join(invalid)
        parts.append(f"{text[0].upper()}{text[1:]}.")
    if audit.duplicates is not None and audit.obsolete is not None:
        parts.append(
            f"Likely duplicates: {plural(audit.duplicates.count, 'contact')} "
            f"({percent(audit.duplicates.share)}); obsolete, to review: "
            f"{number(audit.obsolete.count)} ({percent(audit.obsolete.share)})."
        )
    return " ".join(parts)
