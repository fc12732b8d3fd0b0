"""The rule framework runs stages in order, lets later stages see earlier outputs, and reports
two rules that disagree on a field instead of picking one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from mapping.model import Contact, Deal
from sync.config.rules import RulesSettings
from sync.rules.base import CustomerBase, Output, RuleContext, RuleSpec, run_rules

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
