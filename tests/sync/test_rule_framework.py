"""The rule framework runs stages in order, lets later stages see earlier outputs, and reports
two rules that disagree on a field instead of picking one."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from datetime import datetime, timezone

from mapping.model import Contact, Deal
from sync.config.rules import RulesSettings
from sync.rules.base import CustomerBase, Output, RuleContext, RuleSpec, find_conflicts, run_rules

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)


def spec(name: str, stage: str, function) -> RuleSpec:  # type: ignore[no-untyped-def]
    return RuleSpec(name, stage, function, "")  # type: ignore[arg-type]


def test_stages_run_in_order_and_see_earlier_outputs() -> None:
    seen: list[tuple[str, int]] = []

    def segmentation(ctx: RuleContext) -> Iterable[Output]:
        seen.append(("segmentation", len(ctx.earlier)))
        return []

    def hygiene(ctx: RuleContext) -> Iterable[Output]:
        seen.append(("hygiene", len(ctx.earlier)))
        return [Output("contact", "1", "field", "email", "a@b.co", "email_fix", "lower-cased")]

    run_rules(
        CustomerBase([Contact("1")]),
        NOW,
        RulesSettings(),
        rules=[spec("s", "segmentation", segmentation), spec("h", "hygiene", hygiene)],
    )
    assert seen == [("hygiene", 0), ("segmentation", 1)]


def test_two_rules_setting_one_field_differently_is_a_conflict() -> None:
    def first(ctx: RuleContext) -> Iterable[Output]:
        return [
            Output("contact", "1", "field", "segment", "LEAD", "a", ""),
            Output("contact", "2", "field", "segment", "LEAD", "a", ""),
        ]

    def second(ctx: RuleContext) -> Iterable[Output]:
        return [
            Output("contact", "1", "field", "segment", "CUSTOMER", "b", ""),
            Output("contact", "2", "field", "segment", "LEAD", "b", ""),
        ]  # agrees: fine

    result = run_rules(
        CustomerBase([Contact("1"), Contact("2")]),
        NOW,
        RulesSettings(),
        rules=[spec("a", "segmentation", first), spec("b", "segmentation", second)],
    )
    assert [str(c) for c in result.conflicts] == [
        "contact 1.segment: a wants 'LEAD', b wants 'CUSTOMER'"
    ]


def test_deals_are_indexed_by_each_of_their_contacts() -> None:
    base = CustomerBase(
        [Contact("1"), Contact("2")],
        deals=[Deal("d1", contact_ids=("1", "2")), Deal("d2", contact_ids=("2",))],
    )
    assert [d.id for d in base.deals_by_contact["2"]] == ["d1", "d2"]
    assert "3" not in base.deals_by_contact


def test_a_pass_runs_again_only_the_rules_whose_context_changed() -> None:
    calls: list[str] = []

    def country(ctx: RuleContext) -> Iterable[Output]:  # enrichment fixes a field
        calls.append("country")
        return [Output("contact", "1", "field", "country", "ES", "country", "from the phone")]

    def segment(ctx: RuleContext) -> Iterable[Output]:  # reads only the records
        calls.append("segment")
        return [Output("contact", "1", "field", "segment", "LEAD", "segment", "")]

    def reader(ctx: RuleContext) -> Iterable[Output]:  # reads what earlier stages produced
        calls.append("reader")
        return [Output("contact", "1", "tag", f"saw-{len(ctx.earlier)}", True, "reader", "")]

    result = run_rules(
        CustomerBase([Contact("1")]),
        NOW,
        RulesSettings(),
        rules=[
            spec("country", "enrichment", country),
            spec("segment", "segmentation", segment),
            spec("reader", "segmentation", reader),
        ],
    )
    # the fix makes a second pass: enrichment again (its records changed); the segmentation
    # rule saw the fixed records already; the reader runs again as the earlier outputs changed
    assert calls == ["country", "segment", "reader", "country", "reader"]
    assert [(o.name, o.value) for o in result.outputs] == [
        ("segment", "LEAD"),
        ("saw-1", True),
        ("country", "ES"),
    ]


def test_the_collector_is_paused_for_the_run_only_and_shared_values_are_let_go() -> None:
    seen: list[bool] = []

    def probe(ctx: RuleContext) -> Iterable[Output]:
        seen.append(gc.isenabled())
        ctx.base.memo["big"] = list(range(10))
        return []

    base = CustomerBase([Contact("1")])
    run_rules(base, NOW, RulesSettings(), rules=[spec("probe", "segmentation", probe)])
    assert seen == [False] and gc.isenabled() and base.memo == {}
    gc.disable()
    try:
        run_rules(base, NOW, RulesSettings(), rules=[spec("probe", "segmentation", probe)])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_conflicts_are_found_among_many_outputs_only_in_fields_two_rules_set() -> None:
    outputs = [Output("contact", str(i), "field", "score", i, "a", "") for i in range(100)]
    outputs += [
        Output("contact", "7", "field", "segment", "LEAD", "a", ""),
        Output("contact", "7", "field", "segment", "LEAD", "b", ""),
        Output("contact", "8", "field", "segment", "LEAD", "a", ""),
        Output("contact", "8", "field", "segment", "CUSTOMER", "b", ""),
        Output("contact", "8", "tag", "segment", True, "c", ""),
    ]
    assert [str(c) for c in find_conflicts(outputs)] == [
        "contact 8.segment: a wants 'LEAD', b wants 'CUSTOMER'"
    ]


def test_the_primary_contact_index_credits_each_deal_to_its_first_contact() -> None:
    deals = [Deal("d1", contact_ids=("2", "1")), Deal("d2", contact_ids=("1",)), Deal("d3")]
    base = CustomerBase([Contact("1"), Contact("2")], deals=deals)
    assert {c: [d.id for d in ds] for c, ds in base.deals_by_primary_contact.items()} == {
        "2": ["d1"],
        "1": ["d2"],
    }
    single = CustomerBase([Contact("1")], deals=deals[1:])
    assert single.deals_by_primary_contact is single.deals_by_contact


def test_an_output_equals_another_only_when_all_seven_parts_agree() -> None:
    parts = ("contact", "1", "field", "segment", "LEAD", "lifecycle", "has an e-mail")
    one = Output(*parts)  # type: ignore[arg-type]
    assert one == Output(*parts) and hash(one) == hash(Output(*parts))  # type: ignore[arg-type]
    for at, other in enumerate(("deal", "2", "tag", "rfm", "QUALIFIED", "rfm", "other")):
        changed = (*parts[:at], other, *parts[at + 1 :])
        assert one != Output(*changed), changed  # type: ignore[arg-type]
    assert (one.object_name, one.record_id, one.target, one.name) == parts[:4]
    assert (one.value, one.rule, one.reason) == parts[4:]
    assert len({one, Output(*parts)}) == 1  # type: ignore[arg-type]
    assert "name='segment'" in repr(one) and "reason='has an e-mail'" in repr(one)
