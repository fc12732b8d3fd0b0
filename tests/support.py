"""Shortcuts for tests and benchmarks of the rules: the sandbox generator's data set turned
straight into the common model, without HTTP (the end-to-end tests take the real path:
emulator → connector → mapping). Multi-select values go through the mapping's own conversion,
so a base shares its sets the way a pulled one does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mapping.model import Company, Contact, Deal
from mapping.values import to_set
from sandbox.dataset import Dataset
from sync.rules.base import CustomerBase


def _text(value: Any) -> Any:
    """Blank strings are no value, as at the mapping boundary."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def contact_of(record: Any) -> Contact:
    values = {name: _text(getattr(record, name)) for name in _CONTACT_FIELDS}
    return Contact(
        id=record.key,
        company_id=record.company_key,
        other_emails=to_set(record.other_emails),
        tags=to_set(record.tags),
        **values,
    )


def company_of(record: Any) -> Company:
    values = {name: _text(getattr(record, name)) for name in _COMPANY_FIELDS}
    return Company(id=record.key, tags=to_set(record.tags), **values)


def deal_of(record: Any) -> Deal:
    return Deal(
        id=record.key,
        name=record.name,
        amount=None if record.amount is None else Decimal(str(record.amount)),
        currency=record.currency,
        stage=record.stage,
        close_date=record.close_date,
        products=to_set(record.products),
        owner_id=record.owner_id,
        channel=record.channel,
        company_id=record.company_key,
        contact_ids=tuple(record.contact_keys),
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def common_base(dataset: Dataset) -> CustomerBase:
    """The generator's records as the rules would see them after a pull."""
    return CustomerBase(
        [contact_of(c) for c in dataset.contacts],
        [company_of(c) for c in dataset.companies],
        [deal_of(d) for d in dataset.deals],
    )


_CONTACT_FIELDS = (
    "first_name", "last_name", "email", "phone", "mobile", "street", "city", "state", "zip",
    "country", "birth_date", "job_title", "company_name", "owner_id", "source_channel",
    "created_at", "updated_at", "last_interaction_at", "last_open_at", "last_click_at",
    "email_opens", "email_clicks", "marketing_consent", "unsubscribed", "hard_bounce",
    "nps_score", "nps_date", "support_tickets", "avg_resolution_hours", "returns",
    "failed_payments", "referrals", "reward_preference", "disqualified", "disqualified_reason",
    "retired_reason", "asked_price", "meeting_booked", "quote_received",
)
_COMPANY_FIELDS = (
    "name", "domain", "phone", "street", "city", "state", "zip", "country", "industry",
    "employees", "linkedin", "closed", "owner_id", "created_at", "updated_at",
)
