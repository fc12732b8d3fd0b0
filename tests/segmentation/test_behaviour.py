"""Behaviour segments (playbook §3): engagement and preferred channel, frustration score, NPS
class with the detractor recovery task, lead score."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.segmentation.builders import (
    NOW,
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


# --- engagement ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "engaged"),
    [
        ({"last_open_at": moment(10)}, True),
        ({"last_click_at": moment(90)}, True),
        ({"last_open_at": moment(91), "last_click_at": moment(200)}, False),
        ({"last_interaction_at": moment(1)}, False),  # a call is not e-mail engagement
        ({}, False),
    ],
)
def test_engaged_means_opened_or_clicked_within_90_days(values: dict, engaged: bool) -> None:
    result = run("engagement", [contact("c1", **values)])
    assert ("engaged" in tags(result, "c1")) is engaged


def test_engagement_counts_whole_days_so_two_runs_on_one_day_agree() -> None:
    """An open 90 days ago in the evening keeps the contact engaged all day today; it leaves
    the segment at midnight, not between a morning run and an evening run."""
    evening_90_days_ago = moment(90).replace(hour=23, minute=30)
    contacts = [contact("c1", last_open_at=evening_90_days_ago)]
    for hour in (0, 12, 23):
        result = run("engagement", contacts, now=NOW.replace(hour=hour, minute=59))
        assert "engaged" in tags(result, "c1"), hour
    tomorrow = run("engagement", contacts, now=NOW.replace(hour=0) + timedelta(days=1))
    assert "engaged" not in tags(tomorrow, "c1")


def test_the_engagement_window_is_configurable() -> None:
    contacts = [contact("c1", last_open_at=moment(100))]
    result = run("engagement", contacts, rules=settings(engagement={"window_days": 120}))
    assert (
        find(result, "c1", "tag", "engaged")[0].reason == "opened an e-mail 100 days ago (<= 120)"
    )


def test_last_interaction_date_is_the_latest_of_interaction_open_and_click() -> None:
    values = {"last_interaction_at": moment(30), "last_open_at": moment(5)}
    result = run("engagement", [contact("c1", last_click_at=moment(12), **values)])
    assert value(result, "c1", "last_interaction_date") == days_ago(5)


def test_preferred_channel_is_the_most_frequent_one() -> None:
    deals = [deal("c1", "won", channel="call"), deal("c1", "lost", channel="Call ")]
    result = run("engagement", [contact("c1", source_channel="form")], deals)
    assert value(result, "c1", "preferred_channel") == "call"
    assert (
        find(result, "c1", "field", "preferred_channel")[0].reason == "call in 2 of 3 interactions"
    )


def test_a_tie_goes_to_the_channel_used_last() -> None:
    deals = [deal("c1", "open", channel="chat", created_at=moment(3))]
    result = run(
        "engagement", [contact("c1", source_channel="form", created_at=moment(400))], deals
    )
    assert value(result, "c1", "preferred_channel") == "chat"


# --- frustration -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("returns", "hours", "failed", "score", "alert"),
    [
        (0, None, 0, None, False),
        (3, None, 0, 40, False),
        (1, 36, 1, 38, False),
        (3, 72, 0, 70, False),  # at the threshold is not above it
        (3, 72, 1, 80, True),
        (9, 500, 9, 100, True),  # each signal counts fully at its cap
    ],
)
def test_frustration_score(
    returns: int, hours: float | None, failed: int, score: int | None, alert: bool
) -> None:
    values = {"returns": returns, "avg_resolution_hours": hours, "failed_payments": failed}
    result = run("frustration", [contact("c1", **values)])
    assert value(result, "c1", "frustration_score") == score
    assert ("frustration-alert" in tags(result, "c1")) is alert


def test_frustration_weights_are_configurable() -> None:
    only_returns = settings(frustration={"weight_resolution_hours": 0, "weight_failed_payments": 0})
    result = run("frustration", [contact("c1", returns=3, failed_payments=3)], rules=only_returns)
    assert value(result, "c1", "frustration_score") == 100


# --- NPS -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("score", "kind"),
    [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"),
     (10, "promoter")],
)  # fmt: skip
def test_nps_class(score: int, kind: str) -> None:
    result = run("nps", [contact("c1", nps_score=score, nps_date=days_ago(40))])
    assert value(result, "c1", "nps_class") == kind


def detractor(cid: str = "c1", answered: int = 2, **values: object) -> object:
    return contact(cid, nps_score=3, nps_date=days_ago(answered), owner_id="ow-7", **values)


def test_a_detractor_gets_one_recovery_task_per_answer() -> None:
    first = run("nps", [detractor(first_name="Ana", last_name="García")])
    [task] = find(first, "c1", "task")
    assert task.name == f"nps-detractor:c1:{days_ago(2)}"
    assert task.value.owner_id == "ow-7"
    assert task.value.priority == "HIGH"
    assert NOW < task.value.due <= NOW + timedelta(hours=24)
    assert task.value.subject == "Recovery call: Ana García gave NPS 3"
    # the next run (an hour later) wants the same task: the sync core creates it once
    again = run("nps", [detractor()], now=NOW + timedelta(hours=1))
    assert [t.name for t in find(again, "c1", "task")] == [task.name]
    # a new answer is a new task
    later = run("nps", [detractor(answered=0)])
    assert find(later, "c1", "task")[0].name != task.name


def test_a_fresh_answer_is_due_a_day_after_it_was_given() -> None:
    [task] = find(run("nps", [detractor(answered=0)]), "c1", "task")
    assert task.value.due == NOW.replace(hour=0) + timedelta(hours=24)


def test_no_task_for_answers_older_than_configured() -> None:
    assert find(run("nps", [detractor(answered=45)]), "c1", "task") == []
    every = settings(nps={"task_max_age_days": None})
    assert len(find(run("nps", [detractor(answered=45)], rules=every), "c1", "task")) == 1


def test_passives_and_promoters_get_no_task() -> None:
    result = run("nps", [contact("c1", nps_score=7, nps_date=days_ago(1))])
    assert find(result, "c1", "task") == []


# --- lead score ------------------------------------------------------------------------------
COMPLETE = {
    "first_name": "Ana", "last_name": "García", "email": "ana@acme.es", "mobile": "+34600000000",
    "city": "Madrid", "country": "ES",
}  # fmt: skip


@pytest.mark.parametrize(
    ("values", "score", "rank"),
    [
        ({}, 0, "cold"),
        ({**COMPLETE, "asked_price": True}, 29, "cold"),  # 25 of 85 points
        ({**COMPLETE, "asked_price": True, "email_clicks": 2, "last_open_at": moment(3)}, 59,
         "warm"),
        ({**COMPLETE, "asked_price": True, "email_clicks": 2, "email_opens": 9,
          "source_channel": "form", "meeting_booked": True}, 88, "hot"),
    ],
)  # fmt: skip
def test_lead_score_and_rank(values: dict, score: int, rank: str) -> None:
    result = run("lead_score", [contact("c1", **values)])
    assert (value(result, "c1", "lead_score"), value(result, "c1", "lead_rank")) == (score, rank)


def test_lead_score_explains_its_points() -> None:
    result = run("lead_score", [contact("c1", asked_price=True, email_clicks=1)])
    assert find(result, "c1", "field", "lead_score")[0].reason == (
        "clicked an e-mail +15, asked for a price +10: 25 of 85 points -> 29 (cold)"
    )


def test_the_ideal_customer_criterion_counts_once_configured() -> None:
    ideal = settings(lead_score={"ideal_customer": {"country": {"in": ["ES", "España"]}}})
    spanish = contact("c1", country="España", asked_price=True)
    result = run(
        "lead_score", [spanish, contact("c2", country="FR", asked_price=True)], rules=ideal
    )
    assert value(result, "c1", "lead_score") == 25  # 25 of 100 points
    assert value(result, "c2", "lead_score") == 10
    assert "ideal customer +15" in find(result, "c1", "field", "lead_score")[0].reason


def test_customers_have_no_lead_score() -> None:
    result = run("lead_score", [contact("c1", asked_price=True)], [won("c1", 10)])
    assert value(result, "c1", "lead_score") is None
