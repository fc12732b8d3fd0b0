"""The lifecycle segment the playbook (§2) gives each contact, computed from the data.

A contact's deals are the deals whose *primary* contact (first of ``contact_keys``) it is;
secondary contacts on a deal do not inherit it. Revenue is the sum of a contact's won deals'
amounts (a missing amount counts 0) converted to euros with fixed rates. Segments, first match
wins:

``NOT_QUALIFIED``
    ``disqualified`` is set (with or without a reason).
``CUSTOMER_RETIRED``
    ≥1 won deal and a non-blank ``retired_reason``.
``CUSTOMER_EVANGELIST``
    ≥3 won deals, revenue in the top 20% of customers, and ``referrals`` ≥ 1 or
    ``nps_score`` ≥ 9. Customers are all contacts with ≥1 won deal; sorted by revenue
    (descending), the top 20% are those whose revenue is ≥ the revenue of the customer at
    position ceil(0.2 × customers).
``CUSTOMER_DORMANT``
    ≥1 won deal and the last won close date is more than max(180, 2 × median) days before the
    reference date, where median is the median of the day gaps between consecutive won close
    dates (180 alone with a single won deal).
``CUSTOMER``
    ≥1 won deal.
``QUALIFIED``
    a deal in stage ``meeting`` or ``quote``, or ``meeting_booked``, or ``quote_received``.
``LEAD``
    a valid e-mail and ``asked_price``. Valid: ``email`` is not None, not blank, and was not
    damaged on purpose (not in ``GroundTruth.invalid_emails``, domain typos included).
``COLD_CONTACT``
    everything else.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from itertools import pairwise

from sandbox.dataset import Contact, Deal

SEGMENTS = ("NOT_QUALIFIED", "CUSTOMER_RETIRED", "CUSTOMER_EVANGELIST", "CUSTOMER_DORMANT",
            "CUSTOMER", "QUALIFIED", "LEAD", "COLD_CONTACT")
TOP_SHARE = 0.2
EVANGELIST_MIN_WON = 3
DORMANT_MIN_DAYS = 180


def won_revenue(deals: Iterable[Deal], fx_to_eur: Mapping[str, float]
                ) -> tuple[dict[str, list[date]], dict[str, float], set[str]]:
    """Per primary contact: won close dates and won revenue in euros; and the contacts with a
    deal in a meeting or quote stage."""
    won_dates: dict[str, list[date]] = {}
    revenue: dict[str, float] = {}
    advanced: set[str] = set()
    for deal in deals:
        if not deal.contact_keys:
            continue
        primary = deal.contact_keys[0]
        if deal.stage == "won":
            won_dates.setdefault(primary, []).append(deal.close_date)
            revenue[primary] = revenue.get(primary, 0.0) + (deal.amount or 0.0) * fx_to_eur[
                deal.currency]
        elif deal.stage in ("meeting", "quote"):
            advanced.add(primary)
    return won_dates, revenue, advanced


def top_revenue_threshold(revenue: Mapping[str, float]) -> float:
    """The smallest revenue still in the top 20% of customers (inf without customers)."""
    if not revenue:
        return math.inf
    ranked = sorted(revenue.values(), reverse=True)
    return ranked[math.ceil(TOP_SHARE * len(ranked)) - 1]


def is_dormant(won: list[date], today: date) -> bool:
    """No won deal for longer than max(180 days, 2 × the median gap between won deals)."""
    ordered = sorted(won)
    gaps = sorted((b - a).days for a, b in pairwise(ordered))
    limit: float = DORMANT_MIN_DAYS
    if gaps:
        mid = len(gaps) // 2
        median = gaps[mid] if len(gaps) % 2 else (gaps[mid - 1] + gaps[mid]) / 2
        limit = max(limit, 2 * median)
    return (today - ordered[-1]).days > limit


def expected_segments(contacts: Iterable[Contact], deals: Iterable[Deal],
                      invalid_emails: Mapping[str, str], now: datetime,
                      fx_to_eur: Mapping[str, float]) -> dict[str, str]:
    """contact key -> lifecycle segment at ``now`` (see the module docstring)."""
    won_dates, revenue, advanced = won_revenue(deals, fx_to_eur)
    threshold = top_revenue_threshold(revenue)
    today = now.date()
    segments: dict[str, str] = {}
    for c in contacts:
        key = c.key
        won = won_dates.get(key)
        if c.disqualified:
            segment = "NOT_QUALIFIED"
        elif won and c.retired_reason is not None and c.retired_reason.strip():
            segment = "CUSTOMER_RETIRED"
        elif won and (len(won) >= EVANGELIST_MIN_WON and revenue[key] >= threshold
                      and (c.referrals >= 1 or (c.nps_score is not None and c.nps_score >= 9))):
            segment = "CUSTOMER_EVANGELIST"
        elif won and is_dormant(won, today):
            segment = "CUSTOMER_DORMANT"
        elif won:
            segment = "CUSTOMER"
        elif key in advanced or c.meeting_booked or c.quote_received:
            segment = "QUALIFIED"
        elif (c.asked_price and c.email is not None and c.email.strip()
              and key not in invalid_emails):
            segment = "LEAD"
        else:
            segment = "COLD_CONTACT"
        segments[key] = segment
    return segments
