"""Lifecycle segments (playbook §2): one per contact, in the table's order of precedence, with
the playbook's edge cases; the generator's ground truth agrees on a generated base."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapping.model import Contact, Deal
from mapping.spec import default_mapping_path, load_mapping
from sandbox.generator import generate
from sync.segmentation.outputs import SEGMENT_TAGS, TAG_MAX_LENGTH, TAGS
from sync.segmentation.segments import SEGMENTS
from tests.segmentation.builders import (
    contact,
    days_ago,
    deal,
    find,
    purchases,
    run,
    tags,
    value,
    won,
)
from tests.segmentation.builders import settings as rule_settings
from tests.support import common_base

RICH = 10_000.0

# (case, contact values, deals of c1 (and others), expected segment, fragment of the reason)
CASES: list[tuple[str, dict[str, Any], list[Deal], str, str]] = [
    (
        "disqualified beats being a customer",
        {"disqualified": True, "disqualified_reason": "competitor", "referrals": 3},
        purchases("c1", 10, 40, 70, amount=RICH),
        "NOT_QUALIFIED",
        "disqualified: competitor",
    ),
    (
        "disqualified without a reason",
        {"disqualified": True, "email": "ana@acme.es", "asked_price": True},
        [],
        "NOT_QUALIFIED",
        "no reason documented",
    ),
    (
        "retired beats dormant",
        {"retired_reason": "moved away"},
        [won("c1", 400)],
        "CUSTOMER_RETIRED",
        "retired: moved away",
    ),
    (
        "retired needs a purchase",
        {"retired_reason": "moved away"},
        [],
        "COLD_CONTACT",
        "",
    ),
    (
        "evangelist: recurring, top revenue, a referral",
        {"referrals": 1},
        purchases("c1", 10, 40, 70, amount=RICH),
        "CUSTOMER_EVANGELIST",
        "3 won deals, revenue 30,000 EUR in the top 20%, 1 referral",
    ),
    (
        "evangelist: NPS 9 recommends too",
        {"nps_score": 9},
        purchases("c1", 10, 40, 70, amount=RICH),
        "CUSTOMER_EVANGELIST",
        "NPS 9",
    ),
    (
        "evangelist beats dormant",
        {"referrals": 2},
        purchases("c1", 400, 430, 460, amount=RICH),
        "CUSTOMER_EVANGELIST",
        "2 referrals",
    ),
    (
        "not evangelist with two purchases",
        {"referrals": 1},
        purchases("c1", 10, 40, amount=RICH),
        "CUSTOMER",
        "2 won deals",
    ),
    (
        "not evangelist without a recommendation",
        {"referrals": 0, "nps_score": 8},
        purchases("c1", 10, 40, 70, amount=RICH),
        "CUSTOMER",
        "",
    ),
    (
        "not evangelist outside the top 20% by revenue",
        {"referrals": 1},
        purchases("c1", 10, 40, 70, amount=10) + [won(f"rich{i}", 5, RICH) for i in range(4)],
        "CUSTOMER",
        "",
    ),
    (
        "dormant: one purchase 181 days ago",
        {},
        [won("c1", 181)],
        "CUSTOMER_DORMANT",
        "no purchase for 181 days > 180",
    ),
    (
        "not yet dormant at 180 days",
        {},
        [won("c1", 180)],
        "CUSTOMER",
        "last 180 days ago",
    ),
    (
        "dormant follows the contact's own rhythm: every 150 days, quiet for 250",
        {},
        purchases("c1", 250, 400, 550),
        "CUSTOMER",
        "dormant after 300",
    ),
    (
        "dormant after twice its own rhythm",
        {},
        purchases("c1", 301, 451, 601),
        "CUSTOMER_DORMANT",
        "no purchase for 301 days > 2 x median interval 150 = 300",
    ),
    (
        "a fast buyer is still dormant only after 180 days",
        {},
        purchases("c1", 179, 209, 239),
        "CUSTOMER",
        "",
    ),
    (
        "qualified: a deal at the quote stage",
        {"email": "ana@acme.es", "asked_price": True},
        [deal("c1", "quote", id="q1")],
        "QUALIFIED",
        "deal q1 is at stage quote",
    ),
    ("qualified: booked a meeting", {"meeting_booked": True}, [], "QUALIFIED", "meeting"),
    ("qualified: received a quote", {"quote_received": True}, [], "QUALIFIED", "quote"),
    (
        "lead: valid e-mail and asked for a price",
        {"email": "Ana.Garcia@Acme.es", "asked_price": True},
        [],
        "LEAD",
        "valid e-mail and asked for a price",
    ),
    (
        "no e-mail: never a lead",
        {"phone": "+34 600 000 000", "first_name": "Ana", "city": "Madrid", "asked_price": True},
        [],
        "COLD_CONTACT",
        "asked for a price but left no e-mail",
    ),
    (
        "an invalid e-mail is no e-mail",
        {"email": "ana garcia@acme.es", "asked_price": True},
        [],
        "COLD_CONTACT",
        "the e-mail is not valid",
    ),
    (
        "a misspelt free provider is not valid",
        {"email": "ana@gmial.com", "asked_price": True},
        [],
        "COLD_CONTACT",
        "not valid",
    ),
    (
        "e-mail and data but no progress",
        {"email": "ana@acme.es", "phone": "+34 600 000 000"},
        [],
        "COLD_CONTACT",
        "no purchase, meeting, quote or sign of interest",
    ),
    (
        "a lost deal is no purchase",
        {"email": "ana@acme.es"},
        [deal("c1", "lost", close_date=days_ago(20))],
        "COLD_CONTACT",
        "",
    ),
    (
        "a secondary contact of a won deal is not its buyer",
        {"email": "ana@acme.es"},
        [deal(["boss", "c1"], "won", close_date=days_ago(20), amount=500)],
        "COLD_CONTACT",
        "",
    ),
]


@pytest.mark.parametrize(("values", "deals", "segment", "why"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_segment_table(values: dict[str, Any], deals: list[Deal], segment: str, why: str) -> None:
    others = {cid for d in deals for cid in d.contact_ids} - {"c1"}
    contacts = [contact("c1", **values), *(contact(cid) for cid in sorted(others))]
    result = run("lifecycle", contacts, deals)
    assert value(result, "c1", "segment") == segment
    assert why in find(result, "c1", "field", "segment")[0].reason


def test_the_segment_is_written_as_a_tag_and_not_qualified_excludes_from_marketing() -> None:
    result = run(
        "lifecycle",
        [contact("c1", disqualified=True, disqualified_reason="conflict"), contact("c2")],
        [],
    )
    assert tags(result, "c1") == {"not-qualified"}
    assert value(result, "c1", "marketing_excluded") is True
    assert tags(result, "c2") == {"cold-contact"}
    assert value(result, "c2", "marketing_excluded") is None


def test_a_disqualification_without_a_reason_is_a_finding() -> None:
    result = run("disqualification_reason", [contact("c1", disqualified=True), contact("c2")])
    assert [(o.record_id, o.name) for o in result.outputs] == [
        ("c1", "disqualified_without_reason")
    ]


def test_native_lifecycle_stage_only_when_enabled() -> None:
    contacts = [contact("c1", meeting_booked=True)]
    assert value(run("lifecycle", contacts), "c1", "lifecycle_stage") is None
    enabled = rule_settings(lifecycle={"write_native_stage": True})
    assert value(run("lifecycle", contacts, rules=enabled), "c1", "lifecycle_stage") == "QUALIFIED"


def test_hubspot_mapping_names_a_native_stage_for_every_segment() -> None:
    spec, _ = load_mapping(default_mapping_path("hubspot"))
    write_values = spec.objects["contact"].fields["lifecycle_stage"].write_values or {}
    assert set(write_values) == set(SEGMENTS)
    assert write_values["CUSTOMER_DORMANT"] == "customer"


def test_every_tag_fits_zoho_with_the_namespace() -> None:
    assert set(SEGMENT_TAGS) == set(SEGMENTS)
    assert all(len(f"crmsync:{tag}") <= 25 for tag in TAGS)
    assert TAG_MAX_LENGTH == 17


def test_thresholds_are_configurable() -> None:
    deals = [won("c1", 100)]
    stricter = rule_settings(lifecycle={"dormant_min_days": 90})
    assert value(run("lifecycle", [contact("c1")], deals), "c1", "segment") == "CUSTOMER"
    assert value(run("lifecycle", [contact("c1")], deals, rules=stricter), "c1", "segment") == (
        "CUSTOMER_DORMANT"
    )


def test_min_revenue_makes_revenue_significant_outside_the_top_share() -> None:
    deals = purchases("c1", 10, 40, 70, amount=2_000) + [won(f"r{i}", 5, RICH) for i in range(9)]
    contacts = [contact("c1", referrals=1), *(contact(f"r{i}") for i in range(9))]
    assert value(run("lifecycle", contacts, deals), "c1", "segment") == "CUSTOMER"
    configured = rule_settings(lifecycle={"evangelist_min_revenue": 5_000})
    result = run("lifecycle", contacts, deals, rules=configured)
    assert value(result, "c1", "segment") == "CUSTOMER_EVANGELIST"
    assert "revenue 6,000 EUR >= 5,000 EUR" in find(result, "c1", "field", "segment")[0].reason


def test_every_contact_of_a_deal_can_be_credited() -> None:
    deals = [deal(["boss", "c1"], "won", close_date=days_ago(20))]
    contacts = [contact("boss"), contact("c1")]
    credited = rule_settings(revenue={"credit": "all"})
    assert value(run("lifecycle", contacts, deals, rules=credited), "c1", "segment") == "CUSTOMER"


def test_other_interest_signals_can_make_a_lead() -> None:
    contacts = [contact("c1", email="ana@acme.es")]
    deals = [deal("c1", "open")]
    assert value(run("lifecycle", contacts, deals), "c1", "segment") == "COLD_CONTACT"
    wider = rule_settings(lifecycle={"lead_signals": ["asked_price", "open_deal"]})
    assert value(run("lifecycle", contacts, deals, rules=wider), "c1", "segment") == "LEAD"


# --- properties ------------------------------------------------------------------------------
EMAILS = st.sampled_from([None, "ana@acme.es", "ana@gmial.com", "ana@", "x y@acme.es"])
STAGES = st.sampled_from(["open", "meeting", "quote", "won", "lost"])


@st.composite
def bases(draw: st.DrawFn) -> tuple[list[Contact], list[Deal]]:
    count = draw(st.integers(1, 8))
    ids = [f"c{i}" for i in range(count)]
    contacts = [
        contact(
            cid,
            email=draw(EMAILS),
            disqualified=draw(st.booleans()),
            retired_reason=draw(st.sampled_from([None, "moved away"])),
            asked_price=draw(st.booleans()),
            meeting_booked=draw(st.booleans()),
            referrals=draw(st.integers(0, 2)),
            nps_score=draw(st.none() | st.integers(0, 10)),
        )
        for cid in ids
    ]
    deals = [
        deal(
            draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True)),
            draw(STAGES),
            close_date=days_ago(draw(st.integers(0, 2000))),
            amount=draw(st.none() | st.floats(0, 1e6)),
            currency=draw(st.sampled_from(["EUR", "USD", "MXN", None])),
        )
        for _ in range(draw(st.integers(0, 12)))
    ]
    return contacts, deals


@settings(max_examples=150, deadline=None)
@given(bases())
def test_every_contact_gets_exactly_one_segment(base: tuple[list[Contact], list[Deal]]) -> None:
    contacts, deals = base
    result = run("lifecycle", contacts, deals)
    for c in contacts:
        segments = find(result, c.id, "field", "segment")
        assert len(segments) == 1
        segment = segments[0].value
        assert segment in SEGMENTS
        assert tags(result, c.id) == {SEGMENT_TAGS[segment]}
        if c.disqualified:
            assert segment == "NOT_QUALIFIED"
        if c.email is None:
            assert segment != "LEAD"


# --- the generator's ground truth ------------------------------------------------------------
def test_agrees_with_the_generators_ground_truth() -> None:
    dataset = generate(3_000, seed=11)
    base = common_base(dataset)
    assert dataset.truth.reference_time is not None
    result = run(
        "lifecycle", base.contacts, base.deals, base.companies, now=dataset.truth.reference_time
    )
    ours = {o.record_id: o.value for o in result.outputs if o.name == "segment"}
    disagreements = {
        key: (expected, ours[key])
        for key, expected in dataset.truth.expected_segment.items()
        if ours[key] != expected
    }
    assert disagreements == {}
    assert len(set(ours.values())) == len(SEGMENTS)
