"""The logical data set in HubSpot's native shape (docs/fields.md, HubSpot column)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sandbox.dataset import Company, Contact, Dataset, Deal
from sandbox.hubspot.portal import HubSpotOwner, Portal
from sandbox.hubspot.schema import OBJECT_TYPES, ROWS, build_catalogue, options
from sandbox.hubspot.store import ObjectStore, pack
from sandbox.hubspot.values import CELL_SEPARATOR, format_number, iso_date, iso_datetime, to_ms

#: owners get HubSpot-style numeric ids from here on, in data set order.
FIRST_OWNER_ID = 70_000_001
#: logical stage → dealstage; "open" spreads over three open stages, stable per deal key.
_OPEN_STAGES = ("qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin")
_STAGES = {"meeting": "appointmentscheduled", "quote": "contractsent", "won": "closedwon",
           "lost": "closedlost"}


def deal_stage(deal: Deal) -> str:
    """The native ``dealstage`` of a logical deal."""
    if deal.stage == "open":
        return _OPEN_STAGES[zlib.crc32(deal.key.encode()) % len(_OPEN_STAGES)]
    return _STAGES[deal.stage]


def load_dataset(portal: Portal, dataset: Dataset | None) -> dict[str, int]:
    """Fill the portal's stores; returns data set key → HubSpot record id."""
    now = portal.now_ms()
    owner_ids = _load_owners(portal, dataset.owners if dataset else [], now)
    owner_options = options(
        [o.id for o in portal.owners], [f"{o.first_name} {o.last_name}" for o in portal.owners]
    )
    tags = {
        "contacts": _tags(dataset.contacts if dataset else []),
        "companies": _tags(dataset.companies if dataset else []),
    }
    for object_type in OBJECT_TYPES.values():
        catalogue = build_catalogue(
            object_type, owner_options, tags.get(object_type.name, ()), now
        )
        portal.stores[object_type.name] = ObjectStore(object_type, catalogue)
    if dataset is None:
        return {}
    ids: dict[str, int] = {}
    _load_companies(portal, dataset.companies, owner_ids, ids)
    _load_contacts(portal, dataset.contacts, owner_ids, ids)
    _load_deals(portal, dataset.deals, owner_ids, ids)
    for store in portal.stores.values():
        store.finish_loading()
    return ids


def _packed(cells: list[str]) -> str:
    """The cells as one stored string; a separator typed inside a value becomes a space."""
    packed = pack(cells)
    if packed.count(CELL_SEPARATOR) >= len(cells):
        packed = pack([cell.replace(CELL_SEPARATOR, " ") for cell in cells])
    return packed


def _load_owners(portal: Portal, owners: Iterable[Any], now: int) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for number, owner in enumerate(owners):
        native = str(FIRST_OWNER_ID + number)
        mapping[owner.id] = native
        portal.owners.append(
            HubSpotOwner(native, owner.email, owner.first_name, owner.last_name,
                         FIRST_OWNER_ID + 500_000 + number, now)
        )
    return mapping


def _tags(records: Iterable[Contact] | Iterable[Company]) -> set[str]:
    found: set[str] = set()
    for record in records:
        found.update(record.tags)
    return found


def _check_order(object_type: str, names: tuple[str, ...]) -> None:
    """load.py writes cells positionally: its order must be the catalogue's."""
    expected = tuple(row[0] for row in ROWS[object_type])
    if names != expected:
        raise AssertionError(f"{object_type} load order {names} != catalogue {expected}")


def _s(value: str | None) -> str:
    return value or ""


def _b(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def _n(value: float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    text = repr(round(value, 6))
    return text if "e" not in text else format_number(Decimal(text))


def _dt(value: datetime | None) -> str:
    return iso_datetime(value) if value else ""


def _d(value: date | None) -> str:
    return iso_date(value) if value else ""


def _set(values: Iterable[str]) -> str:
    return ";".join(sorted(values))


_CONTACT_ORDER = (
    "firstname", "lastname", "email", "hs_additional_emails", "phone", "mobilephone", "address",
    "city", "state", "zip", "country", "date_of_birth", "jobtitle", "company",
    "hubspot_owner_id", "source_channel", "notes_last_updated", "hs_email_last_open_date",
    "hs_email_last_click_date", "hs_email_open", "hs_email_click", "marketing_consent",
    "hs_email_optout", "email_hard_bounce", "nps_score", "nps_date", "support_tickets",
    "avg_ticket_resolution_hours", "product_returns", "failed_payments", "referrals_count",
    "reward_preference", "disqualified", "disqualification_reason", "retired_reason",
    "asked_for_price", "meeting_booked", "quote_received", "lifecyclestage", "tags",
)


def _contact_cells(c: Contact, owner: str) -> list[str]:
    return [
        _s(c.first_name), _s(c.last_name), _s(c.email), _s(";".join(c.other_emails)),
        _s(c.phone), _s(c.mobile), _s(c.street), _s(c.city), _s(c.state), _s(c.zip),
        _s(c.country), _d(c.birth_date), _s(c.job_title), _s(c.company_name), owner,
        _s(c.source_channel), _dt(c.last_interaction_at), _dt(c.last_open_at),
        _dt(c.last_click_at), _n(c.email_opens), _n(c.email_clicks), _b(c.marketing_consent),
        _b(c.unsubscribed), _b(c.hard_bounce), _n(c.nps_score), _d(c.nps_date),
        _n(c.support_tickets), _n(c.avg_resolution_hours), _n(c.returns),
        _n(c.failed_payments), _n(c.referrals), _s(c.reward_preference), _b(c.disqualified),
        _s(c.disqualified_reason), _s(c.retired_reason), _b(c.asked_price),
        _b(c.meeting_booked), _b(c.quote_received), "", _set(c.tags),
    ]


_COMPANY_ORDER = (
    "name", "domain", "phone", "address", "city", "state", "zip", "country", "industry",
    "numberofemployees", "linkedin_company_page", "company_closed", "hubspot_owner_id", "tags",
)


def _company_cells(c: Company, owner: str) -> list[str]:
    return [
        _s(c.name), _s(c.domain), _s(c.phone), _s(c.street), _s(c.city), _s(c.state),
        _s(c.zip), _s(c.country), _s(c.industry), _n(c.employees), _s(c.linkedin),
        _b(c.closed), owner, _set(c.tags),
    ]


_DEAL_ORDER = (
    "dealname", "amount", "deal_currency_code", "dealstage", "pipeline", "closedate",
    "products", "hubspot_owner_id", "source_channel",
)


def _deal_cells(d: Deal, owner: str) -> list[str]:
    close = iso_date(d.close_date) + "T00:00:00.000Z"
    return [
        _s(d.name), _n(d.amount), _s(d.currency), deal_stage(d), "default", close,
        ";".join(dict.fromkeys(d.products)), owner, _s(d.channel),
    ]


def _load_companies(
    portal: Portal, companies: list[Company], owners: dict[str, str], ids: dict[str, int]
) -> None:
    _check_order("companies", _COMPANY_ORDER)
    store = portal.stores["companies"]
    for company in companies:
        cells = _company_cells(company, owners.get(company.owner_id or "", ""))
        ids[company.key] = store.load(
            _packed(cells), to_ms(company.created_at), to_ms(company.updated_at)
        )


def _load_contacts(
    portal: Portal, contacts: list[Contact], owners: dict[str, str], ids: dict[str, int]
) -> None:
    _check_order("contacts", _CONTACT_ORDER)
    store = portal.stores["contacts"]
    link = portal.associations.linker("contacts", "companies", primary=True)
    for contact in contacts:
        cells = _contact_cells(contact, owners.get(contact.owner_id or "", ""))
        record_id = store.load(_packed(cells), to_ms(contact.created_at), to_ms(contact.updated_at))
        ids[contact.key] = record_id
        company_id = ids.get(contact.company_key or "")
        if company_id is not None:
            link(record_id, company_id)


def _load_deals(
    portal: Portal, deals: list[Deal], owners: dict[str, str], ids: dict[str, int]
) -> None:
    _check_order("deals", _DEAL_ORDER)
    store = portal.stores["deals"]
    link_company = portal.associations.linker("deals", "companies", primary=True)
    link_contact = portal.associations.linker("deals", "contacts", primary=False)
    for deal in deals:
        cells = _deal_cells(deal, owners.get(deal.owner_id or "", ""))
        record_id = store.load(_packed(cells), to_ms(deal.created_at), to_ms(deal.updated_at))
        ids[deal.key] = record_id
        company_id = ids.get(deal.company_key or "")
        if company_id is not None:
            link_company(record_id, company_id)
        for contact_key in deal.contact_keys:
            contact_id = ids.get(contact_key)
            if contact_id is not None:
                link_contact(record_id, contact_id)
