"""Scores several rules share, computed once per run: frustration (per contact), and the
set-wise ones over all customers: RFM, whales (Pareto) and spend tiers.

Rankings use mid-rank quantiles, so customers with equal values always share a score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING

from mapping.model import Contact
from sync.config.rules import FrustrationRules
from sync.segmentation.facts import (
    bucket,
    histories,
    money,
    per_run,
    plural,
    value_ranks,
)

if TYPE_CHECKING:
    from sync.rules.base import RuleContext


@dataclass(frozen=True, slots=True)
class Score:
    """A score and why."""

    value: int
    reason: str


# --- frustration ---------------------------------------------------------------------------
@per_run
def frustration_scores(ctx: RuleContext) -> Mapping[str, Score]:
    """contact id -> frustration score 0–100, for contacts with a return, a ticket resolution
    time or a failed payment."""
    settings = ctx.settings.frustration
    known: dict[tuple[int | None, float | None, int | None], Score | None] = {}
    result = {}
    for contact in ctx.base.contacts:
        if not (contact.returns or contact.avg_resolution_hours or contact.failed_payments):
            continue  # (no score)
        key = (contact.returns, contact.avg_resolution_hours, contact.failed_payments)
        if key not in known:
            known[key] = frustration(contact, settings)  # the same for the same three
        score = known[key]
        if score is not None:
            result[contact.id] = score
    return result


def frustration(contact: Contact, settings: FrustrationRules) -> Score | None:
    """The weighted mean of returns, average resolution time and failed payments, each scaled
    0–1 (full at its cap); None without any of them (no score is a score of 0)."""
    returns, hours, failed = contact.returns, contact.avg_resolution_hours, contact.failed_payments
    if not (returns or hours or failed):
        return None
    parts = (
        (settings.weight_returns, returns or 0, settings.returns_at_max),
        (settings.weight_resolution_hours, hours or 0, settings.resolution_hours_at_max),
        (settings.weight_failed_payments, failed or 0, settings.failed_payments_at_max),
    )
    total = sum(weight for weight, _, _ in parts)
    value = round(100 * sum(w * min(v / cap, 1.0) for w, v, cap in parts) / total)
    shown = [plural(returns or 0, "return")]
    if hours is not None:
        shown.append(f"{hours:g}h average resolution")
    shown.append(plural(failed or 0, "failed payment"))
    return Score(value, f"{', '.join(shown)} -> {value}")


# --- RFM -------------------------------------------------------------------------------------
#: Named groups on the 1–5 scale of recency (R) and the mean of frequency and monetary (FM),
#: rounded half up. First match wins; together they cover all 25 cells:
#:
#: ====  ==========  ===============  ==================  ===============  ===============
#: R\FM  1           2                3                   4                5
#: ====  ==========  ===============  ==================  ===============  ===============
#: 5     New         Potential loy.   Potential loyalist  Champions        Champions
#: 4     Promising   Potential loy.   Potential loyalist  Loyal            Champions
#: 3     About to s. About to sleep   Needs attention     Loyal            Loyal
#: 2     Hibernating Hibernating      At risk             At risk          At risk
#: 1     Lost        Lost             At risk             Can't lose them  Can't lose them
#: ====  ==========  ===============  ==================  ===============  ===============
RFM_GROUPS: tuple[tuple[str, tuple[int, int], tuple[int, int]], ...] = (
    # (group, R from–to, FM from–to)
    ("Champions", (5, 5), (4, 5)),
    ("Champions", (4, 4), (5, 5)),
    ("Loyal", (3, 4), (4, 5)),
    ("Can't lose them", (1, 1), (4, 5)),
    ("At risk", (1, 2), (3, 5)),
    ("New", (5, 5), (1, 1)),
    ("Promising", (4, 4), (1, 1)),
    ("Potential loyalist", (4, 5), (2, 3)),
    ("Needs attention", (3, 3), (3, 3)),
    ("About to sleep", (3, 3), (1, 2)),
    ("Hibernating", (2, 2), (1, 2)),
    ("Lost", (1, 1), (1, 2)),
)


def rfm_group(recency: int, frequency: int, monetary: int) -> str:
    """The named group of scores on the 1–5 scale."""
    fm = (frequency + monetary + 1) // 2
    for group, (r_low, r_high), (fm_low, fm_high) in RFM_GROUPS:
        if r_low <= recency <= r_high and fm_low <= fm <= fm_high:
            return group
    raise ValueError(f"scores out of range: {recency}{frequency}{monetary}")


@dataclass(frozen=True, slots=True)
class Rfm:
    recency: int
    frequency: int
    monetary: int
    group: str
    reason: str
    score: str  # "RFM": "531"


@per_run
def rfm_scores(ctx: RuleContext) -> Mapping[str, Rfm]:
    """customer id -> its RFM scores and group (customers with a dated purchase)."""
    buckets = ctx.settings.rfm.scores
    currency = ctx.settings.revenue.base_currency
    customers = {
        contact_id: history
        for contact_id, history in histories(ctx).items()
        if history.won and history.dates
    }
    today = ctx.today
    days = [(today - h.dates[-1]).days for h in customers.values()]
    recency = _buckets(value_ranks(-d for d in days), buckets)
    frequency = _buckets(value_ranks(h.won for h in customers.values()), buckets)
    monetary = _buckets(value_ranks(h.revenue for h in customers.values()), buckets)
    result = {}
    cells: dict[tuple[int, int, int], tuple[str, str]] = {}  # scores -> (group, "RFM")
    bought: dict[int, str] = {}  # purchases -> "3 purchases"
    for (cid, history), ago in zip(customers.items(), days, strict=True):
        won = history.won
        r, f, m = recency[-ago], frequency[won], monetary[history.revenue]
        cell = cells.get((r, f, m))
        if cell is None:
            group = rfm_group(*(_on_five(score, buckets) for score in (r, f, m)))
            cell = cells[r, f, m] = (group, f"{r}{f}{m}")
        purchases = bought.get(won)
        if purchases is None:
            purchases = bought[won] = plural(won, "purchase")
        reason = (
            f"last purchase {ago} days ago (R{r}), {purchases} (F{f}), "
            f"{money(history.revenue, currency)} (M{m}) -> {cell[0]}"
        )
        result[cid] = Rfm(r, f, m, cell[0], reason, cell[1])
    return result


def _buckets(ranks: Mapping[float, float], buckets: int) -> dict[float, int]:
    """value -> its bucket, from value -> percentile rank."""
    return {value: bucket(rank, buckets) for value, rank in ranks.items()}


def _on_five(score: int, buckets: int) -> int:
    return score if buckets == 5 else max(1, math.ceil(score * 5 / buckets))


# --- whales ----------------------------------------------------------------------------------
@per_run
def whales(ctx: RuleContext) -> Mapping[str, str]:
    """whale id -> why: the fewest customers whose revenue makes ``revenue_share`` of the total,
    at most ``max_customer_share`` of the customers (ties broken by id)."""
    settings = ctx.settings.whales
    currency = ctx.settings.revenue.base_currency
    revenue = {cid: h.revenue for cid, h in histories(ctx).items() if h.won}
    total = sum(revenue.values())
    if total <= 0:
        return {}
    cap = math.ceil(settings.max_customer_share * len(revenue))
    # most revenue first, ties by id (sorted by id, then by revenue: the sort is stable)
    ranked = sorted(sorted(revenue.items(), key=itemgetter(0)), key=itemgetter(1), reverse=True)
    chosen: list[tuple[str, float]] = []
    running = 0.0
    for cid, amount in ranked[:cap]:
        if running >= settings.revenue_share * total or amount <= 0:
            break
        chosen.append((cid, amount))
        running += amount
    share = running / total
    group = (
        f"one of the {len(chosen)} customers ({len(chosen) / len(revenue):.0%}) making "
        f"{share:.0%} of revenue"
    )
    return {cid: f"{group}: {money(amount, currency)}" for cid, amount in chosen}


# --- spend tiers -----------------------------------------------------------------------------
def tier_names(tiers: int) -> tuple[str, ...]:
    """Names of ``tiers`` tiers, lowest first."""
    if tiers == 3:
        return ("low", "medium", "high")
    if tiers == 2:
        return ("low", "high")
    return tuple(f"tier-{n}" for n in range(1, tiers + 1))


@per_run
def spend_tiers(ctx: RuleContext) -> Mapping[str, tuple[str, str]]:
    """contact id -> (tier, why): customers by won revenue, prospects by open deal amount,
    each ranked against their own kind."""
    names = tier_names(ctx.settings.spend_tiers.tiers)
    currency = ctx.settings.revenue.base_currency
    purchases = histories(ctx)
    customers = {cid: h.revenue for cid, h in purchases.items() if h.won}
    prospects = {cid: h.open_amount for cid, h in purchases.items() if not h.won and h.open_amount}
    result = {}
    for amounts, what, among in (
        (customers, "revenue", "customers"),
        (prospects, "open deals", "prospects with open deals"),
    ):
        ranks = value_ranks(amounts.values())
        placed: dict[float, tuple[str, str]] = {}  # amount -> (tier, why)
        for cid, amount in sorted(amounts.items(), key=itemgetter(1)):  # (least first)
            if amount not in placed:
                tier = names[bucket(ranks[amount], len(names)) - 1]
                placed[amount] = (tier, f"{what} {money(amount, currency)}: {tier} among {among}")
            result[cid] = placed[amount]
    return result
