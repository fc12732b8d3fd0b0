"""Inactivity and reactivation (playbook §3): inactive after six months without purchase or
interaction, the protocol stage by days since, HIBERNATION from day 30, and the score."""

from __future__ import annotations

import pytest

from tests.segmentation.builders import contact, find, moment, run, settings, tags, value, won


@pytest.mark.parametrize(
    ("quiet_days", "high_value", "stage"),
    [
        (179, False, None),  # still active
        (180, False, "value_email"),  # day 1
        (185, False, "value_email"),
        (186, False, "retargeting"),  # day 7
        (193, False, "retargeting"),  # day 14: SMS only for high value
        (193, True, "sms"),
        (200, True, "final_choice"),  # day 21
        (208, False, "final_choice"),
        (209, False, "hibernation"),  # day 30
        (900, True, "hibernation"),
    ],
)
def test_protocol_stage_by_days_inactive(quiet_days: int, high_value: bool, stage: str) -> None:
    contacts = [contact("c1", last_interaction_at=moment(quiet_days))]
    deals = [won("c1", quiet_days, amount=10_000 if high_value else 10)]
    # others so that c1's revenue ranks high (or low) among customers
    for i in range(6):
        contacts.append(contact(f"o{i}", last_interaction_at=moment(1)))
        deals.append(won(f"o{i}", 5, amount=100))
    result = run("inactivity", contacts, deals)
    assert value(result, "c1", "reactivation_stage") == stage
    assert ("inactive" in tags(result, "c1")) is (stage is not None)
    assert ("hibernation" in tags(result, "c1")) is (stage == "hibernation")


def test_a_purchase_or_an_open_keeps_a_contact_active() -> None:
    contacts = [
        contact("bought", last_interaction_at=moment(400)),
        contact("opened", last_interaction_at=moment(400), last_open_at=moment(20)),
        contact("silent", created_at=moment(400)),
        contact("new", created_at=moment(20)),
    ]
    result = run("inactivity", contacts, [won("bought", 30)])
    assert {o.record_id for o in result.outputs} == {"silent"}
    assert find(result, "silent", "tag", "inactive")[0].reason == (
        "no purchase or interaction since 2025-09-27 (400 days >= 180)"
    )


def test_not_qualified_contacts_are_left_out() -> None:
    result = run("inactivity", [contact("c1", disqualified=True, created_at=moment(999))])
    assert result.outputs == ()


def test_the_six_months_are_configurable() -> None:
    contacts = [contact("c1", last_interaction_at=moment(100))]
    result = run("inactivity", contacts, rules=settings(inactivity={"inactive_after_days": 90}))
    assert value(result, "c1", "reactivation_stage") == "retargeting"  # day 11


def test_reactivation_score_prefers_loyal_profitable_old_customers() -> None:
    contacts = [
        contact("loyal", created_at=moment(2500), last_interaction_at=moment(300)),
        contact("oneoff", created_at=moment(400), last_interaction_at=moment(300)),
        contact("never", created_at=moment(400)),
    ]
    deals = [won("loyal", 300 + 60 * n, amount=5_000) for n in range(20)]
    deals.append(won("oneoff", 350, amount=50))
    result = run("inactivity", contacts, deals)
    scores = {cid: value(result, cid, "reactivation_score") for cid in ("loyal", "oneoff", "never")}
    assert 0 <= scores["never"] < scores["oneoff"] < scores["loyal"] <= 100
    assert find(result, "never", "field", "reactivation_score")[0].reason == (
        "purchases 0.00, tenure 0.00, revenue 0.00 -> 0"
    )
