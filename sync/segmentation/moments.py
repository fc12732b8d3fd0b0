"""Micro-moments (playbook §3): the next birthday and the next anniversary of the first
purchase, and a tag from a week before each, for the CRM's own e-mail automation. The reason
carries the contact's reward preference (zero-party data) so the e-mail can offer it.

A 29 February falls on 28 February in other years.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from mapping.model import Contact
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


def _soon(what: str, upcoming: date, today: date, contact: Contact) -> str:
    days = (upcoming - today).days
    when = "today" if days == 0 else f"in {days} day{'s' * (days != 1)}"
    preference = f"; prefers {contact.reward_preference}" if contact.reward_preference else ""
    return f"{what} {when} ({upcoming}){preference}"


@rule(RULE, "segmentation")
def micro_moments(ctx: RuleContext) -> Iterable[Output]:
    """Next birthday and purchase anniversary, each tagged a week before.

    The tag is on from ``micro_moments.days_before`` days before until the day itself."""
    window = ctx.settings.micro_moments.days_before
    today = ctx.today
    purchases = histories(ctx)
    known: dict[tuple[str, int, int, bool, str | None], tuple[date, str, bool]] = {}

    def upcoming(
        what: str, day: date, after: int | None, contact: Contact
    ) -> tuple[date, str, bool]:
        """(next date, why, whether it is soon), the same for every contact with the same
        day and reward preference."""
        key = (what, day.month, day.day, after is not None and after >= today.year,
               contact.reward_preference)  # fmt: skip
        if key not in known:
            when = next_occurrence(day, today, after_year=after)
            known[key] = (when, _soon(what, when, today, contact), (when - today).days <= window)
        return known[key]

    for contact in ctx.base.contacts:
        cid = contact.id
        if contact.birth_date is not None:
            birthday, reason, soon = upcoming("birthday", contact.birth_date, None, contact)
            yield Output("contact", cid, "field", out.NEXT_BIRTHDAY, birthday, RULE, reason)
            if soon:
                yield Output("contact", cid, "tag", out.BIRTHDAY_SOON, True, RULE, reason)
        history = purchases.get(cid)
        first = history.first_purchase if history is not None else None
        if first is not None:
            when, reason, soon = upcoming("purchase anniversary", first, first.year, contact)
            yield Output("contact", cid, "field", out.NEXT_PURCHASE_ANNIVERSARY, when, RULE, reason)
            if soon:
                yield Output("contact", cid, "tag", out.ANNIVERSARY_SOON, True, RULE, reason)
