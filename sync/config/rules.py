"""Rule settings, with the playbook's defaults (``../shared/reference/playbook.md``).

Every threshold the rules use lives here, so an admin can change it in YAML and read what it
means in ``crmsync config schema``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    StringConstraints,
    field_validator,
    model_validator,
)

from mapping.model import Company, Contact, field_kinds
from sync.segmentation.syntax import Condition, CustomRule, unique_names


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Share = float  # a fraction between 0 and 1, constrained per field below
Days = int
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
#: euros per unit, the sandbox generator's fixed rates
DEFAULT_FX_RATES = {"EUR": 1.0, "USD": 0.92, "GBP": 1.17, "MXN": 0.05}


class RevenueRules(_Section):
    """Deals as purchases, and revenue in one currency (lifecycle, RFM, whales, spend tiers).

    A won deal is a purchase; its revenue is its amount times its currency's rate. The default
    rates are the sandbox's fixed euro rates: give your own (a rate is how many units of
    ``base_currency`` one unit of the deal's currency is worth)."""

    base_currency: str = Field(
        "EUR", pattern=r"^[A-Z]{3}$", description="revenue is compared in this currency"
    )
    fx_rates: dict[CurrencyCode, PositiveFloat] = Field(
        default_factory=lambda: dict(DEFAULT_FX_RATES),
        description="base-currency units per unit of each deal currency; a deal in a currency "
        "not listed counts no revenue (and is reported), a deal without one is in the base",
    )
    credit: Literal["primary", "all"] = Field(
        "primary",
        description="whose purchase a deal is: its primary contact's (the first associated) "
        "or every associated contact's",
    )

    @model_validator(mode="after")
    def _base_rate_is_one(self) -> RevenueRules:
        if self.fx_rates.get(self.base_currency) != 1:
            raise ValueError(f"fx_rates must give the base currency {self.base_currency} rate 1")
        return self


LeadSignal = Literal["asked_price", "open_deal", "email_click"]


class LifecycleRules(_Section):
    """Lifecycle segments (playbook §2): one per contact, first match wins."""

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
    evangelist_min_referrals: int = Field(
        1, ge=0, description="or at least this many referrals (0: referrals do not count)"
    )
    dormant_min_days: Days = Field(180, ge=1, description="no purchase for longer than this…")
    dormant_rhythm_factor: float = Field(
        2.0, gt=0, description="…and longer than this times the contact's median purchase interval"
    )
    lead_signals: tuple[LeadSignal, ...] = Field(
        ("asked_price",),
        min_length=1,
        description="what shows interest for LEAD (with a valid e-mail): asked_price, "
        "open_deal (a deal in the open stage), email_click",
    )
    write_native_stage: bool = Field(
        False,
        description="also output lifecycle_stage, which the mapping writes to the CRM's own "
        "lifecycle field (its write_values say which native value each segment is)",
    )


class RfmRules(_Section):
    """Recency, frequency, monetary scores over customers (playbook §3)."""

    scores: int = Field(
        5,
        ge=2,
        le=10,
        description="score buckets (5 = quintiles); named groups read the scores on a 1–5 scale",
    )


class WhaleRules(_Section):
    """Whale customers by Pareto (playbook §3)."""

    revenue_share: Share = Field(
        0.80, gt=0, le=1, description="the fewest customers making this share of revenue…"
    )
    max_customer_share: Share = Field(
        0.20, gt=0, le=1, description="…but at most this share of the customers"
    )
    at_risk_task: bool = Field(
        True, description="a health-check call task (once a month) for a whale at risk's owner"
    )
    at_risk_task_due_days: Days = Field(3, ge=1, description="the health-check call due within")


class SpendTierRules(_Section):
    """Spend tiers: customers by won revenue, prospects by open deal amount (playbook §3)."""

    tiers: int = Field(
        3,
        ge=2,
        le=10,
        description="equal-sized tiers: 3 = low/medium/high, 2 = low/high, else tier-1 (lowest)…",
    )


class EngagementRules(_Section):
    window_days: Days = Field(90, ge=1, description="engaged: opened or clicked within this window")


class FrustrationRules(_Section):
    """Frustration score 0–100: a weighted mean of signals, each scaled 0–1 and full at its cap
    (playbook §3)."""

    alert_threshold: int = Field(70, ge=0, le=100, description="alert above this score")
    weight_returns: float = Field(0.4, ge=0, description="weight of product returns")
    weight_resolution_hours: float = Field(
        0.3, ge=0, description="weight of the average ticket resolution time"
    )
    weight_failed_payments: float = Field(0.3, ge=0, description="weight of failed payments")
    returns_at_max: int = Field(3, ge=1, description="this many returns count fully")
    resolution_hours_at_max: float = Field(
        72, gt=0, description="an average ticket resolution time this long counts fully"
    )
    failed_payments_at_max: int = Field(
        3, ge=1, description="this many failed payments count fully"
    )

    @model_validator(mode="after")
    def _some_weight(self) -> FrustrationRules:
        if self.weight_returns + self.weight_resolution_hours + self.weight_failed_payments <= 0:
            raise ValueError("at least one weight must be above 0")
        return self


class NpsRules(_Section):
    """NPS classes and the detractor recovery task (playbook §3)."""

    detractor_max: int = Field(6, ge=0, le=10, description="detractor: 0 to this")
    passive_max: int = Field(8, ge=0, le=10, description="passive: up to this; promoter above")
    task_due_hours: int = Field(24, ge=1, description="detractor recovery task due within")
    task_max_age_days: int | None = Field(
        30,
        ge=0,
        description="no recovery task for answers older than this (null: every answer)",
    )

    @model_validator(mode="after")
    def _ordered(self) -> NpsRules:
        if self.detractor_max >= self.passive_max:
            raise ValueError("detractor_max must be below passive_max")
        return self


class InactivityRules(_Section):
    """Inactivity, the reactivation score and the reactivation protocol (playbook §3)."""

    inactive_after_days: Days = Field(
        180, ge=1, description="inactive: no purchase and no interaction for this long"
    )
    value_email_day: Days = Field(
        1, ge=1, description="protocol: a high-value, non-commercial e-mail from this day"
    )
    retargeting_day: Days = Field(7, description="retargeting in social networks from this day")
    sms_day: Days = Field(
        14, description="an SMS from this day, high-value contacts only (whales, top spend tier)"
    )
    final_choice_day: Days = Field(
        21, description="the final e-mail (keep / fewer / unsubscribe) from this day"
    )
    hibernation_day: Days = Field(
        30, description="hibernation from this day: key yearly campaigns only, never deleted"
    )
    weight_purchases: float = Field(0.4, ge=0, description="reactivation score: purchase count…")
    weight_tenure: float = Field(0.2, ge=0, description="…time as a contact or customer…")
    weight_revenue: float = Field(0.4, ge=0, description="…and revenue, each ranked 0–1")
    tenure_years_at_max: float = Field(5, gt=0, description="this much tenure counts fully")

    @model_validator(mode="after")
    def _ordered(self) -> InactivityRules:
        days = [
            self.value_email_day,
            self.retargeting_day,
            self.sms_day,
            self.final_choice_day,
            self.hibernation_day,
        ]
        if days != sorted(set(days)):
            raise ValueError("the protocol days must increase from value_email_day to hibernation")
        if self.weight_purchases + self.weight_tenure + self.weight_revenue <= 0:
            raise ValueError("at least one weight must be above 0")
        return self


class LeadPoints(_Section):
    """Points a prospect earns per criterion; the score is the share of the points it could."""

    complete_profile: int = Field(15, ge=0, description="name, e-mail, phone, city and country")
    company_data: int = Field(10, ge=0, description="a company and a job title (B2B)")
    ideal_customer: int = Field(15, ge=0, description="meets lead_score.ideal_customer")
    opened_email: int = Field(10, ge=0, description="opened an e-mail")
    clicked_email: int = Field(15, ge=0, description="clicked an e-mail")
    came_by_form: int = Field(10, ge=0, description="source channel 'form'")
    asked_price: int = Field(10, ge=0, description="asked for a price")
    meeting_or_quote: int = Field(
        15, ge=0, description="booked a meeting or received a quote (or a deal at those stages)"
    )


class LeadScoreRules(_Section):
    """Lead score 0–100 for prospects, shown as cold / warm / hot (playbook §3)."""

    warm_from: int = Field(40, ge=0, le=100, description="warm from this score")
    hot_from: int = Field(70, ge=0, le=100, description="hot from this score")
    points: LeadPoints = Field(LeadPoints(), description="points per criterion")
    ideal_customer: Condition | None = Field(
        None,
        description="your ideal customer, in the custom rules' condition language; without it "
        "the criterion is left out of the score",
    )

    @model_validator(mode="after")
    def _ordered(self) -> LeadScoreRules:
        if self.warm_from >= self.hot_from:
            raise ValueError("warm_from must be below hot_from")
        return self


class MicroMomentRules(_Section):
    days_before: Days = Field(
        7, ge=0, description="tag birthdays/anniversaries this many days before"
    )


class EnrichmentRules(_Section):
    """Enrichment (playbook §4): fills empty fields, never replaces what a person entered
    unless ``overwrite_person_values``."""

    overwrite_person_values: bool = Field(
        False, description="let enrichment replace a value a person entered"
    )
    extra_free_email_domains: list[str] = Field(
        default_factory=list, description="more domains that never name a company"
    )
    company_domain: bool = Field(True, description="company domain from work e-mail domains")
    country_from_phone: bool = Field(True, description="country from an international prefix")
    generation: bool = Field(True, description="generation from the birth date")
    company_fields: dict[str, str] = Field(
        default_factory=lambda: {"company_name": "name"},
        description="contact field <- field of its associated company, copied when empty",
    )

    @field_validator("company_fields")
    @classmethod
    def _same_kinds(cls, pairs: dict[str, str]) -> dict[str, str]:
        contact, company = field_kinds(Contact), field_kinds(Company)
        for mine, theirs in pairs.items():
            if mine not in contact:
                raise ValueError(f"contact has no field {mine!r}")
            if theirs not in company:
                raise ValueError(f"company has no field {theirs!r}")
            if contact[mine] != company[theirs]:
                raise ValueError(
                    f"{mine} is {contact[mine]} but company {theirs} is {company[theirs]}"
                )
        return pairs


class CrossSellRules(_Section):
    """Cross-sell from the customer–product matrix of each segment (playbook §3)."""

    segment_by: Literal["lifecycle", "spend_tier", "rfm_group", "industry"] = Field(
        "lifecycle", description="which segments the matrix is built per"
    )
    max_suggestions: int = Field(3, ge=1, le=20, description="products suggested per customer")
    min_buyer_share: Share = Field(
        0.05, ge=0, le=1, description="suggest only products this share of the segment bought"
    )


class HygieneRules(_Section):
    """Validation, completeness, review priority and obsolete records (playbook §4).

    Field lists name common-model fields; ``a|b`` means either will do (``phone|mobile``).
    Value tiers come from the base itself until segmentation's are shared: whales by Pareto
    on won revenue (``whales`` settings), recent customers by their last won deal, inactive
    contacts by their last purchase or interaction."""

    default_region: str | None = Field(
        None,
        pattern=r"^[A-Z]{2}$",
        description="phone region when a record has no country (ISO 3166)",
    )
    check_deliverability: bool = Field(
        False, description="DNS lookups for email domains (slow, needs the network)"
    )
    known_email_domains: list[str] = Field(
        default_factory=list,
        description="mail domains besides the well-known ones that typos are compared against",
    )
    country_style: Literal["alpha_2", "name"] = Field(
        "alpha_2", description="write countries as ISO 3166 codes (ES) or English names (Spain)"
    )
    critical_fields: list[str] = Field(
        default_factory=lambda: ["first_name", "last_name", "email", "phone|mobile", "country"],
        description="a record is complete when it has all of these (audit's % complete)",
    )
    whale_fields: list[str] = Field(
        default_factory=lambda: [
            "first_name",
            "last_name",
            "email",
            "phone|mobile",
            "street",
            "city",
            "zip",
            "country",
            "birth_date",
            "job_title",
            "company_name",
            "reward_preference",
            "marketing_consent",
        ],
        description="whales: 100% of the profile",
    )
    recent_customer_fields: list[str] = Field(
        default_factory=lambda: [
            "first_name",
            "last_name",
            "email",
            "phone|mobile",
            "reward_preference",
            "marketing_consent",
        ],
        description="recent customers: contact data and preferences",
    )
    occasional_customer_fields: list[str] = Field(
        default_factory=lambda: ["first_name", "last_name", "email|phone|mobile"],
        description="occasional customers: basic data",
    )
    inactive_fields: list[str] = Field(
        default_factory=lambda: ["email"], description="inactive 12+ months: a valid email"
    )
    prospect_fields: list[str] = Field(
        default_factory=lambda: ["first_name", "last_name", "email|phone|mobile"],
        description="contacts who never bought: basic data",
    )
    recent_customer_days: Days = Field(
        180, ge=1, description="a recent customer's last won deal is at most this old"
    )
    inactive_after_days: Days = Field(
        365, ge=1, description="inactive: no purchase and no interaction for this long"
    )
    obsolete_inactive_years: int = Field(
        3, ge=1, description="obsolete: no purchase, interaction or creation for this long"
    )
    review_days_whale: Days = Field(30, ge=1, description="review whales this often")
    review_days_recent_customer: Days = Field(90, ge=1, description="…recent customers")
    review_days_occasional_customer: Days = Field(180, ge=1, description="…other customers")
    review_days_inactive: Days = Field(365, ge=1, description="…inactive contacts")
    review_days_prospect: Days = Field(180, ge=1, description="…contacts who never bought")


class DuplicateRules(_Section):
    """Duplicate detection, survivor choice and survivorship (playbook §4)."""

    match_threshold: float = Field(
        0.9, gt=0, lt=1, description="match probability to link two records"
    )
    survivor: Literal["oldest", "most_complete", "most_recent_activity"] = Field(
        "oldest",
        description="which record of a cluster survives (ties: the others). 'oldest' never "
        "changes its mind; the other two may pick another survivor as records are completed "
        "or touched, which rewrites duplicate_of",
    )
    action: Literal["tag", "merge"] = Field(
        "tag",
        description="tag: duplicate_of + a tag; merge: also a merge plan for the CRM's merge API",
    )
    tag: str = Field("duplicate", min_length=1, description="tag on every non-survivor")
    identifier_fields: list[str] = Field(
        default_factory=list,
        description="custom fields that identify a person (tax id, customer number)",
    )
    field_rules: dict[str, Literal["survivor", "most_recent", "longest", "union", "any_true"]] = (
        Field(
            default_factory=dict,
            description="per field, the value a merge keeps (default: the survivor's, gaps "
            "filled; tags unioned; any opt-out or bounce kept)",
        )
    )
    companies: bool = Field(True, description="also find duplicate companies")


class RulesSettings(_Section):
    """All rule settings; every section is optional."""

    revenue: RevenueRules = RevenueRules()
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
    cross_sell: CrossSellRules = CrossSellRules()
    custom: Annotated[list[CustomRule], AfterValidator(unique_names)] = Field(
        default_factory=list,
        description="your own rules: a tag or field value for the contacts meeting a condition",
    )
    hygiene: HygieneRules = HygieneRules()
    duplicates: DuplicateRules = DuplicateRules()
