"""The common model: Contact, Company and Deal as every rule sees them, whatever the CRM.

Values are already normalised (see :mod:`mapping.values`): tz-aware UTC datetimes, ``None``
for empty strings, multi-selects as frozensets. Build records by hand with
``Contact.of(...)``, which normalises; the mapping's converter builds them for CRM data.
The fields follow the playbook's §1 and ``docs/fields.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from typing_extensions import Self

from mapping.values import normalise

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _kind(kind: str, default: Any = None) -> Any:
    return field(default=default, metadata={"kind": kind})


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a record came from."""

    crm: str
    object_type: str
    native_id: str
    updated_at: datetime | None = None


class _Entity:
    """Behaviour shared by the three record types (a plain mixin: dataclass fields live on
    each subclass)."""

    __slots__ = ()

    @classmethod
    def of(cls, **values: Any) -> Self:
        """A record whose values are normalised as the boundary would (for tests, CSV, …)."""
        kinds = field_kinds(cls)
        unknown = set(values) - set(kinds) - {"id", "custom", "source"}
        if unknown:
            raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
        normalised = {
            name: normalise(kinds[name], value) if name in kinds else value
            for name, value in values.items()
        }
        if "custom" in normalised:
            normalised["custom"] = MappingProxyType(dict(normalised["custom"]))
        return cls(**normalised)

    def replace(self, **changes: Any) -> Self:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True, slots=True)
class Contact(_Entity):
    """A person."""

    id: str
    first_name: str | None = _kind("string")
    last_name: str | None = _kind("string")
    email: str | None = _kind("string")
    other_emails: frozenset[str] = _kind("set", frozenset())
    phone: str | None = _kind("string")
    mobile: str | None = _kind("string")
    street: str | None = _kind("string")
    city: str | None = _kind("string")
    state: str | None = _kind("string")
    zip: str | None = _kind("string")
    country: str | None = _kind("string")
    birth_date: date | None = _kind("date")
    job_title: str | None = _kind("string")
    company_name: str | None = _kind("string")
    company_id: str | None = _kind("string")
    owner_id: str | None = _kind("string")
    source_channel: str | None = _kind("string")
    created_at: datetime | None = _kind("datetime")
    updated_at: datetime | None = _kind("datetime")
    last_interaction_at: datetime | None = _kind("datetime")
    last_open_at: datetime | None = _kind("datetime")
    last_click_at: datetime | None = _kind("datetime")
    email_opens: int | None = _kind("int")
    email_clicks: int | None = _kind("int")
    marketing_consent: bool | None = _kind("bool")
    unsubscribed: bool | None = _kind("bool")
    hard_bounce: bool | None = _kind("bool")
    nps_score: int | None = _kind("int")
    nps_date: date | None = _kind("date")
    support_tickets: int | None = _kind("int")
    avg_resolution_hours: float | None = _kind("float")
    returns: int | None = _kind("int")
    failed_payments: int | None = _kind("int")
    referrals: int | None = _kind("int")
    reward_preference: str | None = _kind("string")
    disqualified: bool | None = _kind("bool")
    disqualified_reason: str | None = _kind("string")
    retired_reason: str | None = _kind("string")
    asked_price: bool | None = _kind("bool")
    meeting_booked: bool | None = _kind("bool")
    quote_received: bool | None = _kind("bool")
    lifecycle_stage: str | None = _kind("string")
    tags: frozenset[str] = _kind("set", frozenset())
    custom: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    source: Provenance | None = None


@dataclass(frozen=True, slots=True)
class Company(_Entity):
    """A company (HubSpot company, Salesforce/Zoho Account)."""

    id: str
    name: str | None = _kind("string")
    domain: str | None = _kind("string")
    phone: str | None = _kind("string")
    street: str | None = _kind("string")
    city: str | None = _kind("string")
    state: str | None = _kind("string")
    zip: str | None = _kind("string")
    country: str | None = _kind("string")
    industry: str | None = _kind("string")
    employees: int | None = _kind("int")
    linkedin: str | None = _kind("string")
    closed: bool | None = _kind("bool")
    owner_id: str | None = _kind("string")
    created_at: datetime | None = _kind("datetime")
    updated_at: datetime | None = _kind("datetime")
    tags: frozenset[str] = _kind("set", frozenset())
    custom: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    source: Provenance | None = None


@dataclass(frozen=True, slots=True)
class Deal(_Entity):
    """A deal / opportunity. ``stage`` is one of :data:`DEAL_STAGES`."""

    id: str
    name: str | None = _kind("string")
    amount: Decimal | None = _kind("decimal")
    currency: str | None = _kind("string")
    stage: str | None = _kind("string")
    close_date: date | None = _kind("date")
    products: frozenset[str] = _kind("set", frozenset())
    owner_id: str | None = _kind("string")
    channel: str | None = _kind("string")
    company_id: str | None = _kind("string")
    contact_ids: tuple[str, ...] = _kind("refs", ())
    created_at: datetime | None = _kind("datetime")
    updated_at: datetime | None = _kind("datetime")
    custom: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    source: Provenance | None = None


#: The logical deal stages the mappings translate each CRM's pipeline into.
DEAL_STAGES = ("open", "meeting", "quote", "won", "lost")

Entity = Contact | Company | Deal
ENTITIES: dict[str, type[Contact] | type[Company] | type[Deal]] = {
    "contact": Contact,
    "company": Company,
    "deal": Deal,
}


_KINDS: dict[type, Mapping[str, str]] = {
    cls: MappingProxyType(
        {f.name: f.metadata["kind"] for f in dataclasses.fields(cls) if "kind" in f.metadata}
    )
    for cls in ENTITIES.values()
}


def field_kinds(cls: type) -> Mapping[str, str]:
    """Common field name -> value kind, for the mappable fields of an entity class."""
    return _KINDS[cls]
