"""Value rules (playbook §3): RFM scores and groups, whales and whales at risk, spend tiers
(computed in :mod:`.scores`), and deals whose currency has no rate."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sync.rules.base import Output, RuleContext, TaskSpec, rule
from sync.segmentation import outputs as out
from sync.segmentation.facts import unpriced_deals
from sync.segmentation.scores import frustration_scores, rfm_scores, spend_tiers, whales


@rule("rfm", "segmentation")
def rfm(ctx: RuleContext) -> Iterable[Output]:
    """RFM scores by quintile over customers, and their named group."""
    for cid, scores in rfm_scores(ctx).items():
        yield Output("contact", cid, "field", out.RFM_SCORE, scores.score, "rfm", scores.reason)
        yield Output("contact", cid, "field", out.RFM_GROUP, scores.group, "rfm", scores.reason)


@rule("whales", "segmentation")
def whale_tags(ctx: RuleContext) -> Iterable[Output]:
    """Whales by Pareto, and whales at risk with a health-check task.

    At risk: frustration above the alert threshold. The task is for the owner, at most once a
    month per whale."""
    threshold = ctx.settings.frustration.alert_threshold
    frustration = frustration_scores(ctx)
    chosen = whales(ctx)
    at_risk = {
        cid: score
        for cid in chosen
        if (score := frustration.get(cid)) is not None and score.value > threshold
    }
    owners = {c.id: c.owner_id for c in ctx.base.contacts if c.id in at_risk}
    for cid, reason in chosen.items():
        yield Output("contact", cid, "tag", out.WHALE, True, "whales", reason)
        if cid not in at_risk:
            continue
        score = at_risk[cid]
        why = f"whale with frustration score {score.value} > {threshold} ({score.reason})"
        yield Output("contact", cid, "tag", out.WHALE_AT_RISK, True, "whales", why)
        if ctx.settings.whales.at_risk_task and cid in owners:
            key = f"{out.WHALE_AT_RISK_TASK}:{cid}:{ctx.today:%Y-%m}"
            task = TaskSpec(
                subject="Health-check call: valuable customer showing frustration",
                due=ctx.now + timedelta(days=ctx.settings.whales.at_risk_task_due_days),
                owner_id=owners[cid],
                body=f"{reason}. {why}. Call to check how things are going, not to sell.",
            )
            yield Output("contact", cid, "task", key, task, "whales", why)


@rule("spend_tier", "segmentation")
def spend_tier(ctx: RuleContext) -> Iterable[Output]:
    """Spend tier: revenue terciles for customers, open deal amount terciles for prospects."""
    for cid, (tier, reason) in spend_tiers(ctx).items():
        yield Output("contact", cid, "field", out.SPEND_TIER, tier, "spend_tier", reason)


@rule("unknown_currency", "segmentation")
def unknown_currency(ctx: RuleContext) -> Iterable[Output]:
    """A deal in a currency without a rate counts no revenue: a finding for the audit."""
    rates = ", ".join(sorted(ctx.settings.revenue.fx_rates))
    for deal in unpriced_deals(ctx):
        reason = f"no rate for {deal.currency} (revenue.fx_rates has {rates})"
        yield Output(
            "deal", deal.id, "finding", out.UNKNOWN_CURRENCY, deal.currency, "unknown_currency",
            reason,
        )  # fmt: skip
