"""Obsolete records (playbook §4): flagged for a person to review, never deleted.

A contact is obsolete when there is no valid way to reach it (no valid e-mail, no valid
phone), its address hard-bounced, its company is closed, or it shows no sign of life (purchase,
interaction, open, click; its creation when nothing else is known) for
``obsolete_inactive_years``."""

from __future__ import annotations

from datetime import date, timedelta

from mapping.model import Company, Contact
from sync.hygiene.records import Checked


def obsolete_reasons(
    contact: Contact,
    checked: Checked,
    *,
    company: Company | None,
    last_won: date | None,
    today: date,
    inactive_years: int,
) -> dict[str, str]:
    """Why ``contact`` looks obsolete (empty when it does not): reason code
    (``unreachable``, ``hard_bounce``, ``company_closed``, ``inactive``) -> plain words."""
    reasons = {}
    if not checked.reachable:
        reasons["unreachable"] = "no valid e-mail or phone"
    if contact.hard_bounce:
        reasons["hard_bounce"] = "e-mail hard-bounced"
    if company is not None and company.closed:
        reasons["company_closed"] = f"company {company.name or company.id} is closed"
    moments = [
        m.date()
        for m in (contact.last_interaction_at, contact.last_open_at, contact.last_click_at)
        if m is not None
    ]
    if last_won is not None:
        moments.append(last_won)
    if not moments and contact.created_at is not None:
        moments.append(contact.created_at.date())
    if moments:
        last = max(moments)
        if last < today - timedelta(days=round(365.25 * inactive_years)):
            reasons["inactive"] = (
                f"no sign of life since {last.isoformat()} (> {inactive_years} years)"
            )
    return reasons
