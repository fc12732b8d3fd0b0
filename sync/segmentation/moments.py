"""Micro-moments (playbook §3): the next birthday and the next anniversary of the first
purchase, and a tag from a week before each, for the CRM's own e-mail automation. The reason
carries the contact's reward preference (zero-party data) so the e-mail can offer it.

A 29 February falls on 28 February in other years.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sync.rules.base import Output, RuleContext, rule
from sync.segmentation import outputs as out
from sync.segmentation.facts import histories

RULE = "micro_moments"


def on_year(day: date, year: int) -> date:
    """The same month and day in ``year`` (28 February for a 29th in a common year)."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def next_occurrence(day: date, today: date, *, after_year: int | None = None) -> date:
    """The first date on or after ``today`` with ``day``'s month and day (and a year after
    ``after_year``)."""
    year = today.year if after_year is None else max(today.year, after_year + 1)
    upcoming = on_year(day, year)
    if upcoming < today:
        upcoming = on_year(day, year + 1)
    return upcoming


def _soon(what: str, upcoming: date, today: date, preference: str | None) -> str:
    days = (upcoming - today).days
    when = "today" if days == 0 else f"in {days} day{'s' * (days != 1)}"
    prefers = f"; prefers {preference}" if preference else ""
    return f"{what} {when} ({upcoming}){prefers}"


@rule(RULE, "segmentation")
def micro_moments(ctx: RuleContext) -> Iterable[Output]:
    """Next birthday and purchase anniversary, each tagged a week before.

    The tag is on from ``micro_moments.days_before`` days before until the day itself."""
    window = ctx.settings.micro_moments.days_before
    today = ctx.today
    purchases = histories(ctx)
    #: (what, month, day, in this year or later, reward preference) -> (next date, why,
    #: whether it is soon): the same for every contact with these
    known: dict[tuple[str, int, int, bool, str | None], tuple[date, str, bool]] = {}

    def upcoming(
        what: str, day: date, after: int | None, preference: str | None
    ) -> tuple[date, str, bool]:
        when = next_occurrence(day, today, after_year=after)
        return when, _soon(what, when, today, preference), (when - today).days <= window

    for contact in ctx.base.contacts:
        cid = contact.id
        born = contact.birth_date
        preference = contact.reward_preference
        if born is not None:
            key = ("birthday", born.month, born.day, False, preference)
            moment = known.get(key)
            if moment is None:
                moment = known[key] = upcoming("birthday", born, None, preference)
            birthday, reason, soon = moment
            yield Output("contact", cid, "field", out.NEXT_BIRTHDAY, birthday, RULE, reason)
            if soon:
                yield Output("contact", cid, "tag", out.BIRTHDAY_SOON, True, RULE, reason)
        history = purchases.get(cid)
        if history is not None and history.dates:
            first = history.dates[0]
            what = "purchase anniversary"
            key = (what, first.month, first.day, first.year >= today.year, preference)
            moment = known.get(key)
            if moment is None:
                moment = known[key] = upcoming(what, first, first.year, preference)
            when, reason, soon = moment
            yield Output("contact", cid, "field", out.NEXT_PURCHASE_ANNIVERSARY, when, RULE, reason)
            if soon:
                yield Output("contact", cid, "tag", out.ANNIVERSARY_SOON, True, RULE, reason)
