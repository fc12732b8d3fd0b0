"""Rule settings, with the playbook's defaults (``../shared/reference/playbook.md``).

Every threshold the rules use lives here, so an admin can change it in YAML and read what it
means in ``crmsync config schema``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Share = float  # a fraction between 0 and 1, constrained per field below
Days = int


class LifecycleRules(_Section):
    """Lifecycle segments (playbook §2)."""

    evangelist_min_won_deals: int = Field(
        3, ge=1, description="recurring: at least this many won deals"
    )
    evangelist_top_customer_share: Share = Field(
        0.20, gt=0, le=1, description="significant revenue: within this top share of customers"
    )
    evangelist_min_revenue: float | None = Field(
        None, ge=0, description="or at least this much won revenue (either condition is enough)"
    )
    evangelist_min_nps: int = Field(9, ge=0, le=10, description="recommends: NPS at least this")
    evangelist_min_referrals: int = Field(1, ge=0, description="or at least this many referrals")
    dormant_min_days: Days = Field(180, ge=1, description="no purchase for longer than this…")
    dormant_rhythm_factor: float = Field(
        2.0, gt=0, description="…and longer than this times the contact's median purchase interval"
    )


class RfmRules(_Section):
    """Recency, frequency, monetary scores (playbook §3)."""

    scores: int = Field(5, ge=2, le=10, description="score buckets (5 = quintiles)")


class WhaleRules(_Section):
    """Whale customers by Pareto (playbook §3)."""

    revenue_share: Share = Field(0.80, gt=0, le=1)
    max_customer_share: Share = Field(0.20, gt=0, le=1)


class SpendTierRules(_Section):
    tiers: int = Field(3, ge=2, le=10, description="revenue terciles by default")


class EngagementRules(_Section):
    window_days: Days = Field(90, ge=1, description="engaged: opened or clicked within this window")


class FrustrationRules(_Section):
    """Frustration score 0–100 (playbook §3)."""

    alert_threshold: int = Field(70, ge=0, le=100)
    weight_returns: float = Field(0.4, ge=0)
    weight_resolution_hours: float = Field(0.3, ge=0)
    weight_failed_payments: float = Field(0.3, ge=0)


class NpsRules(_Section):
    detractor_max: int = Field(6, ge=0, le=10)
    passive_max: int = Field(8, ge=0, le=10)
    task_due_hours: int = Field(24, ge=1, description="detractor recovery task due within")


class InactivityRules(_Section):
    """Inactivity and the reactivation protocol (playbook §3)."""

    inactive_after_days: Days = Field(180, ge=1)
    value_email_day: Days = 1
    retargeting_day: Days = 7
    sms_day: Days = 14
    final_choice_day: Days = 21
    hibernation_day: Days = 30


class LeadScoreRules(_Section):
    warm_from: int = Field(40, ge=0, le=100)
    hot_from: int = Field(70, ge=0, le=100)


class MicroMomentRules(_Section):
    days_before: Days = Field(
        7, ge=0, description="tag birthdays/anniversaries this many days before"
    )


class EnrichmentRules(_Section):
    overwrite_person_values: bool = Field(
        False, description="let enrichment replace a value a person entered"
    )
    extra_free_email_domains: list[str] = Field(default_factory=list)


class HygieneRules(_Section):
    """Validation, completeness and obsolete records (playbook §4)."""

    default_region: str | None = Field(
        None,
        pattern=r"^[A-Z]{2}$",
        description="phone region when a record has no country (ISO 3166)",
    )
    check_deliverability: bool = Field(False, description="DNS lookups for email domains")
    obsolete_inactive_years: int = Field(3, ge=1)
    review_days_whale: Days = 30
    review_days_recent_customer: Days = 90
    review_days_occasional_customer: Days = 180
    review_days_inactive: Days = 365


class DuplicateRules(_Section):
    """Duplicate detection (playbook §4)."""

    match_threshold: float = Field(
        0.9, gt=0, lt=1, description="match probability to link two records"
    )
    survivor: Literal["oldest", "most_complete", "most_recent_activity"] = "most_complete"
    action: Literal["tag", "merge"] = Field("tag", description="merge needs the CRM's merge API")


class RulesSettings(_Section):
    """All rule settings; every section is optional."""

    lifecycle: LifecycleRules = LifecycleRules()
    rfm: RfmRules = RfmRules()
    whales: WhaleRules = WhaleRules()
    spend_tiers: SpendTierRules = SpendTierRules()
    engagement: EngagementRules = EngagementRules()
    frustration: FrustrationRules = FrustrationRules()
    nps: NpsRules = NpsRules()
    inactivity: InactivityRules = InactivityRules()
    lead_score: LeadScoreRules = LeadScoreRules()
    micro_moments: MicroMomentRules = MicroMomentRules()
    enrichment: EnrichmentRules = EnrichmentRules()
    hygiene: HygieneRules = HygieneRules()
    duplicates: DuplicateRules = DuplicateRules()
