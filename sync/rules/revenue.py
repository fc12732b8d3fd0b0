"""Won revenue per contact for the report and the KPIs, counted as the segmentation rules
count it (:func:`sync.segmentation.facts.histories`): a won deal's amount in the base currency
at the same :class:`~sync.segmentation.facts.Rates`, credited to its primary contact or to all
of them (``revenue.credit``); a deal in a currency without a rate counts nothing (the
``unknown_currency`` rule reports it)."""

from __future__ import annotations

from collections import defaultdict

from sync.config.rules import RevenueRules
from sync.rules.base import CustomerBase
from sync.segmentation.facts import WON, Rates


def won_revenue(base: CustomerBase, rules: RevenueRules) -> dict[str, float]:
    """contact id -> won revenue in ``rules.base_currency``."""
    rate_of = Rates(rules).of
    every = rules.credit == "all"
    revenue: dict[str, float] = defaultdict(float)
    for deal in base.deals:
        if deal.stage != WON or not deal.contact_ids or deal.amount is None:
            continue
        rate = rate_of(deal.currency)
        if rate is None:
            continue
        for contact_id in deal.contact_ids if every else deal.contact_ids[:1]:
            revenue[contact_id] += float(deal.amount) * rate
    return dict(revenue)
