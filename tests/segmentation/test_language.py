"""The admin's own rules in YAML: conditions from all / any / not, typed field comparisons,
relative dates, counts over deals and other rules' outputs; explained outputs; conflicts with
other rules reported; and clear, located errors in the config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mapping.model import Contact, Deal
from mapping.yamlsource import ProblemsError
from sync.config import parse_config
from sync.rules.base import RuleRun
from tests.segmentation.builders import (
    contact,
    days_ago,
    deal,
    find,
    moment,
    run,
    settings,
    tags,
    value,
    won,
)


def custom(when: Any, **rule: Any) -> Any:
    spec = {"name": "probe", "tag": "hit", "when": when, **rule}
    if "field" in rule:
        del spec["tag"]
    return settings(custom=[spec])


def check(when: Any, record: Contact, deals: list[Deal] | None = None) -> bool:
    result = run("custom", [record], deals or [], rules=custom(when))
    return "hit" in tags(result, record.id)


# --- comparisons -----------------------------------------------------------------------------
CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    ("text eq ignores case", {"country": {"eq": "es"}}, {"country": "ES"}, True),
    ("text eq", {"country": {"eq": "ES"}}, {"country": "FR"}, False),
    ("text ne", {"country": {"ne": "ES"}}, {"country": "FR"}, True),
    ("text in", {"country": {"in": ["ES", "España"]}}, {"country": "españa"}, True),
    ("text contains", {"job_title": {"contains": "manager"}}, {"job_title": "IT Manager"}, True),
    ("text matches", {"email": {"matches": r"@acme\.(es|com)$"}}, {"email": "a@acme.com"}, True),
    ("text matches as written", {"email": {"matches": "^ANA"}}, {"email": "ana@acme.es"}, False),
    ("number gte", {"nps_score": {"gte": 9}}, {"nps_score": 9}, True),
    ("number gt", {"nps_score": {"gt": 9}}, {"nps_score": 9}, False),
    ("number range", {"nps_score": {"gte": 7, "lte": 8}}, {"nps_score": 8}, True),
    ("number in", {"nps_score": {"in": [0, 1, 2]}}, {"nps_score": 1}, True),
    ("float lt", {"avg_resolution_hours": {"lt": 24}}, {"avg_resolution_hours": 23.5}, True),
    ("bool eq", {"asked_price": {"eq": True}}, {"asked_price": True}, True),
    ("bool ne", {"asked_price": {"ne": True}}, {"asked_price": False}, True),
    ("exists", {"email": {"exists": True}}, {"email": "a@acme.es"}, True),
    ("not exists", {"email": {"exists": False}}, {}, True),
    ("a blank passes no comparison", {"country": {"ne": "ES"}}, {}, False),
    ("date lt", {"birth_date": {"lt": "1980-01-01"}}, {"birth_date": "1979-12-31"}, True),
    ("date-time by its date", {"created_at": {"eq": "2026-10-01"}},
     {"created_at": "2026-10-01T18:30:00Z"}, True),
    ("older than", {"last_interaction_at": {"older_than": "180d"}},
     {"last_interaction_at": moment(241)}, True),
    ("not older than", {"last_interaction_at": {"older_than": "180d"}},
     {"last_interaction_at": moment(100)}, False),
    ("within", {"last_open_at": {"within": "1w"}}, {"last_open_at": moment(3)}, True),
    ("not within", {"last_open_at": {"within": "7d"}}, {"last_open_at": moment(8)}, False),
    ("within hours", {"last_click_at": {"within": "36h"}},
     {"last_click_at": moment(1)}, True),
    ("a date within", {"nps_date": {"within": "30d"}}, {"nps_date": days_ago(29)}, True),
    ("set contains ignores case", {"tags": {"contains": "vip"}}, {"tags": ["VIP", "x"]}, True),
    ("set in: any of", {"tags": {"in": ["partner", "vip"]}}, {"tags": ["vip"]}, True),
    ("empty set does not exist", {"tags": {"exists": False}}, {}, True),
    ("custom field", {"custom.loyalty": {"eq": "gold"}}, {"custom": {"loyalty": "Gold"}}, True),
    ("custom number", {"custom.visits": {"gt": 3}}, {"custom": {"visits": 5}}, True),
    ("custom of another kind", {"custom.visits": {"gt": 3}}, {"custom": {"visits": "x"}}, False),
    ("custom multi-value contains", {"custom.hobbies": {"contains": "golf"}},
     {"custom": {"hobbies": frozenset({"Golf", "Tennis"})}}, True),
    ("custom multi-value in", {"custom.hobbies": {"in": ["chess", "tennis"]}},
     {"custom": {"hobbies": frozenset({"Golf", "Tennis"})}}, True),
]  # fmt: skip


@pytest.mark.parametrize(("when", "values", "holds"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_comparisons(when: dict[str, Any], values: dict[str, Any], holds: bool) -> None:
    assert check(when, contact("c1", **values)) is holds


def test_several_fields_in_one_mapping_must_all_hold() -> None:
    when = {"country": {"eq": "ES"}, "asked_price": {"eq": True}}
    assert check(when, contact("c1", country="ES", asked_price=True))
    assert not check(when, contact("c1", country="ES"))


# --- logic and deals -------------------------------------------------------------------------
def test_all_any_not() -> None:
    when = {
        "all": [
            {"any": [{"country": {"eq": "ES"}}, {"country": {"eq": "PT"}}]},
            {"not": {"unsubscribed": {"eq": True}}},
        ]
    }
    assert check(when, contact("c1", country="PT"))
    assert not check(when, contact("c1", country="PT", unsubscribed=True))
    assert not check(when, contact("c1", country="FR"))


RECENT_WINS = {
    "deals": {
        "where": {"stage": {"eq": "won"}, "close_date": {"within": "365d"}},
        "count": {"gte": 2},
    }
}


def test_counts_over_associated_deals() -> None:
    deals = [won("c1", 10), won("c1", 300), won("c1", 400), deal("c1", "open")]
    assert check(RECENT_WINS, contact("c1"), deals)
    assert not check(RECENT_WINS, contact("c1"), deals[1:])
    # every contact of a deal counts it as one of its deals
    assert check(RECENT_WINS, contact("c1"), [won(["boss", "c1"], 5), won(["boss", "c1"], 6)])
    none = {"deals": {"count": {"eq": 0}}}
    assert check(none, contact("c1"))
    big = {"deals": {"where": {"any": [{"amount": {"gte": 1000}}]}, "count": {"gte": 1}}}
    assert check(big, contact("c1"), [won("c1", 5, amount=1_500)])


def test_conditions_read_other_rules_outputs() -> None:
    when = {"output.segment": {"eq": "CUSTOMER_DORMANT"}, "output.tags": {"contains": "whale"}}
    contacts = [contact("big"), contact("small")] + [contact(f"c{i}") for i in range(4)]
    deals = [won("big", 400, amount=10_000), won("small", 400, amount=10)]
    deals += [won(f"c{i}", 10) for i in range(4)]
    result = run(["lifecycle", "whales", "custom"], contacts, deals, rules=custom(when))
    assert [o.record_id for o in find(result, "big", "tag", "hit")] == ["big"]
    assert find(result, "small", "tag", "hit") == []
    # the built-in rules' outputs are there even when only the custom rules run
    alone = run("custom", contacts, deals, rules=custom(when))
    assert [o.record_id for o in alone.outputs] == ["big"]


# --- outputs and reasons ---------------------------------------------------------------------
def test_outputs_carry_the_rule_name_and_why() -> None:
    when = {"all": [{"last_interaction_at": {"older_than": "180d"}}, RECENT_WINS,
                    {"not": {"country": {"in": ["FR", "DE"]}}}]}  # fmt: skip
    record = contact("c1", last_interaction_at=moment(241))
    rules = custom(when, description="Quiet buyer")
    result = run("custom", [record], [won("c1", 10), won("c1", 20)], rules=rules)
    [output] = result.outputs
    assert output.rule == "custom:probe"
    assert output.reason == (
        "Quiet buyer: last_interaction_at 2026-03-05 (241 days ago) older than 180d; "
        "2 deals (stage = won and close_date within 365d) >= 2; "
        "not country in [FR, DE]"
    )


def test_a_field_output() -> None:
    rules = custom({"nps_score": {"lte": 6}}, field={"name": "priority", "value": "high"})
    result = run("custom", [contact("c1", nps_score=2), contact("c2", nps_score=9)], rules=rules)
    assert value(result, "c1", "priority") == "high"
    assert find(result, "c1", "field")[0].reason == "nps_score 2 <= 6"
    assert value(result, "c2", "priority") is None


def test_setting_a_field_another_rule_sets_differently_is_a_conflict() -> None:
    rules = custom({"asked_price": {"eq": True}}, field={"name": "segment", "value": "VIP"})
    result: RuleRun = run(["lifecycle", "custom"], [contact("c1", asked_price=True)], rules=rules)
    assert [str(c) for c in result.conflicts] == [
        "contact c1.segment: custom:probe wants 'VIP', lifecycle wants 'COLD_CONTACT'"
    ]


def test_user_text_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    code = f"__import__('os').system('touch {marker}')"
    assert not check({"first_name": {"eq": code}}, contact("c1", first_name="Ana"))
    assert check({"first_name": {"eq": code}}, contact("c1", first_name=code))
    assert not marker.exists()


# --- config errors ---------------------------------------------------------------------------
HUBSPOT = "crm:\n  kind: hubspot\n  auth:\n    mode: private_app\n    token: ${HS_TOKEN}\n"


def problems(rules_yaml: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ProblemsError) as raised:
        parse_config(HUBSPOT + rules_yaml, "crmsync.yaml", {"HS_TOKEN": "t"})
    return [(p.line, p.path, p.message) for p in raised.value.problems]


def one_rule(when: str, output: str = "tag: vip") -> str:
    return f"rules:\n  custom:\n    - name: vip\n      {output}\n      when:\n{when}"


ERRORS: list[tuple[str, str, list[tuple[int, str, str]]]] = [
    (
        "unknown field",
        one_rule("        countryy: {eq: ES}\n"),
        [(11, "rules.custom[0].when.countryy", "unknown key 'countryy' (did you mean 'country'?)")],
    ),
    (
        "operator of another kind",
        one_rule("        all:\n          - email: {gt: 3}\n"),
        [(12, "rules.custom[0].when.all[0].email",
          "'gt' does not apply to text; use eq, ne, in, contains, matches, exists")],
    ),
    (
        "not a number",
        one_rule("        nps_score: {gte: high}\n"),
        [(11, "rules.custom[0].when.nps_score.gte", "valid number")],
    ),
    (
        "bad regular expression",
        one_rule("        email: {matches: '[a-z'}\n"),
        [(11, "rules.custom[0].when.email.matches",
          "invalid regular expression '[a-z': unterminated character set at position 0")],
    ),
    (
        "bad duration",
        one_rule("        last_open_at: {within: 6 months}\n"),
        [(11, "rules.custom[0].when.last_open_at.within",
          "a duration is a whole number and a unit: 36h, 180d or 12w")],
    ),
    (
        "logic mixed with fields",
        one_rule("        any: [{country: {eq: ES}}]\n        city: {eq: Madrid}\n"),
        [(10, "rules.custom[0].when", "all, any, not and deals stand alone")],
    ),
    (
        "empty all",
        one_rule("        all: []\n"),
        [(11, "rules.custom[0].when.all", "at least 1 item")],
    ),
    (
        "condition not a mapping",
        one_rule("        not: [country]\n"),
        [(11, "rules.custom[0].when.not", "a condition is {all: [...]}")],
    ),
    (
        "test not a mapping",
        one_rule("        country: ES\n"),
        [(11, "rules.custom[0].when.country", "a test maps operators to values")],
    ),
    (
        "unknown output",
        one_rule("        output.segmnt: {eq: LEAD}\n"),
        [(11, "rules.custom[0].when.output.segmnt",
          "unknown key 'output.segmnt' (did you mean 'output.segment'?)")],
    ),
    (
        "bad custom field name",
        one_rule("        custom.loyalty-tier: {eq: gold}\n"),
        [(11, "rules.custom[0].when.custom.loyalty-tier",
          "custom fields are written custom.<name>")],
    ),
    (
        "count without a comparison",
        one_rule("        deals: {count: {}}\n"),
        [(11, "rules.custom[0].when.deals.count", "give a comparison, e.g. {gte: 3}")],
    ),
    (
        "deal field unknown",
        one_rule("        deals: {where: {stagee: {eq: won}}, count: {gte: 1}}\n"),
        [(11, "rules.custom[0].when.deals.where.stagee", "unknown key 'stagee'")],
    ),
    (
        "two outputs",
        one_rule("        country: {eq: ES}\n", "tag: vip\n      field: {name: tier, value: 1}"),
        [(8, "rules.custom[0]", "give exactly one output: tag or field")],
    ),
    (
        "tag too long for Zoho",
        one_rule("        country: {eq: ES}\n", "tag: very-important-customer"),
        [(9, "rules.custom[0].tag",
          "a tag has at most 17 characters: Zoho allows 25 with the 'crmsync:' prefix")],
    ),
    (
        "tag with spaces",
        one_rule("        country: {eq: ES}\n", "tag: Very Important"),
        [(9, "rules.custom[0].tag", "a tag is lower-case letters and digits")],
    ),
    (
        "two rules with one name",
        "rules:\n  custom:\n"
        "    - {name: vip, tag: a, when: {country: {eq: ES}}}\n"
        "    - {name: vip, tag: b, when: {country: {eq: PT}}}\n",
        [(7, "rules.custom", "two custom rules are named 'vip'")],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_config_errors(text: str, expected: list[tuple[int, str, str]]) -> None:
    found = problems(text)
    assert len(found) == len(expected), found
    for (line, path, message), (want_line, want_path, want) in zip(found, expected, strict=True):
        assert (line, path) == (want_line, want_path)
        assert want in message


def test_a_valid_rule_loads_from_the_config_and_runs() -> None:
    text = HUBSPOT + (
        "rules:\n  custom:\n    - name: spain-vip\n      tag: vip-es\n      when:\n"
        "        all:\n          - country: {in: [ES, España]}\n"
        "          - deals: {where: {stage: {eq: won}}, count: {gte: 1}}\n"
    )
    loaded = parse_config(text, "crmsync.yaml", {"HS_TOKEN": "t"})
    result = run("custom", [contact("c1", country="España")], [won("c1", 3)],
                 rules=loaded.config.rules)  # fmt: skip
    assert tags(result, "c1") == {"vip-es"}
