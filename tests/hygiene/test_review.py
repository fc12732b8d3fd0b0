"""Value tiers, completeness, the review calendar and obsolete records, through the rules
as a sync runs them."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

import sync.hygiene.rules as hygiene
from mapping.model import Company, Contact, Deal
from sync.config.rules import HygieneRules, RulesSettings
from sync.hygiene.completeness import next_review
from sync.hygiene.records import Checked
from sync.hygiene.value import value_tiers
from sync.rules.base import RULES, CustomerBase, RuleContext, run_rules

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
TODAY = NOW.date()


def won(deal_id: str, contact_id: str, amount: int, days_ago: int) -> Deal:
    return Deal.of(
        id=deal_id,
        stage="won",
        amount=amount,
        contact_ids=(contact_id,),
        close_date=TODAY - timedelta(days=days_ago),
    )


def test_each_contact_gets_one_value_tier() -> None:
    contacts = [
        Contact.of(id=i, created_at=NOW - timedelta(days=900))
        for i in ("whale", "recent", "old", "quiet", "fresh")
    ]
    contacts[-1] = contacts[-1].replace(created_at=NOW - timedelta(days=10))
    deals = [
        won("d1", "whale", 100_000, 400),
        won("d2", "recent", 50, 30),
        won("d3", "old", 50, 300),
    ] + [won(f"x{i}", f"x{i}", 60, 20) for i in range(8)]
    extra = [Contact.of(id=f"x{i}") for i in range(8)]
    contacts[2] = contacts[2].replace(last_interaction_at=NOW - timedelta(days=40))
    base = CustomerBase(contacts + extra, deals=deals)
    tiers = value_tiers(RuleContext(base, NOW, RulesSettings()))
    assert [tiers[c.id] for c in contacts] == [
        "whale",
        "recent_customer",
        "occasional_customer",
        "inactive",
        "prospect",
    ]


def test_the_review_calendar_stays_put_between_runs() -> None:
    created = date(2026, 1, 10)
    first = next_review(created, 30, date(2026, 10, 20))
    assert first == date(2026, 11, 6)
    assert next_review(created, 30, date(2026, 11, 5)) == first  # a later run, same date
    assert next_review(created, 30, date(2026, 11, 7)) == date(2026, 12, 6)


def outputs_of(base: CustomerBase, *names: str, settings: RulesSettings | None = None):
    run = run_rules(base, NOW, settings or RulesSettings(), rules=[RULES[n] for n in names])
    return run.outputs


def test_review_outputs_priority_date_completeness_and_what_is_missing() -> None:
    contact = Contact.of(
        id="c1", first_name="Ana", email="ana@gmial.com", created_at=NOW - timedelta(days=100)
    )
    found = {
        (o.target, o.name): o.value for o in outputs_of(CustomerBase([contact]), hygiene.REVIEW)
    }
    assert found[("field", "review_priority")] == "prospect"
    assert found[("field", "next_review_date")] == TODAY + timedelta(days=80)
    # a prospect needs first and last name and a way to reach them; the e-mail is a typo
    assert found[("field", "completeness")] == 0.33
    assert found[("finding", "missing_critical_fields")] == {
        "tier": "prospect",
        "missing": ["last_name", "email|phone|mobile"],
    }


def test_normalise_rule_writes_fields_only_where_the_value_changes() -> None:
    contact = Contact.of(id="c1", email="ANA@gmail.com", phone="+34625903584", country="ES")
    outputs = outputs_of(CustomerBase([contact]), hygiene.NORMALISE)
    assert [(o.target, o.name, o.value) for o in outputs] == [("field", "email", "ana@gmail.com")]
    assert outputs[0].rule == hygiene.NORMALISE and "ana@gmail.com" in outputs[0].reason


def test_invalid_email_finding_carries_its_suggestion() -> None:
    outputs = outputs_of(
        CustomerBase([Contact.of(id="c1", email="ana@hotmial.com")]), hygiene.NORMALISE
    )
    (finding,) = outputs
    assert finding.name == "invalid_email"
    assert finding.value["suggestion"] == "ana@hotmail.com"
    assert "did you mean ana@hotmail.com?" in finding.reason


@pytest.mark.parametrize(
    ("values", "company_closed", "reasons"),
    [
        ({"email": "not-an-email", "last_interaction_at": NOW}, False, ["unreachable"]),
        (
            {"email": "a@b.com", "hard_bounce": True, "last_interaction_at": NOW},
            False,
            ["hard_bounce"],
        ),
        (
            {"email": "a@b.com", "company_id": "co1", "last_interaction_at": NOW},
            True,
            ["company_closed"],
        ),
        ({"email": "a@b.com", "created_at": NOW - timedelta(days=4 * 365)}, False, ["inactive"]),
        (
            {
                "email": "a@b.com",
                "created_at": NOW - timedelta(days=4 * 365),
                "last_open_at": NOW - timedelta(days=3),
            },
            False,
            [],
        ),
    ],
)
def test_obsolete_records_are_flagged_never_deleted(
    values: dict, company_closed: bool, reasons: list[str]
) -> None:
    base = CustomerBase(
        [Contact.of(id="c1", **values)],
        [Company.of(id="co1", name="Gone SL", closed=company_closed)],
    )
    outputs = [o for o in outputs_of(base, hygiene.OBSOLETE) if o.object_name == "contact"]
    findings = [o.value["reasons"] for o in outputs if o.target == "finding"]
    assert findings == ([reasons] if reasons else [])
    assert all(o.target in ("finding", "tag") for o in outputs)


def test_a_whale_needs_the_whole_profile() -> None:
    whale = Contact.of(
        id="w",
        first_name="Ana",
        last_name="Gil",
        email="ana@gil.es",
        created_at=NOW - timedelta(days=50),
    )
    small = [Contact.of(id=f"s{i}") for i in range(9)]
    deals = [won("d", "w", 9000, 10)] + [won(f"d{i}", f"s{i}", 10, 10) for i in range(9)]
    outputs = outputs_of(CustomerBase([whale, *small], deals=deals), hygiene.REVIEW)
    mine = {o.name: o.value for o in outputs if o.record_id == "w"}
    assert mine["review_priority"] == "whale"
    assert mine["next_review_date"] == TODAY + timedelta(days=10)
    assert "birth_date" in mine["missing_critical_fields"]["missing"]
    assert mine["completeness"] == round(1 - 10 / 13, 2)


def test_the_three_rules_check_each_contact_once_per_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    check = hygiene.check_contact

    def counted(contact: Contact, rules: HygieneRules) -> Checked:
        calls.append(contact.id)
        return check(contact, rules)

    monkeypatch.setattr(hygiene, "check_contact", counted)
    clean = [Contact.of(id=f"c{i}", email=f"c{i}@example.com") for i in range(2)]
    base = CustomerBase([*clean, Contact.of(id="gone")])  # nothing to fix: one pass
    names = (hygiene.NORMALISE, hygiene.REVIEW, hygiene.OBSOLETE)
    run = run_rules(base, NOW, RulesSettings(), rules=[RULES[n] for n in names])
    assert {o.rule for o in run.outputs} == {hygiene.REVIEW, hygiene.OBSOLETE}
    assert sorted(calls) == ["c0", "c1", "gone"]


def test_the_whale_tier_is_segmentations_whale_in_the_base_currency() -> None:
    # 100,000 MXN is 5,000 EUR at the default rate: the euro customer is the whale
    contacts = [Contact.of(id=i, created_at=NOW - timedelta(days=900)) for i in ("peso", "euro")]
    deals = [
        won("d1", "peso", 100_000, 400).replace(currency="MXN"),
        won("d2", "euro", 20_000, 400),
    ] + [won(f"x{i}", f"x{i}", 500, 400) for i in range(8)]
    base = CustomerBase(contacts + [Contact.of(id=f"x{i}") for i in range(8)], deals=deals)
    one_whale = RulesSettings.model_validate({"whales": {"max_customer_share": 0.1}})
    tiers = value_tiers(RuleContext(base, NOW, one_whale))
    assert tiers["euro"] == "whale" and tiers["peso"] != "whale"
