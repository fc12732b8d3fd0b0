"""Cross-sell (playbook §3): the customer–product matrix of each segment, the portfolio a
segment never buys, and per customer the products its segment buys most that it has not.

The matrix counts customers (not deals) per product, built once over every customer's won
deals. Segments are the lifecycle segments by default (``cross_sell.segment_by``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sync.config.rules import CrossSellRules
from sync.rules.base import Output, RuleContext, rule
from sync.segmentation import outputs as out
from sync.segmentation.facts import histories, per_run
from sync.segmentation.scores import rfm_scores, spend_tiers
from sync.segmentation.segments import lifecycle_segments

RULE = "cross_sell"
NO_SEGMENT = "(none)"


@dataclass(frozen=True)
class SegmentProducts:
    """One segment's row of the matrix."""

    customers: int
    buyers: Mapping[str, int]  # product -> customers of the segment who bought it
    never_sold: tuple[str, ...]  # products sold somewhere, never in this segment

    def ranked(self) -> list[tuple[str, int]]:
        """Products by how many of the segment's customers bought them, most first."""
        return sorted(self.buyers.items(), key=lambda item: (-item[1], item[0]))


@dataclass(frozen=True)
class ProductMatrix:
    """The customer–product matrix per segment, and each customer's segment."""

    segments: Mapping[str, SegmentProducts]
    segment_of: Mapping[str, str]  # customer id -> segment


def segment_key(ctx: RuleContext, customers: Iterable[str]) -> dict[str, str]:
    """customer id -> its segment for the matrix (``cross_sell.segment_by``), for
    ``customers``."""
    by = ctx.settings.cross_sell.segment_by
    if by == "industry":
        wanted = set(customers)
        companies = ctx.base.company_by_id
        industries = {}
        for contact in ctx.base.contacts:
            if contact.id in wanted:
                company = companies.get(contact.company_id) if contact.company_id else None
                industries[contact.id] = (company.industry if company else None) or NO_SEGMENT
        return industries
    if by == "lifecycle":
        placements = lifecycle_segments(ctx)
        return {cid: placements[cid].segment for cid in customers if cid in placements}
    if by == "spend_tier":
        tiers = spend_tiers(ctx)
        return {cid: tiers[cid][0] for cid in customers if cid in tiers}
    scores = rfm_scores(ctx)  # rfm_group
    return {cid: scores[cid].group for cid in customers if cid in scores}


@per_run
def product_matrix(ctx: RuleContext) -> ProductMatrix:
    """The matrix over every customer, computed once per run."""
    buyers = {cid: h.products for cid, h in histories(ctx).items() if h.won}
    keys = segment_key(ctx, buyers)
    segment_of = {cid: keys.get(cid, NO_SEGMENT) for cid in buyers}
    # (segment, products) -> customers: customers buy a few combinations
    combos = Counter(zip(segment_of.values(), buyers.values(), strict=True))
    bought: dict[str, Counter[str]] = {}
    customers: Counter[str] = Counter()
    for (segment, products), count in combos.items():
        customers[segment] += count
        row = bought.setdefault(segment, Counter())
        for product in products:
            row[product] += count
    portfolio = sorted(set().union(*bought.values())) if bought else []
    segments = {
        segment: SegmentProducts(
            count,
            dict(bought.get(segment, {})),
            tuple(p for p in portfolio if p not in bought.get(segment, {})),
        )
        for segment, count in customers.items()
    }
    return ProductMatrix(segments, segment_of)


@rule(RULE, "segmentation")
def cross_sell(ctx: RuleContext) -> Iterable[Output]:
    """Per customer, the products most bought by its segment that it has not bought."""
    settings = ctx.settings.cross_sell
    matrix = product_matrix(ctx)
    ranked = {
        segment: [
            (product, buyers)
            for product, buyers in row.ranked()
            if buyers / row.customers >= settings.min_buyer_share
        ]
        for segment, row in matrix.segments.items()
    }
    purchases = histories(ctx)
    #: (segment, products it owns) -> (suggestions, why); customers buy a few combinations
    known: dict[tuple[str, frozenset[str]], tuple[str, str] | None] = {}
    for cid, segment in matrix.segment_of.items():
        if segment == "NOT_QUALIFIED":
            continue
        owned = purchases[cid].products
        if (segment, owned) not in known:
            known[segment, owned] = _suggestions(
                segment, owned, ranked[segment], matrix.segments[segment].customers, settings
            )
        suggested = known[segment, owned]
        if suggested is not None:
            yield Output("contact", cid, "field", out.CROSS_SELL, suggested[0], RULE, suggested[1])


def _suggestions(
    segment: str,
    owned: frozenset[str],
    ranked: list[tuple[str, int]],
    customers: int,
    settings: CrossSellRules,
) -> tuple[str, str] | None:
    """(suggested products, why) for a customer of ``segment`` who owns ``owned``; None when
    there is nothing to suggest."""
    picks = []
    for product, buyers in ranked:
        if product not in owned:
            picks.append((product, buyers))
            if len(picks) == settings.max_suggestions:
                break
    if not picks:
        return None
    shares = ", ".join(f"{p} {b / customers:.0%}" for p, b in picks)
    reason = f"bought by these shares of {segment} customers, not by this one: {shares}"
    return "; ".join(product for product, _ in picks), reason
