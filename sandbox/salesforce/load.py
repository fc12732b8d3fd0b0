"""Dataset → Salesforce records, in the native field names of docs/fields.md.

Owners become Users, companies Accounts, contacts Contacts (``AccountId`` from the company),
deals Opportunities plus one OpportunityContactRole per contact (the first one primary).
Rows are built directly (no write checks: the data set is messy on purpose) and bulk-loaded.

Memory matters at a million contacts: values are shared wherever they repeat (the data set's
own strings, one string per distinct date, picklist value, tag set or product set, one float
per small count; the data set's own datetime objects).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sandbox.dataset import PRODUCTS, Company, Contact, Dataset, Deal, Owner
from sandbox.salesforce.schema import LEAD_SOURCES
from sandbox.salesforce.store import CREATED, STAMP, Row, Store
from sandbox.salesforce.values import to_utc

T = TypeVar("T")
#: what Salesforce shows for a required name nobody provided
NOT_PROVIDED = "[not provided]"
STAGE_NAMES = {
    "meeting": "Needs Analysis",
    "quote": "Proposal/Price Quote",
    "won": "Closed Won",
    "lost": "Closed Lost",
}
OPEN_STAGES = ("Prospecting", "Qualification")
_CHANNELS = {source.lower(): source for source in LEAD_SOURCES}
_PRODUCT_ORDER = {name: index for index, name in enumerate(PRODUCTS)}
_SMALL_FLOATS = tuple(float(n) for n in range(1024))

#: the fields each loader fills, in schema order after the system fields (Id, IsDeleted,
#: CreatedDate, LastModifiedDate, SystemModstamp): a row is those five plus these values
USER_FIELDS = ("FirstName", "LastName", "Email")
ACCOUNT_FIELDS = (
    "OwnerId", "Name", "Website", "Phone", "BillingStreet", "BillingCity", "BillingState",
    "BillingPostalCode", "BillingCountry", "Industry", "NumberOfEmployees", "LinkedIn__c",
    "Company_Closed__c", "Tags__c",
)
CONTACT_FIELDS = (
    "OwnerId", "FirstName", "LastName", "Email", "Other_Emails__c", "Phone", "MobilePhone",
    "MailingStreet", "MailingCity", "MailingState", "MailingPostalCode", "MailingCountry",
    "Birthdate", "Title", "AccountId", "LeadSource", "LastActivityDate", "Last_Email_Open__c",
    "Last_Email_Click__c", "Email_Opens__c", "Email_Clicks__c", "Marketing_Consent__c",
    "HasOptedOutOfEmail", "IsEmailBounced", "NPS_Score__c", "NPS_Date__c",
    "Support_Tickets__c", "Avg_Resolution_Hours__c", "Product_Returns__c",
    "Failed_Payments__c", "Referrals__c", "Reward_Preference__c", "Disqualified__c",
    "Disqualification_Reason__c", "Retired_Reason__c", "Asked_For_Price__c",
    "Meeting_Booked__c", "Quote_Received__c", "Lifecycle_Stage__c", "Tags__c",
)
OPPORTUNITY_FIELDS = (
    "OwnerId", "Name", "Amount", "CurrencyIsoCode", "StageName", "CloseDate", "Products__c",
    "LeadSource", "AccountId",
)
ROLE_FIELDS = ("OpportunityId", "ContactId", "Role", "IsPrimary")


def _moment(value: datetime | None) -> datetime | None:
    return None if value is None else to_utc(value)


def _count(value: int) -> float:
    return _SMALL_FLOATS[value] if 0 <= value < len(_SMALL_FLOATS) else float(value)


def _number(value: float | None) -> float | None:
    return None if value is None else float(value)


def _channel(channel: str | None) -> str | None:
    return _CHANNELS.get(channel.lower(), channel.capitalize()) if channel else None


def _stamps(item: Contact | Company | Deal) -> tuple[datetime, datetime]:
    return to_utc(item.created_at), to_utc(item.updated_at)


class _Shared:
    """One string per distinct value of a repetitive kind (dates, tag sets, product sets)."""

    def __init__(self, render: Callable[[Any], str | None]) -> None:
        self._render = render
        self._seen: dict[Hashable, str | None] = {}

    def __call__(self, value: Hashable) -> str | None:
        if value is None:
            return None
        try:
            return self._seen[value]
        except KeyError:
            text = self._seen[value] = self._render(value)
            return text


def _product_list(products: tuple[str, ...]) -> str | None:
    ordered = sorted(set(products), key=lambda p: _PRODUCT_ORDER.get(p, len(PRODUCTS)))
    return ";".join(ordered) or None


class _Loader:
    """Builds rows for one data set; remembers logical keys → Salesforce ids."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.users: dict[str, str] = {}
        self.accounts: dict[str, str] = {}
        self.contacts: dict[str, str] = {}
        self.day = _Shared(lambda d: d.isoformat())
        self.tags = _Shared(lambda tags: ";".join(sorted(tags)) or None)
        self.products = _Shared(_product_list)

    def load(
        self,
        object_name: str,
        field_names: Sequence[str],
        items: Iterable[T],
        values: Callable[[T], tuple[Any, ...]],
        stamps: Callable[[T], tuple[datetime, datetime]],
        keys: dict[str, str] | None = None,
        key: Callable[[T], str] = str,
    ) -> None:
        """Rows of one object: ``values`` gives the fields' values, ``stamps`` (CreatedDate,
        SystemModstamp); ``keys`` collects logical key → id."""
        table = self.store.tables[object_name]
        schema = table.schema
        if [f.name for f in schema.fields[STAMP + 1 :]] != list(field_names):
            raise ValueError(f"{object_name} loader fields are not in schema order")
        prefix, next_id = schema.key_prefix, self.store.ids.next
        rows: list[Row] = []
        for item in items:
            record_id = next_id(prefix)
            created, modified = stamps(item)
            rows.append((record_id, False, created, modified, modified, *values(item)))
            if keys is not None:
                keys[key(item)] = record_id
        table.load(rows)

    def owner(self, owner_id: str | None) -> str:
        return self.users.get(owner_id or "", self.store.current_user_id)

    def user(self, owner: Owner) -> tuple[Any, ...]:
        return owner.first_name, owner.last_name or NOT_PROVIDED, owner.email

    def account(self, company: Company) -> tuple[Any, ...]:
        c = company
        return (
            self.owner(c.owner_id), c.name or NOT_PROVIDED, c.domain, c.phone, c.street, c.city,
            c.state, c.zip, c.country, c.industry, c.employees, c.linkedin, c.closed,
            self.tags(c.tags),
        )

    def contact(self, contact: Contact) -> tuple[Any, ...]:
        c, day = contact, self.day
        last_activity = c.last_interaction_at.date() if c.last_interaction_at else None
        return (
            self.owner(c.owner_id), c.first_name, c.last_name or NOT_PROVIDED, c.email,
            ";".join(c.other_emails) or None, c.phone, c.mobile, c.street, c.city, c.state,
            c.zip, c.country, day(c.birth_date), c.job_title,
            self.accounts.get(c.company_key or ""), _channel(c.source_channel),
            day(last_activity), _moment(c.last_open_at), _moment(c.last_click_at),
            _count(c.email_opens), _count(c.email_clicks), bool(c.marketing_consent),
            c.unsubscribed, c.hard_bounce, None if c.nps_score is None else _count(c.nps_score),
            day(c.nps_date), _count(c.support_tickets), _number(c.avg_resolution_hours),
            _count(c.returns), _count(c.failed_payments), _count(c.referrals),
            c.reward_preference, c.disqualified, c.disqualified_reason, c.retired_reason,
            c.asked_price, c.meeting_booked, c.quote_received, None, self.tags(c.tags),
        )

    def opportunity(self, position: int, deal: Deal) -> tuple[Any, ...]:
        stage = STAGE_NAMES.get(deal.stage) or OPEN_STAGES[position % 2]
        return (
            self.owner(deal.owner_id), deal.name, _number(deal.amount), deal.currency, stage,
            self.day(deal.close_date), self.products(deal.products), _channel(deal.channel),
            self.accounts.get(deal.company_key or ""),
        )

    def roles(
        self, deals: Sequence[Deal], opportunity_ids: dict[str, str]
    ) -> Iterator[tuple[tuple[Any, ...], Row]]:
        """(field values, opportunity row) of each contact role; the first is primary."""
        opportunities = self.store.tables["Opportunity"].rows
        for deal in deals:
            opportunity_id = opportunity_ids[deal.key]
            opportunity = opportunities[opportunity_id]
            known = [self.contacts[k] for k in deal.contact_keys if k in self.contacts]
            for position, contact_id in enumerate(known):
                role = "Decision Maker" if position == 0 else "Influencer"
                yield (opportunity_id, contact_id, role, position == 0), opportunity


def load_dataset(store: Store, dataset: Dataset) -> None:
    """Add a data set's owners, companies, contacts and deals to an (empty) store. The cyclic
    garbage collector is paused meanwhile: its scans of millions of new rows would dominate."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        _load(store, dataset)
    finally:
        if collecting:
            gc.enable()


def _load(store: Store, dataset: Dataset) -> None:
    loader = _Loader(store)
    first = min((c.created_at for c in dataset.companies), default=store.clock())
    since = to_utc(first)
    loader.load("User", USER_FIELDS, dataset.owners, loader.user, lambda _: (since, since),
                loader.users, key=lambda owner: owner.id)
    loader.load("Account", ACCOUNT_FIELDS, dataset.companies, loader.account, _stamps,
                loader.accounts, key=lambda company: company.key)
    loader.load("Contact", CONTACT_FIELDS, dataset.contacts, loader.contact, _stamps,
                loader.contacts, key=lambda contact: contact.key)
    opportunities: dict[str, str] = {}
    loader.load("Opportunity", OPPORTUNITY_FIELDS, enumerate(dataset.deals),
                lambda pair: loader.opportunity(*pair), lambda pair: _stamps(pair[1]),
                opportunities, key=lambda pair: pair[1].key)
    loader.load("OpportunityContactRole", ROLE_FIELDS, loader.roles(dataset.deals, opportunities),
                lambda pair: pair[0], lambda pair: (pair[1][CREATED], pair[1][STAMP]))
