"""The segmentation settings: every one documented, defaults as the playbook says, and
contradictory values refused with the line they are on."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from mapping.yamlsource import ProblemsError
from sync.config import parse_config
from sync.config import rules as sections
from sync.config.rules import RulesSettings

MINE = [
    sections.RevenueRules, sections.LifecycleRules, sections.RfmRules, sections.WhaleRules,
    sections.SpendTierRules, sections.EngagementRules, sections.FrustrationRules,
    sections.NpsRules, sections.InactivityRules, sections.LeadPoints, sections.LeadScoreRules,
    sections.MicroMomentRules, sections.EnrichmentRules, sections.CrossSellRules,
]  # fmt: skip
HUBSPOT = "crm:\n  kind: hubspot\n  auth:\n    mode: private_app\n    token: ${HS_TOKEN}\n"


@pytest.mark.parametrize("section", MINE, ids=lambda s: s.__name__)
def test_every_setting_is_documented(section: type[BaseModel]) -> None:
    assert [name for name, f in section.model_fields.items() if not f.description] == []


def test_defaults_are_the_playbooks() -> None:
    rules = RulesSettings()
    assert rules.revenue.fx_rates == {"EUR": 1.0, "USD": 0.92, "GBP": 1.17, "MXN": 0.05}
    assert rules.lifecycle.dormant_min_days == 180
    assert rules.inactivity.hibernation_day == 30
    assert rules.nps.task_due_hours == 24
    assert rules.custom == []


@pytest.mark.parametrize(
    ("text", "line", "path", "message"),
    [
        ("rules:\n  nps:\n    detractor_max: 8\n    passive_max: 7\n", 7, "rules.nps",
         "detractor_max must be below passive_max"),
        ("rules:\n  revenue:\n    base_currency: USD\n", 7, "rules.revenue",
         "fx_rates must give the base currency USD rate 1"),
        ("rules:\n  revenue:\n    fx_rates: {EUR: 1, usd: 0.9}\n", 8, "rules.revenue.fx_rates.usd",
         "should match pattern"),
        ("rules:\n  inactivity:\n    sms_day: 30\n", 7, "rules.inactivity",
         "the protocol days must increase"),
        ("rules:\n  lead_score:\n    warm_from: 80\n", 7, "rules.lead_score",
         "warm_from must be below hot_from"),
        ("rules:\n  frustration:\n    weight_returns: 0\n    weight_resolution_hours: 0\n"
         "    weight_failed_payments: 0\n", 7, "rules.frustration", "at least one weight"),
        ("rules:\n  enrichment:\n    company_fields: {company_name: nmae}\n", 8,
         "rules.enrichment.company_fields", "company has no field 'nmae'"),
        ("rules:\n  enrichment:\n    company_fields: {city: employees}\n", 8,
         "rules.enrichment.company_fields", "city is string but company employees is int"),
        ("rules:\n  lifecycle:\n    lead_signals: [asked_price, liked_a_post]\n", 8,
         "rules.lifecycle.lead_signals[1]", "got 'liked_a_post'"),
        ("rules:\n  cross_sell:\n    segment_by: country\n", 8, "rules.cross_sell.segment_by",
         "got 'country'"),
    ],
    ids=[
        "nps classes overlap", "no base currency rate", "currency code",
        "protocol days out of order", "warm above hot", "no frustration weight",
        "unknown company field", "field kinds differ", "unknown lead signal",
        "unknown segment kind",
    ],
)  # fmt: skip
def test_contradictions_are_refused_where_they_are(
    text: str, line: int, path: str, message: str
) -> None:
    with pytest.raises(ProblemsError) as raised:
        parse_config(HUBSPOT + text, "crmsync.yaml", {"HS_TOKEN": "t"})
    [problem] = raised.value.problems
    assert (problem.line, problem.path) == (line, path)
    assert message in problem.message
