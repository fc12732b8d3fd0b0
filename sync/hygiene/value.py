"""Each contact's value tier, computed from the base itself, for the value-based review
priority and for completeness per segment (playbook §4).

Segmentation's lifecycle segments and whales run after hygiene; until the two are unified
this small helper decides, over the whole base at once:

* **customer**: at least one won deal (any deal that lists the contact);
* **whale**: the smallest set of customers that makes ``whales.revenue_share`` of the won
  revenue, at most ``whales.max_customer_share`` of the customers (Pareto). Amounts are added
  as they are, in their deal's currency;
* **recent customer**: last won deal within ``hygiene.recent_customer_days``;
* **inactive**: no won deal and no interaction (opens and clicks included) within
  ``hygiene.inactive_after_days``;
* **occasional customer**: any other customer; **prospect**: any other contact.

A contact is in the first tier of: whale, recent customer, inactive, occasional customer,
prospect.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Literal

from mapping.model import Contact
from sync.config.rules import HygieneRules, WhaleRules
from sync.rules.base import CustomerBase

Tier = Literal["whale", "recent_customer", "inactive", "occasional_customer", "prospect"]
TIERS: tuple[Tier, ...] = (
    "whale",
    "recent_customer",
    "inactive",
    "occasional_customer",
    "prospect",
)


def won_revenue(base: CustomerBase) -> tuple[dict[str, float], dict[str, date]]:
    """Per customer: won revenue, and the close date of the last won deal."""
    revenue: dict[str, float] = {}
    last_won: dict[str, date] = {}
    for contact_id, deals in base.deals_by_contact.items():
        for deal in deals:
            if deal.stage != "won":
                continue
            revenue[contact_id] = revenue.get(contact_id, 0.0) + float(deal.amount or 0)
            if deal.close_date is not None:
                last_won[contact_id] = max(
                    deal.close_date, last_won.get(contact_id, deal.close_date)
                )
            else:
                last_won.setdefault(contact_id, date.min)
    return revenue, last_won


def whales_of(revenue: Mapping[str, float], rules: WhaleRules) -> set[str]:
    """The smallest set of top customers making ``revenue_share`` of all won revenue, capped
    at ``max_customer_share`` of the customers."""
    ranked = sorted(revenue.items(), key=lambda item: (-item[1], item[0]))
    total = sum(value for _, value in ranked)
    if total <= 0:
        return set()
    cap = max(1, math.floor(rules.max_customer_share * len(ranked)))
    whales: set[str] = set()
    running = 0.0
    for contact_id, value in ranked[:cap]:
        if running >= rules.revenue_share * total:
            break
        whales.add(contact_id)
        running += value
    return whales


def value_tiers(
    base: CustomerBase, today: date, hygiene: HygieneRules, whales: WhaleRules
) -> dict[str, Tier]:
    """contact id -> value tier (see the module docstring)."""
    revenue, last_won = won_revenue(base)
    whale_ids = whales_of(revenue, whales)
    recent_since = today - timedelta(days=hygiene.recent_customer_days)
    inactive_since = today - timedelta(days=hygiene.inactive_after_days)
    tiers: dict[str, Tier] = {}
    for contact in base.contacts:
        won = last_won.get(contact.id)
        if contact.id in whale_ids:
            tiers[contact.id] = "whale"
        elif won is not None and won >= recent_since:
            tiers[contact.id] = "recent_customer"
        elif _last_sign_of_life(contact, won) < inactive_since:
            tiers[contact.id] = "inactive"
        elif won is not None:
            tiers[contact.id] = "occasional_customer"
        else:
            tiers[contact.id] = "prospect"
    return tiers


def _last_sign_of_life(contact: Contact, last_won: date | None) -> date:
    """The latest purchase, interaction, open, click or (failing all) creation date."""
    moments = [
        moment.date()
        for moment in (
            contact.last_interaction_at,
            contact.last_open_at,
            contact.last_click_at,
            contact.created_at,
        )
        if moment is not None
    ]
    if last_won is not None:
        moments.append(last_won)
    return max(moments, default=date.max)
