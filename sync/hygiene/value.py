"""Each contact's value tier, for the value-based review priority and for completeness per
segment (playbook §4). Purchases and whales are segmentation's own (``facts.histories``,
``scores.whales``: won deals credited as ``revenue.credit`` says, revenue in the base
currency), computed once per run and shared, so a whale here is a whale there:

* **whale**: one of segmentation's whales;
* **recent customer**: last won deal within ``hygiene.recent_customer_days``;
* **inactive**: no won deal and no interaction (opens and clicks included) within
  ``hygiene.inactive_after_days``;
* **occasional customer**: any other customer; **prospect**: any other contact.

A contact is in the first tier of: whale, recent customer, inactive, occasional customer,
prospect.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Literal

from mapping.model import Contact
from sync.rules.base import RuleContext
from sync.segmentation.facts import histories
from sync.segmentation.scores import whales

Tier = Literal["whale", "recent_customer", "inactive", "occasional_customer", "prospect"]
TIERS: tuple[Tier, ...] = (
    "whale",
    "recent_customer",
    "inactive",
    "occasional_customer",
    "prospect",
)


def last_won(ctx: RuleContext) -> Mapping[str, date]:
    """customer id -> the close date of its last won deal."""
    return {
        contact_id: history.last_purchase
        for contact_id, history in histories(ctx).items()
        if history.last_purchase is not None
    }


def value_tiers(ctx: RuleContext) -> dict[str, Tier]:
    """contact id -> value tier (see the module docstring)."""
    hygiene = ctx.settings.hygiene
    whale_ids = whales(ctx)
    bought = last_won(ctx)
    recent_since = ctx.today - timedelta(days=hygiene.recent_customer_days)
    inactive_since = ctx.today - timedelta(days=hygiene.inactive_after_days)
    tiers: dict[str, Tier] = {}
    for contact in ctx.base.contacts:
        won = bought.get(contact.id)
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
