"""Inactivity and reactivation (playbook §3): who has gone quiet, how worth winning back they
are, and where they stand in the reactivation protocol.

A contact is inactive once it has had no purchase and no interaction (last interaction, e-mail
open or click; its creation if it has none of these) for ``inactive_after_days``. Day 1 of the
protocol is the first day it is inactive; the stage is the last one whose day has come:

value_email (day 1) → retargeting (day 7) → sms (day 14, high-value contacts only: whales and
the top spend tier; the others stay at retargeting) → final_choice (day 21) → hibernation
(day 30: contacted only for key yearly campaigns, never deleted).

NOT_QUALIFIED contacts are left out: they are excluded from marketing anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from mapping.model import Contact
from sync.config.rules import InactivityRules
from sync.rules.base import Output, RuleContext, rule
from sync.segmentation import outputs as out
from sync.segmentation.facts import History, histories, last_interaction, value_ranks
from sync.segmentation.scores import spend_tiers, tier_names, whales
from sync.segmentation.segments import lifecycle_segments

RULE = "inactivity"
HIBERNATION = "hibernation"


def last_activity(contact: Contact, history: History | None) -> date | None:
    """The day of the contact's latest purchase or interaction (its creation if none)."""
    latest = last_interaction(contact)
    day = latest.date() if latest is not None else None
    purchase = history.last_purchase if history is not None else None
    if purchase is not None and (day is None or purchase > day):
        day = purchase
    if day is None and contact.created_at is not None:
        day = contact.created_at.date()
    return day


def protocol_stage(day: int, high_value: bool, settings: InactivityRules) -> str:
    """The reactivation protocol's stage on ``day`` (1 = first day inactive)."""
    if day >= settings.hibernation_day:
        return HIBERNATION
    if day >= settings.final_choice_day:
        return "final_choice"
    if day >= settings.sms_day and high_value:
        return "sms"
    if day >= settings.retargeting_day:
        return "retargeting"
    return "value_email"


@dataclass(frozen=True, slots=True)
class _Ranks:
    purchases: Mapping[float, float]  # purchases -> rank
    revenue: Mapping[float, float]  # revenue -> rank


def tenure(
    contact: Contact, history: History | None, last: date, settings: InactivityRules
) -> float:
    """First seen (first purchase or creation) to last activity, 0–1 (full at
    ``tenure_years_at_max``)."""
    first = history.first_purchase if history is not None else None
    if contact.created_at is not None:
        created = contact.created_at.date()
        first = created if first is None or created < first else first
    years = (last - first).days / 365.25 if first is not None else 0.0
    return max(0.0, min(1.0, years / settings.tenure_years_at_max))


def reactivation_score(
    purchases: float, tenure: float, revenue: float, settings: InactivityRules
) -> tuple[int, str]:
    """0–100: the weighted mean of the contact's rank among customers by purchases and by
    revenue (0 for non-customers) and its :func:`tenure`."""
    weights = (settings.weight_purchases, settings.weight_tenure, settings.weight_revenue)
    parts = (purchases, tenure, revenue)
    value = round(100 * sum(w * p for w, p in zip(weights, parts, strict=True)) / sum(weights))
    why = f"purchases {purchases:.2f}, tenure {tenure:.2f}, revenue {revenue:.2f} -> {value}"
    return value, why


@rule(RULE, "segmentation")
def inactivity(ctx: RuleContext) -> Iterable[Output]:
    """Inactive contacts: their reactivation score and protocol stage.

    From day 30 of the protocol the contact is also tagged for hibernation."""
    settings = ctx.settings.inactivity
    after = timedelta(days=settings.inactive_after_days)
    purchases = histories(ctx)
    customers = [h for h in purchases.values() if h.won]
    ranks = _Ranks(  # ranks among customers, by value
        value_ranks(h.won for h in customers), value_ranks(h.revenue for h in customers)
    )
    del customers
    top_tier = tier_names(ctx.settings.spend_tiers.tiers)[-1]
    high_value = set(whales(ctx)) | {
        cid for cid, (tier, _) in spend_tiers(ctx).items() if tier == top_tier
    }
    segments = lifecycle_segments(ctx)
    today = ctx.today
    since = today - after  # active on a later day: not inactive yet
    #: (last activity, high value) -> (why inactive, stage, why at that stage)
    stages: dict[tuple[date, bool], tuple[str, str, str]] = {}
    #: (purchases rank, tenure, revenue rank) -> (score, why)
    scored: dict[tuple[float, float, float], tuple[int, str]] = {}
    for contact in ctx.base.contacts:
        cid = contact.id
        if segments[cid].segment == "NOT_QUALIFIED":
            continue
        history = purchases.get(cid)
        last = last_activity(contact, history)
        if last is None or last > since:
            continue
        key = (last, cid in high_value)
        if key not in stages:
            stages[key] = _protocol(last, key[1], today, settings)
        quiet, stage, staged = stages[key]
        yield Output("contact", cid, "tag", out.INACTIVE, True, RULE, quiet)
        yield Output("contact", cid, "field", out.REACTIVATION_STAGE, stage, RULE, staged)
        if stage == HIBERNATION:
            yield Output("contact", cid, "tag", out.HIBERNATION, True, RULE, staged)
        bought = spent = 0.0  # ranks among customers (0 for the others)
        if history is not None and history.won:
            bought, spent = ranks.purchases[history.won], ranks.revenue[history.revenue]
        parts = (bought, tenure(contact, history, last, settings), spent)
        score = scored.get(parts)
        if score is None:
            score = scored[parts] = reactivation_score(*parts, settings)
        yield Output("contact", cid, "field", out.REACTIVATION_SCORE, score[0], RULE, score[1])


def _protocol(
    last: date, high_value: bool, today: date, settings: InactivityRules
) -> tuple[str, str, str]:
    """Why a contact last active on ``last`` is inactive, its stage, and why that stage."""
    quiet = (
        f"no purchase or interaction since {last} "
        f"({(today - last).days} days >= {settings.inactive_after_days})"
    )
    day = (today - last).days - settings.inactive_after_days + 1
    stage = protocol_stage(day, high_value, settings)
    return quiet, stage, f"{quiet}; day {day} of the reactivation protocol -> {stage}"
