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
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from mapping.model import Contact
from sync.config.rules import LifecycleRules
from sync.segmentation.emails import usable_email
from sync.segmentation.facts import History, histories, money, per_run, plural

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
    today: date


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
        ctx.today,
    )
    place = _Placer(cuts, settings).place
    history_of = purchases.get
    return {contact.id: place(contact, history_of(contact.id)) for contact in ctx.base.contacts}


def top_revenue_cut(revenues: list[float], share: float) -> float:
    """The least revenue within the top ``share`` of customers (infinite without customers)."""
    if not revenues:
        return math.inf
    ranked = sorted(revenues, reverse=True)
    return ranked[math.ceil(share * len(ranked)) - 1]


class _Placer:
    """Places contacts in segments: one :class:`Placement` object per distinct placement (a
    million contacts have a few thousand)."""

    __slots__ = ("_known", "cuts", "settings")

    def __init__(self, cuts: _Cuts, settings: LifecycleRules):
        self.cuts = cuts
        self.settings = settings
        self._known: dict[tuple[Any, ...], Placement] = {}

    def place(self, contact: Contact, history: History | None) -> Placement:
        """The first segment of the table that applies to ``contact``."""
        if contact.disqualified:
            why = contact.disqualified_reason
            if why:
                return self._placed("NOT_QUALIFIED", "disqualified: {}", why)
            return self._placed("NOT_QUALIFIED", "disqualified (no reason documented)")
        if history is not None and history.won:
            return self._customer(contact, history)
        return _prospect(contact, history, self.settings)

    def _placed(self, segment: str, reason: str, *values: Any) -> Placement:
        """The placement in ``segment`` why ``reason`` (a format of ``values``)."""
        key = (segment, reason, *values)
        placed = self._known.get(key)
        if placed is None:
            placed = self._known[key] = Placement(segment, reason.format(*values))
        return placed

    def _customer(self, contact: Contact, history: History) -> Placement:
        settings = self.settings
        won = history.won
        if contact.retired_reason:
            return self._placed(
                "CUSTOMER_RETIRED", "{}; retired: {}", _won_deals(won), contact.retired_reason
            )
        evangelist = _evangelist(contact, history, self.cuts, settings)
        if evangelist is not None:
            return self._placed("CUSTOMER_EVANGELIST", "{}", evangelist)
        dates = history.dates
        if not dates:
            return self._placed("CUSTOMER", "{} (no close dates)", _won_deals(won))
        days = (self.cuts.today - dates[-1]).days
        limit = float(settings.dormant_min_days)
        why = f"> {settings.dormant_min_days}"
        rhythm = history.median_interval()
        if rhythm is not None and settings.dormant_rhythm_factor * rhythm > limit:
            limit, why = _rhythm(settings.dormant_rhythm_factor, rhythm)
        if days > limit:
            return self._placed("CUSTOMER_DORMANT", "no purchase for {} days {}", days, why)
        return self._placed(
            "CUSTOMER", "{}, last {} days ago (dormant after {:g})", _won_deals(won), days, limit
        )


@lru_cache(maxsize=1024)
def _won_deals(count: int) -> str:
    return plural(count, "won deal")


@lru_cache(maxsize=4096)
def _rhythm(factor: float, interval: float) -> tuple[float, str]:
    """(days without a purchase that make a customer dormant, why), from its median interval."""
    limit = factor * interval
    return limit, f"> {factor:g} x median interval {interval:g} = {limit:g}"


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


_MEETING = Placement("QUALIFIED", "booked a meeting")
_QUOTE = Placement("QUALIFIED", "received a formal quote")
_COLD = Placement("COLD_CONTACT", "no purchase, meeting, quote or sign of interest")


def _prospect(contact: Contact, history: History | None, settings: LifecycleRules) -> Placement:
    advanced = history.advanced if history is not None else None
    if advanced is not None:
        return Placement("QUALIFIED", f"deal {advanced.id} is at stage {advanced.stage}")
    if contact.meeting_booked:
        return _MEETING
    if contact.quote_received:
        return _QUOTE
    signals = _interest(contact, history, settings.lead_signals)
    if not signals:
        return _COLD
    if contact.email is None:
        return _interested(signals, "no e-mail")
    if not usable_email(contact.email):
        return _interested(signals, "invalid e-mail")
    return _interested(signals, "")


@lru_cache(maxsize=256)
def _interested(signals: tuple[str, ...], lacking: str) -> Placement:
    """The placement of a prospect showing ``signals`` (and ``lacking`` what a LEAD needs)."""
    shown = " and ".join(signals)
    if lacking == "no e-mail":
        return Placement("COLD_CONTACT", f"{shown} but left no e-mail")
    if lacking:
        return Placement("COLD_CONTACT", f"{shown} but the e-mail is not valid")
    return Placement("LEAD", f"valid e-mail and {shown}")


_SIGNALS = {
    "asked_price": "asked for a price",
    "open_deal": "has an open deal",
    "email_click": "clicked an e-mail",
}


def _interest(contact: Contact, history: History | None, wanted: Iterable[str]) -> tuple[str, ...]:
    signals = []
    for signal in wanted:
        if signal == "asked_price":
            shown = bool(contact.asked_price)
        elif signal == "open_deal":
            shown = history is not None and history.open_deal
        else:
            shown = bool(contact.email_clicks) or contact.last_click_at is not None
        if shown:
            signals.append(_SIGNALS[signal])
    return tuple(signals)
