"""Won revenue per contact, as every consumer counts it (segmentation's whales and lifecycle
settings, the report, the KPIs): a won deal's amount in the base currency, credited to its
primary contact or to all of them (``revenue.credit``); a deal in a currency without a rate
counts nothing (the ``unknown_currency`` rule reports it)."""

from __future__ import annotations

from collections import defaultdict

from sync.config.rules import RevenueRules
from sync.rules.base import CustomerBase


def won_revenue(base: CustomerBase, rules: RevenueRules) -> dict[str, float]:
    """contact id -> won revenue in ``rules.base_currency``."""
    rates = {code.upper(): rate for code, rate in rules.fx_rates.items()}
    every = rules.credit == "all"
    revenue: dict[str, float] = defaultdict(float)
    for deal in base.deals:
        if deal.stage != "won" or not deal.contact_ids or deal.amount is None:
            continue
        rate = rates.get((deal.currency or rules.base_currency).strip().upper())
        if rate is None:
            continue
        for contact_id in deal.contact_ids if every else deal.contact_ids[:1]:
            revenue[contact_id] += float(deal.amount) * rate
    return dict(revenue)
