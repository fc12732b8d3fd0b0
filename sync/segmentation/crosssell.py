"""Cross-sell (playbook §3): the customer–product matrix of each segment, the portfolio a
segment never buys, and per customer the products its segment buys most that it has not.

The matrix counts customers (not deals) per product, built once over every customer's won
deals. Segments are the lifecycle segments by default (``cross_sell.segment_by``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sync.rules.base import Output, RuleContext, rule
from sync.segmentation import outputs as out
from sync.segmentation.facts import Shared, histories, per_run
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


def segment_key(ctx: RuleContext) -> Mapping[str, str]:
    """customer id -> its segment for the matrix (``cross_sell.segment_by``)."""
    by = ctx.settings.cross_sell.segment_by
    if by == "lifecycle":
        return {cid: placement.segment for cid, placement in lifecycle_segments(ctx).items()}
    if by == "spend_tier":
        return {cid: tier for cid, (tier, _) in spend_tiers(ctx).items()}
    if by == "rfm_group":
        return {cid: scores.group for cid, scores in rfm_scores(ctx).items()}
    companies = ctx.base.company_by_id
    industries = {}
    for contact in ctx.base.contacts:
        company = companies.get(contact.company_id) if contact.company_id else None
        industries[contact.id] = (company.industry if company else None) or NO_SEGMENT
    return industries


@per_run
def product_matrix(ctx: RuleContext) -> ProductMatrix:
    """The matrix over every customer, computed once per run."""
    keys = segment_key(ctx)
    bought: dict[str, Counter[str]] = {}
    customers: Counter[str] = Counter()
    segment_of = {}
    for cid, history in histories(ctx).items():
        if not history.won:
            continue
        segment = keys.get(cid, NO_SEGMENT)
        segment_of[cid] = segment
        customers[segment] += 1
        bought.setdefault(segment, Counter()).update(history.products)
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
    shared = Shared()
    for cid, segment in matrix.segment_of.items():
        if segment == "NOT_QUALIFIED":
            continue
        owned = purchases[cid].products
        picks = []
        for product, buyers in ranked[segment]:
            if product not in owned:
                picks.append((product, buyers))
                if len(picks) == settings.max_suggestions:
                    break
        if not picks:
            continue
        customers = matrix.segments[segment].customers
        shares = ", ".join(f"{p} {b / customers:.0%}" for p, b in picks)
        reason = shared(f"bought by these shares of {segment} customers, not by this one: {shares}")
        value = shared("; ".join(product for product, _ in picks))
        yield Output("contact", cid, "field", out.CROSS_SELL, value, RULE, reason)
