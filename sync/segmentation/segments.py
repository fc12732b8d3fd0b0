"""Lifecycle segments (playbook §2), computed once per run for the rules that need them.

Exactly one per contact, the first that applies of: NOT_QUALIFIED, CUSTOMER_RETIRED,
CUSTOMER_EVANGELIST, CUSTOMER_DORMANT, CUSTOMER, QUALIFIED, LEAD, COLD_CONTACT.

A customer has at least one won deal credited to it (``revenue.credit``). "Top share of
customers by revenue" ranks every customer by won revenue in the base currency; the cut is
the revenue of the customer at position ceil(share × customers), ties included.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mapping.model import Contact
from sync.config.rules import LifecycleRules
from sync.segmentation.emails import usable_email
from sync.segmentation.facts import History, Shared, histories, money, per_run, plural

if TYPE_CHECKING:
    from sync.rules.base import RuleContext

SEGMENTS = (
    "NOT_QUALIFIED",
    "CUSTOMER_RETIRED",
    "CUSTOMER_EVANGELIST",
    "CUSTOMER_DORMANT",
    "CUSTOMER",
    "QUALIFIED",
    "LEAD",
    "COLD_CONTACT",
)
PROSPECT_SEGMENTS = frozenset({"QUALIFIED", "LEAD", "COLD_CONTACT"})


@dataclass(frozen=True, slots=True)
class Placement:
    """A contact's segment and why."""

    segment: str
    reason: str


@dataclass(frozen=True, slots=True)
class _Cuts:
    """What the set-wise conditions compare against."""

    top_revenue: float  # the least revenue still in the top share of customers
    top_share: float
    currency: str


@per_run
def lifecycle_segments(ctx: RuleContext) -> Mapping[str, Placement]:
    """contact id -> its lifecycle segment, for every contact."""
    settings = ctx.settings.lifecycle
    purchases = histories(ctx)
    cuts = _Cuts(
        top_revenue_cut(
            [h.revenue for h in purchases.values() if h.won],
            settings.evangelist_top_customer_share,
        ),
        settings.evangelist_top_customer_share,
        ctx.settings.revenue.base_currency,
    )
    shared = Shared()
    return {
        contact.id: shared(place(contact, purchases.get(contact.id), cuts, ctx, settings))
        for contact in ctx.base.contacts
    }


def top_revenue_cut(revenues: list[float], share: float) -> float:
    """The least revenue within the top ``share`` of customers (infinite without customers)."""
    if not revenues:
        return math.inf
    ranked = sorted(revenues, reverse=True)
    return ranked[math.ceil(share * len(ranked)) - 1]


def place(
    contact: Contact,
    history: History | None,
    cuts: _Cuts,
    ctx: RuleContext,
    settings: LifecycleRules,
) -> Placement:
    """The first segment of the table that applies to ``contact``."""
    if contact.disqualified:
        why = contact.disqualified_reason
        return Placement(
            "NOT_QUALIFIED",
            f"disqualified: {why}" if why else "disqualified (no reason documented)",
        )
    if history is not None and history.won:
        return _customer(contact, history, cuts, ctx, settings)
    return _prospect(contact, history, settings)


def _customer(
    contact: Contact, history: History, cuts: _Cuts, ctx: RuleContext, settings: LifecycleRules
) -> Placement:
    won = plural(history.won, "won deal")
    if contact.retired_reason:
        return Placement("CUSTOMER_RETIRED", f"{won}; retired: {contact.retired_reason}")
    evangelist = _evangelist(contact, history, cuts, settings)
    if evangelist is not None:
        return Placement("CUSTOMER_EVANGELIST", evangelist)
    last = history.last_purchase
    if last is None:
        return Placement("CUSTOMER", f"{won} (no close dates)")
    days = (ctx.today - last).days
    limit = float(settings.dormant_min_days)
    rhythm = history.median_interval()
    why = f"> {settings.dormant_min_days}"
    if rhythm is not None and settings.dormant_rhythm_factor * rhythm > limit:
        limit = settings.dormant_rhythm_factor * rhythm
        why = f"> {settings.dormant_rhythm_factor:g} x median interval {rhythm:g} = {limit:g}"
    if days > limit:
        return Placement("CUSTOMER_DORMANT", f"no purchase for {days} days {why}")
    return Placement("CUSTOMER", f"{won}, last {days} days ago (dormant after {limit:g})")


def _evangelist(
    contact: Contact, history: History, cuts: _Cuts, settings: LifecycleRules
) -> str | None:
    """Why the customer is an evangelist: recurring, significant revenue, recommends. None
    when one of the three is missing."""
    if history.won < settings.evangelist_min_won_deals:
        return None
    revenue = money(history.revenue, cuts.currency)
    if history.revenue >= cuts.top_revenue:
        significant = f"revenue {revenue} in the top {cuts.top_share:.0%}"
    elif (
        settings.evangelist_min_revenue is not None
        and history.revenue >= settings.evangelist_min_revenue
    ):
        significant = (
            f"revenue {revenue} >= {money(settings.evangelist_min_revenue, cuts.currency)}"
        )
    else:
        return None
    referrals = contact.referrals or 0
    if settings.evangelist_min_referrals and referrals >= settings.evangelist_min_referrals:
        recommends = plural(referrals, "referral")
    elif contact.nps_score is not None and contact.nps_score >= settings.evangelist_min_nps:
        recommends = f"NPS {contact.nps_score}"
    else:
        return None
    return f"{plural(history.won, 'won deal')}, {significant}, {recommends}"


def _prospect(contact: Contact, history: History | None, settings: LifecycleRules) -> Placement:
    advanced = history.advanced if history is not None else None
    if advanced is not None:
        return Placement("QUALIFIED", f"deal {advanced.id} is at stage {advanced.stage}")
    if contact.meeting_booked:
        return Placement("QUALIFIED", "booked a meeting")
    if contact.quote_received:
        return Placement("QUALIFIED", "received a formal quote")
    signals = list(_interest(contact, history, settings.lead_signals))
    if not signals:
        return Placement("COLD_CONTACT", "no purchase, meeting, quote or sign of interest")
    shown = " and ".join(signals)
    if contact.email is None:
        return Placement("COLD_CONTACT", f"{shown} but left no e-mail")
    if not usable_email(contact.email):
        return Placement("COLD_CONTACT", f"{shown} but the e-mail is not valid")
    return Placement("LEAD", f"valid e-mail and {shown}")


_SIGNALS = {
    "asked_price": "asked for a price",
    "open_deal": "has an open deal",
    "email_click": "clicked an e-mail",
}


def _interest(contact: Contact, history: History | None, wanted: Iterable[str]) -> Iterable[str]:
    for signal in wanted:
        if signal == "asked_price":
            shown = bool(contact.asked_price)
        elif signal == "open_deal":
            shown = history is not None and any(d.stage == "open" for d in history.deals)
        else:
            shown = bool(contact.email_clicks) or contact.last_click_at is not None
        if shown:
            yield _SIGNALS[signal]
