"""Micro-moments (playbook §3): next birthday and purchase anniversary, tagged a week before,
with the reward preference carried in the reason."""

from __future__ import annotations

from datetime import date

import pytest

from sync.segmentation.moments import next_occurrence
from tests.segmentation.builders import TODAY, contact, find, run, tags, value, won


@pytest.mark.parametrize(
    ("born", "today", "next_one"),
    [
        (date(1990, 11, 5), date(2026, 11, 1), date(2026, 11, 5)),
        (date(1990, 11, 1), date(2026, 11, 1), date(2026, 11, 1)),  # today is the day
        (date(1990, 10, 31), date(2026, 11, 1), date(2027, 10, 31)),
        (date(2000, 2, 29), date(2026, 11, 1), date(2027, 2, 28)),  # 28 Feb in common years
        (date(2000, 2, 29), date(2027, 11, 1), date(2028, 2, 29)),
    ],
)
def test_next_occurrence(born: date, today: date, next_one: date) -> None:
    assert next_occurrence(born, today) == next_one


@pytest.mark.parametrize(
    ("born", "soon"),
    [("1990-11-08", True), ("1990-11-09", False), ("1990-11-01", True), ("1990-10-31", False)],
)
def test_birthday_tag_from_a_week_before(born: str, soon: bool) -> None:
    result = run("micro_moments", [contact("c1", birth_date=born)])
    assert ("birthday-soon" in tags(result, "c1")) is soon


def test_the_reward_preference_travels_with_the_birthday() -> None:
    result = run(
        "micro_moments", [contact("c1", birth_date="1985-11-06", reward_preference="gift")]
    )
    assert value(result, "c1", "next_birthday") == date(2026, 11, 6)
    assert find(result, "c1", "tag", "birthday-soon")[0].reason == (
        "birthday in 5 days (2026-11-06); prefers gift"
    )


def test_purchase_anniversary_is_of_the_first_purchase() -> None:
    deals = [won("c1", 365 * 2 - 3), won("c1", 30), won("c2", 2)]
    result = run("micro_moments", [contact("c1"), contact("c2")], deals)
    assert value(result, "c1", "next_purchase_anniversary") == date(2026, 11, 4)
    assert "anniversary-soon" in tags(result, "c1")
    # a purchase two days ago has its first anniversary next year
    assert value(result, "c2", "next_purchase_anniversary") == date(2027, 10, 30)
    assert value(result, "c2", "next_birthday") is None
    assert date(2026, 11, 1) == TODAY
