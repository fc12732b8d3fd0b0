"""Value segments (playbook §3): RFM scores and named groups, whales by Pareto and whales at
risk, spend tiers, and revenue compared in one currency."""

from __future__ import annotations

import itertools

import pytest

from sync.rules.base import CustomerBase, RuleContext
from sync.rules.revenue import won_revenue
from sync.segmentation.facts import histories
from sync.segmentation.scores import rfm_group
from tests.segmentation.builders import (
    NOW,
    contact,
    deal,
    find,
    purchases,
    run,
    settings,
    tags,
    value,
    won,
)

PLAYBOOK_GROUPS = {
    "Champions", "Loyal", "Potential loyalist", "New", "Promising", "Needs attention",
    "About to sleep", "At risk", "Can't lose them", "Hibernating", "Lost",
}  # fmt: skip


# --- RFM -------------------------------------------------------------------------------------
def test_every_score_has_one_of_the_playbooks_groups_and_every_group_is_used() -> None:
    groups = {rfm_group(r, f, m) for r, f, m in itertools.product(range(1, 6), repeat=3)}
    assert groups == PLAYBOOK_GROUPS


@pytest.mark.parametrize(
    ("scores", "group"),
    [
        ((5, 5, 5), "Champions"),
        ((4, 4, 4), "Loyal"),
        ((5, 3, 3), "Potential loyalist"),
        ((5, 1, 1), "New"),
        ((4, 1, 1), "Promising"),
        ((3, 3, 3), "Needs attention"),
        ((3, 2, 1), "About to sleep"),
        ((2, 4, 3), "At risk"),
        ((1, 5, 5), "Can't lose them"),
        ((2, 1, 1), "Hibernating"),
        ((1, 1, 2), "Lost"),
    ],
)
def test_named_groups(scores: tuple[int, int, int], group: str) -> None:
    assert rfm_group(*scores) == group


def test_rfm_ranks_customers_by_quintile() -> None:
    # c0 bought once long ago for little … c4 bought often, lately, for much
    deals = []
    for i in range(5):
        deals += [won(f"c{i}", 400 - 90 * i - n, amount=100 * (i + 1)) for n in range(i + 1)]
    contacts = [contact(f"c{i}") for i in range(5)] + [contact("prospect")]
    result = run("rfm", contacts, deals)
    assert value(result, "c4", "rfm_score") == "555"
    assert value(result, "c4", "rfm_group") == "Champions"
    assert value(result, "c0", "rfm_score") == "111"
    assert value(result, "c0", "rfm_group") == "Lost"
    assert value(result, "prospect", "rfm_score") is None
    reason = find(result, "c4", "field", "rfm_score")[0].reason
    assert reason == "last purchase 36 days ago (R5), 5 purchases (F5), 2,500 EUR (M5) -> Champions"


def test_equal_values_share_a_score() -> None:
    deals = [won(f"c{i}", 30, amount=100) for i in range(10)]
    result = run("rfm", [contact(f"c{i}") for i in range(10)], deals)
    assert {value(result, f"c{i}", "rfm_score") for i in range(10)} == {"333"}


def test_the_number_of_buckets_is_configurable() -> None:
    deals = [won(f"c{i}", 10 + i, amount=100 * i) for i in range(9)]
    result = run(
        "rfm", [contact(f"c{i}") for i in range(9)], deals, rules=settings(rfm={"scores": 3})
    )
    scores = [value(result, f"c{i}", "rfm_score") for i in range(9)]
    assert scores == ["321"] * 3 + ["222"] * 3 + ["123"] * 3  # (equal frequencies: F2)
    assert value(result, "c8", "rfm_group") == "At risk"  # 1, 2, 3 read on 1–5 as 2, 4, 5


# --- whales ----------------------------------------------------------------------------------
REVENUES = [1000, 500, 200, 100, 100, 50, 25, 15, 5, 5]  # 2,000 in all


def whales_of(rules: object = None) -> set[str]:
    deals = [won(f"c{i}", 10, amount=amount) for i, amount in enumerate(REVENUES)]
    contacts = [contact(f"c{i}") for i in range(len(REVENUES))]
    result = run("whales", contacts, deals, rules=rules)  # type: ignore[arg-type]
    return {o.record_id for o in result.outputs if o.name == "whale"}


def test_whales_are_capped_at_the_top_20_percent() -> None:
    assert whales_of() == {"c0", "c1"}  # 3 customers make 80%, but only 2 fit in 20%


def test_whales_are_the_fewest_customers_making_80_percent() -> None:
    assert whales_of(settings(whales={"max_customer_share": 0.5})) == {"c0", "c1", "c2"}


def test_revenue_is_compared_in_the_base_currency() -> None:
    deals = [
        won("mx", 10, amount=20_000, currency="MXN"),  # 1,000 EUR at the default rate
        won("es", 10, amount=1_500, currency="EUR"),
        *[won(f"small{i}", 10, amount=10) for i in range(8)],
    ]
    contacts = [contact(c) for c in {cid for d in deals for cid in d.contact_ids}]
    result = run("whales", contacts, deals)
    assert {o.record_id for o in result.outputs} == {"es", "mx"}
    rates = settings(revenue={"fx_rates": {"EUR": 1, "MXN": 0.01}})
    result = run("whales", contacts, deals, rules=rates)
    assert {o.record_id for o in result.outputs} == {"es"}


def test_a_frustrated_whale_is_at_risk_and_its_owner_gets_a_monthly_call() -> None:
    angry = {"returns": 3, "failed_payments": 3, "avg_resolution_hours": 80, "owner_id": "ow-1"}
    contacts = [contact("big", **angry), contact("small", **angry)]
    contacts += [contact(f"c{i}") for i in range(8)]
    deals = [won("big", 10, amount=10_000), won("small", 10, amount=10)]
    deals += [won(f"c{i}", 10, amount=100) for i in range(8)]
    result = run("whales", contacts, deals)
    assert tags(result, "big") == {"whale", "whale-at-risk"}
    assert tags(result, "small") == set()
    [task] = find(result, "big", "task")
    assert task.name == "whale-at-risk:big:2026-11"
    assert task.value.owner_id == "ow-1"
    assert "frustration score 100 > 70" in task.reason


# --- spend tiers -----------------------------------------------------------------------------
def test_spend_tiers_split_customers_and_prospects_separately() -> None:
    deals = [won(f"c{i}", 10, amount=100 * (i + 1)) for i in range(9)]
    deals += [deal(f"p{i}", "open", amount=10 * (i + 1)) for i in range(3)]
    deals += [deal("lost", "lost", amount=1_000_000)]
    contacts = [contact(cid) for cid in sorted({c for d in deals for c in d.contact_ids})]
    result = run("spend_tier", contacts, deals)
    tiers = [value(result, f"c{i}", "spend_tier") for i in range(9)]
    assert tiers == ["low"] * 3 + ["medium"] * 3 + ["high"] * 3
    assert [value(result, f"p{i}", "spend_tier") for i in range(3)] == ["low", "medium", "high"]
    assert value(result, "lost", "spend_tier") is None
    assert find(result, "p2", "field", "spend_tier")[0].reason == (
        "open deals 30 EUR: high among prospects with open deals"
    )


def test_a_deal_in_a_currency_without_a_rate_counts_nothing_and_is_reported() -> None:
    deals = [won("c1", 10, amount=5_000, currency="JPY", id="yen"), *purchases("c2", 10)]
    result = run(["unknown_currency", "spend_tier"], [contact("c1"), contact("c2")], deals)
    [finding] = find(result, "yen", "finding")
    assert finding.value == "JPY"
    assert "no rate for JPY" in finding.reason
    assert "revenue 0 EUR" in find(result, "c1", "field", "spend_tier")[0].reason


@pytest.mark.parametrize("credit", ["primary", "all"])
def test_the_report_and_the_kpis_count_won_revenue_as_the_rules_do(credit: str) -> None:
    deals = [
        won("a", 10, amount=100, currency="usd"),  # 92 EUR
        won("a", 20, amount=50, currency=" EUR "),
        deal(("b", "a"), "won", amount=300, currency="GBP"),  # 351 EUR, to b (and a: all)
        won("c", 10, amount=999, currency="XYZ"),  # no rate: nothing
        won("d", 10, amount=70, currency=None),  # the base currency
        won("e", 10, amount=70, currency=""),  # no rate, as for the unknown_currency rule
        deal("a", "open", amount=1_000),  # not won
    ]
    rules = settings(revenue={"credit": credit})
    base = CustomerBase([contact(cid) for cid in "abcde"], [], deals)
    by_rules = {cid: h.revenue for cid, h in histories(RuleContext(base, NOW, rules)).items()}
    revenue = won_revenue(base, rules.revenue)
    assert revenue == {cid: amount for cid, amount in by_rules.items() if amount}
    assert revenue["a"] == pytest.approx(92 + 50 + (351 if credit == "all" else 0))
