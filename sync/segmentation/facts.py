"""What several rules need to know, computed once per run over the whole customer base.

* :func:`histories`: every contact's deals as purchases (won dates, revenue in the base
  currency, products, open deal amounts), from one pass over all deals.
* :class:`Rates`: a deal currency's rate to the base currency (also for
  :func:`sync.rules.revenue.won_revenue`, so the report and KPIs count revenue as the rules do).
* :func:`per_run`: computes a function of the run once per (customer base, ``now``,
  settings), so the lifecycle segments, frustration scores or spend tiers one rule needs are
  not computed again by the next.
* :func:`value_ranks` and :func:`bucket`: quantiles over a whole set at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import wraps
from itertools import pairwise
from operator import attrgetter
from typing import TYPE_CHECKING, TypeVar

from mapping.model import Contact, Deal

if TYPE_CHECKING:
    from sync.config.rules import RevenueRules
    from sync.rules.base import RuleContext

T = TypeVar("T")

WON = "won"
ADVANCED_STAGES = frozenset({"meeting", "quote"})
OPEN_STAGES = frozenset({"open", "meeting", "quote"})


def per_run(function: Callable[[RuleContext], T]) -> Callable[[RuleContext], T]:
    """``function(ctx)`` computed once per customer base, ``now`` and settings object.

    Only for functions of ``ctx.base``, ``ctx.now`` and ``ctx.settings`` (never of
    ``ctx.earlier``): the value is kept in the base's memo, which ``run_rules`` empties when
    it is done."""
    key = f"{function.__module__}.{function.__qualname__}"

    @wraps(function)
    def once(ctx: RuleContext) -> T:
        results = ctx.base.memo
        cached = results.get((key, ctx.now))
        if cached is not None and cached[0] is ctx.settings:
            return cached[1]
        value = function(ctx)
        results[(key, ctx.now)] = (ctx.settings, value)
        return value

    return once


@dataclass(slots=True)
class History:
    """One contact's deals, read as purchases."""

    won: int = 0
    dates: tuple[date, ...] = ()  # won deals' close dates, ascending
    revenue: float = 0.0  # won revenue in the base currency
    open_amount: float = 0.0  # open, meeting and quote deals, in the base currency
    advanced: Deal | None = None  # a deal in a meeting or quote stage
    products: frozenset[str] = frozenset()  # products of won deals
    open_deal: bool = False  # a deal at the open stage

    @property
    def first_purchase(self) -> date | None:
        return self.dates[0] if self.dates else None

    @property
    def last_purchase(self) -> date | None:
        return self.dates[-1] if self.dates else None

    def median_interval(self) -> float | None:
        """Median days between consecutive purchases (None with fewer than two)."""
        dates = self.dates
        if len(dates) < 2:
            return None
        gaps = sorted([(b - a).days for a, b in pairwise(dates)])
        middle = len(gaps) // 2  # (as statistics.median)
        return gaps[middle] if len(gaps) % 2 else (gaps[middle - 1] + gaps[middle]) / 2


class Rates:
    """Rates by currency as deals write it (``eur``, ``EUR``, none = the base currency)."""

    __slots__ = ("_by_code", "_known")

    def __init__(self, revenue: RevenueRules) -> None:
        self._known = revenue.fx_rates
        self._by_code: dict[str | None, float | None] = {
            None: revenue.fx_rates[revenue.base_currency]
        }

    def of(self, currency: str | None) -> float | None:
        """Base-currency units per unit of ``currency`` (None when it has no rate)."""
        if currency in self._by_code:
            return self._by_code[currency]
        rate = self._by_code[currency] = self._known.get((currency or "").strip().upper())
        return rate


def deal_day(deal: Deal) -> date | None:
    """When a deal happened: its close date, else when it was last updated or created."""
    if deal.close_date is not None:
        return deal.close_date
    moment = deal.updated_at or deal.created_at
    return moment.date() if moment is not None else None


def last_interaction(contact: Contact) -> datetime | None:
    """The latest of the contact's last interaction, e-mail open and click."""
    latest = contact.last_interaction_at
    for moment in (contact.last_open_at, contact.last_click_at):
        if moment is not None and (latest is None or moment > latest):
            latest = moment
    return latest


@per_run
def histories(ctx: RuleContext) -> Mapping[str, History]:
    """contact id -> its purchase history, for the contacts a deal is credited to (the deal's
    primary contact, or all its contacts: ``revenue.credit``)."""
    settings = ctx.settings.revenue
    credited = (
        ctx.base.deals_by_contact if settings.credit == "all" else ctx.base.deals_by_primary_contact
    )
    rates = Rates(settings)
    product_sets: dict[frozenset[str], frozenset[str]] = {}
    return {
        contact_id: _history(deals, rates, product_sets) for contact_id, deals in credited.items()
    }


def _history(
    deals: list[Deal], rates: Rates, product_sets: dict[frozenset[str], frozenset[str]]
) -> History:
    """One contact's history; ``product_sets`` keeps one object per distinct set of products
    (customers buy the same few combinations)."""
    won = 0
    revenue = open_amount = 0.0
    dates: list[date] = []
    products: set[str] = set()
    advanced = None
    open_deal = False
    rate_of = rates.of
    for deal in deals:
        stage = deal.stage
        if stage == WON:
            won += 1
            rate = rate_of(deal.currency)
            if rate is not None and deal.amount is not None:  # (else it counts 0)
                revenue += float(deal.amount) * rate
            day = deal.close_date or deal_day(deal)
            if day is not None:
                dates.append(day)
            products.update(deal.products)
        elif stage in OPEN_STAGES:
            rate = rate_of(deal.currency)
            if rate is not None and deal.amount is not None:
                open_amount += float(deal.amount) * rate
            if advanced is None and stage in ADVANCED_STAGES:
                advanced = deal
            elif stage == "open":
                open_deal = True
    bought = frozenset(products)
    return History(
        won,
        tuple(sorted(dates)) if dates else (),
        revenue,
        open_amount,
        advanced,
        product_sets.setdefault(bought, bought),
        open_deal,
    )


@per_run
def unpriced_deals(ctx: RuleContext) -> list[Deal]:
    """Deals whose currency has no rate, so their amount counts no revenue."""
    rates = Rates(ctx.settings.revenue)
    currencies = set(map(attrgetter("currency"), ctx.base.deals))
    if all(rates.of(currency) is not None for currency in currencies):
        return []  # (the usual case, found without a loop in Python over every deal)
    return [deal for deal in ctx.base.deals if rates.of(deal.currency) is None]


def value_ranks(values: Iterable[float]) -> dict[float, float]:
    """value -> its percentile rank among ``values``: the share of the values below it,
    counting equal values half (0 to 1), over the whole set at once.

    Equal values always get equal ranks, so a quantile never splits a tie."""
    counts = Counter(values)
    total = sum(counts.values())
    rank_of: dict[float, float] = {}
    below = 0
    for value, equal in sorted(counts.items()):
        rank_of[value] = (below + equal / 2) / total
        below += equal
    return rank_of


def bucket(rank: float, buckets: int) -> int:
    """The 1-based bucket (1 = lowest) of a percentile rank among ``buckets`` equal ones."""
    return min(buckets, 1 + int(rank * buckets))


def money(amount: float, currency: str) -> str:
    """``12,400 EUR``: amounts in reasons, rounded to whole units."""
    return f"{amount:,.0f} {currency}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
