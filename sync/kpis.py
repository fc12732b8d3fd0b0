"""The playbook's KPIs (§5), computed for every sync run, kept, and compared with the run
before: a KPI that worsens by more than 10% raises an alert.

Each KPI knows which way is good. Shares of complete records, conversion rates and revenue
should not fall; shares of duplicates, invalid data, inactive customers and products never
sold should not rise. "Worsens by more than 10%" is relative to the previous value.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mapping.model import Contact
from sync.config.rules import RevenueRules
from sync.rules.base import CustomerBase, Output
from sync.rules.revenue import won_revenue

ALERT_CHANGE = 0.10
#: KPI name prefixes for which a rise is bad; every other KPI is bad when it falls
LOWER_IS_BETTER = (
    "duplicate_share",
    "invalid_email_share",
    "invalid_phone_share",
    "inactive_count",
    "never_sold_share",
    "owner_inactive_share",
    "obsolete_share",
)


@dataclass(frozen=True, slots=True)
class Alert:
    kpi: str
    previous: float
    current: float

    @property
    def change(self) -> float:
        return (self.current - self.previous) / abs(self.previous)

    def __str__(self) -> str:
        return (
            f"{self.kpi} went from {self.previous:.4g} to {self.current:.4g} ({self.change:+.0%})"
        )


def compute_kpis(
    base: CustomerBase,
    outputs: Iterable[Output],
    reactivated: int = 0,
    revenue_rules: RevenueRules | None = None,
) -> dict[str, float]:
    """The KPIs of one run, from the customer base and what the rules found (revenue in the
    base currency of ``revenue_rules``, the playbook's defaults unless given)."""
    contacts = base.contacts
    total = len(contacts) or 1
    fields: dict[str, dict[str, object]] = defaultdict(dict)
    tags: dict[str, set[str]] = defaultdict(set)
    findings: dict[str, set[str]] = defaultdict(set)  # finding -> contacts with it
    for output in outputs:
        if output.object_name != "contact":
            continue
        if output.target == "field":
            fields[output.name][output.record_id] = output.value
        elif output.target == "tag":
            tags[output.name].add(output.record_id)
        elif output.target == "finding":
            findings[output.name].add(output.record_id)
    kpis: dict[str, float] = {
        "contacts": float(len(contacts)),
        "complete_share": sum(1 for v in fields["completeness"].values() if v == 1) / total,
        "duplicate_share": len(fields["duplicate_of"]) / total,
        "invalid_email_share": len(findings["invalid_email"])
        / (sum(1 for c in contacts if c.email) or 1),
        "invalid_phone_share": len(findings["invalid_phone"])
        / (sum(1 for c in contacts if c.phone or c.mobile) or 1),
        "obsolete_share": len(tags["obsolete"]) / total,
        "inactive_count": float(len(tags["inactive"])),
        "reactivated_count": float(reactivated),
    }
    segments = fields["segment"]
    revenue = won_revenue(base, revenue_rules or RevenueRules())
    kpis.update(_per_segment_clv(segments, revenue))
    kpis.update(_never_sold(base, segments))
    kpis.update(_conversion_by_channel(contacts, revenue))
    kpis.update(_per_owner(contacts, tags["inactive"], revenue))
    return kpis


def _per_segment_clv(
    segments: Mapping[str, object], revenue: Mapping[str, float]
) -> dict[str, float]:
    """Average lifetime value (won revenue) of the contacts of each segment."""
    totals: dict[str, list[float]] = defaultdict(list)
    for contact_id, segment in segments.items():
        totals[str(segment)].append(revenue.get(contact_id, 0.0))
    return {f"clv.{segment}": sum(values) / len(values) for segment, values in totals.items()}


def _never_sold(base: CustomerBase, segments: Mapping[str, object]) -> dict[str, float]:
    """Share of the product portfolio never sold to each customer segment."""
    portfolio = {p for deal in base.deals for p in deal.products}
    if not portfolio:
        return {}
    sold: dict[str, set[str]] = defaultdict(set)
    for deal in base.deals:
        if deal.stage == "won" and deal.contact_ids:
            segment = segments.get(deal.contact_ids[0])
            if segment is not None:
                sold[str(segment)].update(deal.products)
    return {
        f"never_sold_share.{segment}": 1 - len(products & portfolio) / len(portfolio)
        for segment, products in sold.items()
    }


def _conversion_by_channel(
    contacts: Iterable[Contact], revenue: Mapping[str, float]
) -> dict[str, float]:
    """Share of the contacts of each source channel that became customers."""
    seen: Counter[str] = Counter()
    won: Counter[str] = Counter()
    for contact in contacts:
        channel = contact.source_channel or "unknown"
        seen[channel] += 1
        won[channel] += contact.id in revenue
    return {f"conversion_rate.{channel}": won[channel] / seen[channel] for channel in seen}


def _per_owner(
    contacts: Iterable[Contact], inactive: set[str], revenue: Mapping[str, float]
) -> dict[str, float]:
    records: Counter[str] = Counter()
    idle: Counter[str] = Counter()
    money: dict[str, float] = defaultdict(float)
    for contact in contacts:
        owner = contact.owner_id or "unassigned"
        records[owner] += 1
        idle[owner] += contact.id in inactive
        money[owner] += revenue.get(contact.id, 0.0)
    kpis: dict[str, float] = {}
    for owner, count in records.items():
        kpis[f"owner_records.{owner}"] = float(count)
        kpis[f"owner_inactive_share.{owner}"] = idle[owner] / count
        kpis[f"owner_revenue.{owner}"] = money[owner]
    return kpis


def alerts(
    previous: Mapping[str, float], current: Mapping[str, float], threshold: float = ALERT_CHANGE
) -> list[Alert]:
    """KPIs that worsened by more than ``threshold`` since the previous run."""
    found = []
    for name, now in sorted(current.items()):
        before = previous.get(name)
        if before is None or before == 0 or name == "contacts" or name.startswith("owner_records."):
            continue
        alert = Alert(name, before, now)
        rise = alert.change if name.startswith(LOWER_IS_BETTER) else -alert.change
        if rise > threshold:
            found.append(alert)
    return found
