"""Every output the segmentation and enrichment rules produce, by name, with what it means.

Field outputs that are not common-model fields go to fields crmsync owns (see
:mod:`sync.writeback`); tags are written in crmsync's namespace (``crmsync:lead``). Zoho
limits a tag to 25 characters, the ``crmsync:`` prefix included, so no tag here is longer
than :data:`TAG_MAX_LENGTH`.
"""

from __future__ import annotations

from typing import Final

#: Zoho's tag limit (25) minus the default namespace prefix ``crmsync:``.
TAG_MAX_LENGTH: Final = 25 - len("crmsync:")

# --- field outputs on contacts ---------------------------------------------------------------
SEGMENT: Final = "segment"
LIFECYCLE_STAGE: Final = "lifecycle_stage"  # the common field the mapping writes natively
MARKETING_EXCLUDED: Final = "marketing_excluded"
RFM_SCORE: Final = "rfm_score"
RFM_GROUP: Final = "rfm_group"
SPEND_TIER: Final = "spend_tier"
GENERATION: Final = "generation"
LAST_INTERACTION_DATE: Final = "last_interaction_date"
PREFERRED_CHANNEL: Final = "preferred_channel"
FRUSTRATION_SCORE: Final = "frustration_score"
NPS_CLASS: Final = "nps_class"
REACTIVATION_STAGE: Final = "reactivation_stage"
REACTIVATION_SCORE: Final = "reactivation_score"
LEAD_SCORE: Final = "lead_score"
LEAD_RANK: Final = "lead_rank"
NEXT_BIRTHDAY: Final = "next_birthday"
NEXT_PURCHASE_ANNIVERSARY: Final = "next_purchase_anniversary"
CROSS_SELL: Final = "cross_sell"
COMPANY_DOMAIN: Final = "company_domain"

#: field output -> (value type, meaning)
FIELD_OUTPUTS: Final[dict[str, tuple[str, str]]] = {
    SEGMENT: ("text", "lifecycle segment, e.g. CUSTOMER_DORMANT"),
    LIFECYCLE_STAGE: ("text", "the segment again, for the CRM's own lifecycle field (optional)"),
    MARKETING_EXCLUDED: ("bool", "True for NOT_QUALIFIED contacts"),
    RFM_SCORE: ("text", "recency, frequency and monetary scores, e.g. '545'"),
    RFM_GROUP: ("text", "named RFM group, e.g. 'Champions'"),
    SPEND_TIER: ("text", "low / medium / high by revenue (customers) or open deals (prospects)"),
    GENERATION: ("text", "generation from the birth year, e.g. 'Millennials'"),
    LAST_INTERACTION_DATE: ("date", "latest of last interaction, e-mail open and click"),
    PREFERRED_CHANNEL: ("text", "most frequent channel of the contact and its deals"),
    FRUSTRATION_SCORE: ("int", "0–100 from returns, ticket resolution time, failed payments"),
    NPS_CLASS: ("text", "detractor / passive / promoter"),
    REACTIVATION_STAGE: ("text", "value_email / retargeting / sms / final_choice / hibernation"),
    REACTIVATION_SCORE: ("int", "0–100 from purchase history, tenure and revenue"),
    LEAD_SCORE: ("int", "0–100 from fit and interactions"),
    LEAD_RANK: ("text", "cold / warm / hot"),
    NEXT_BIRTHDAY: ("date", "next birthday on or after today"),
    NEXT_PURCHASE_ANNIVERSARY: ("date", "next anniversary of the first purchase"),
    CROSS_SELL: ("text", "products its segment buys most and it has not, '; '-separated"),
    COMPANY_DOMAIN: ("text", "work e-mail domain of a contact without a company"),
}

# --- tags ------------------------------------------------------------------------------------
WHALE: Final = "whale"
WHALE_AT_RISK: Final = "whale-at-risk"
ENGAGED: Final = "engaged"
FRUSTRATION_ALERT: Final = "frustration-alert"
INACTIVE: Final = "inactive"
HIBERNATION: Final = "hibernation"
BIRTHDAY_SOON: Final = "birthday-soon"
ANNIVERSARY_SOON: Final = "anniversary-soon"

#: lifecycle segment -> its tag. Lower case with '-' for '_', except CUSTOMER_EVANGELIST:
#: ``customer-evangelist`` would pass Zoho's limit, so it is ``evangelist``.
SEGMENT_TAGS: Final[dict[str, str]] = {
    "NOT_QUALIFIED": "not-qualified",
    "CUSTOMER_RETIRED": "customer-retired",
    "CUSTOMER_EVANGELIST": "evangelist",
    "CUSTOMER_DORMANT": "customer-dormant",
    "CUSTOMER": "customer",
    "QUALIFIED": "qualified",
    "LEAD": "lead",
    "COLD_CONTACT": "cold-contact",
}

#: tag -> meaning
TAGS: Final[dict[str, str]] = {
    **{tag: f"lifecycle segment {segment}" for segment, tag in SEGMENT_TAGS.items()},
    WHALE: "among the fewest customers making 80% of revenue (at most the top 20%)",
    WHALE_AT_RISK: "a whale whose frustration score is above the alert threshold",
    ENGAGED: "opened or clicked an e-mail within the engagement window",
    FRUSTRATION_ALERT: "frustration score above the alert threshold",
    INACTIVE: "no purchase and no interaction for six months",
    HIBERNATION: "inactive for 30+ days of the reactivation protocol: key campaigns only",
    BIRTHDAY_SOON: "birthday within the next week",
    ANNIVERSARY_SOON: "purchase anniversary within the next week",
}

# --- tasks and findings ----------------------------------------------------------------------
#: task keys start with these (the rest makes the key unique per trigger)
NPS_DETRACTOR_TASK: Final = "nps-detractor"
WHALE_AT_RISK_TASK: Final = "whale-at-risk"
#: findings (audit only, never written)
DISQUALIFIED_WITHOUT_REASON: Final = "disqualified_without_reason"
UNKNOWN_CURRENCY: Final = "unknown_currency"
