"""The logical :class:`Dataset` in Zoho's native shape (docs/fields.md): Accounts, Contacts,
Deals with ``Contact_Name`` and Contact_Roles, owners as users, people's tags as native tags.
Ids are assigned in load order, so the same data set always gets the same ids."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sandbox.dataset import Company, Contact, Dataset, Deal
from sandbox.zoho.fields import LEAD_SOURCES as SOURCE_OPTIONS
from sandbox.zoho.fields import to_epoch
from sandbox.zoho.store import Store, User

#: Channel -> Lead_Source option.
LEAD_SOURCES = {option.lower(): option for option in SOURCE_OPTIONS}
#: Logical deal stage -> Zoho Stage label.
STAGES = {
    "open": "Qualification",
    "meeting": "Needs Analysis",
    "quote": "Proposal/Price Quote",
    "won": "Closed Won",
    "lost": "Closed Lost",
}


def _lead_source(value: str | None) -> str | None:
    """A channel as its Lead_Source picklist value (one shared string per value)."""
    return LEAD_SOURCES.get(value) if value else None


def _epoch(value: Any) -> int | None:
    return to_epoch(value) if value is not None else None


class Loader:
    """Loads one data set into a store."""

    def __init__(self, store: Store, dataset: Dataset, ids: dict[str, int]) -> None:
        self.store = store
        self.dataset = dataset
        self.owners: dict[str, int] = {}
        #: logical key (companies, contacts, deals) -> Zoho id
        self.ids = ids
        self.days: dict[date, str] = {}

    def run(self) -> None:
        for owner in self.dataset.owners:
            user = User(self.store.new_id(), owner.first_name, owner.last_name, owner.email)
            self.owners[owner.id] = self.store.add_user(user)
        self._load("Accounts", self._accounts())
        self._load("Contacts", self._contacts())
        self._load("Deals", self._deals())

    def _load(self, module: str, records: Iterator[tuple[int, dict[str, Any], frozenset[str]]]
              ) -> None:
        schema = self.store.schemas[module]
        table = self.store.tables[module]
        rows: list[tuple[int, tuple[Any, ...]]] = []
        for record_id, values, tags in records:
            rows.append((record_id, schema.pack(values)))
            if tags:
                table.tags[record_id] = tuple(self.store.tag(module, t).id for t in sorted(tags))
        table.load(rows)

    def _day(self, value: date | None) -> str | None:
        """A date as ``YYYY-MM-DD``, one shared string per day."""
        if value is None:
            return None
        text = self.days.get(value)
        if text is None:
            text = self.days[value] = value.isoformat()
        return text

    def _stamps(self, owner_id: str | None, created: Any, updated: Any) -> dict[str, Any]:
        return {
            "Owner": self.owners.get(owner_id or "", self.store.api_user),
            "Created_By": self.store.api_user,
            "Modified_By": self.store.api_user,
            "Created_Time": to_epoch(created),
            "Modified_Time": to_epoch(updated),
        }

    def _accounts(self) -> Iterator[tuple[int, dict[str, Any], frozenset[str]]]:
        for company in self.dataset.companies:
            record_id = self.ids[company.key] = self.store.new_id()
            yield record_id, self._account(company), company.tags

    def _account(self, company: Company) -> dict[str, Any]:
        return {
            "Account_Name": company.name,
            "Website": company.domain,
            "Phone": company.phone,
            "Billing_Street": company.street,
            "Billing_City": company.city,
            "Billing_State": company.state,
            "Billing_Code": company.zip,
            "Billing_Country": company.country,
            "Industry": company.industry,
            "Employees": company.employees,
            "LinkedIn": company.linkedin,
            "Company_Closed": company.closed,
            **self._stamps(company.owner_id, company.created_at, company.updated_at),
        }

    def _contacts(self) -> Iterator[tuple[int, dict[str, Any], frozenset[str]]]:
        for contact in self.dataset.contacts:
            record_id = self.ids[contact.key] = self.store.new_id()
            yield record_id, self._contact(contact), contact.tags

    def _contact(self, c: Contact) -> dict[str, Any]:
        return {
            "First_Name": c.first_name,
            "Last_Name": c.last_name,
            "Email": c.email,
            "Secondary_Email": c.other_emails[0] if c.other_emails else None,
            "Phone": c.phone,
            "Mobile": c.mobile,
            "Mailing_Street": c.street,
            "Mailing_City": c.city,
            "Mailing_State": c.state,
            "Mailing_Zip": c.zip,
            "Mailing_Country": c.country,
            "Date_of_Birth": self._day(c.birth_date),
            "Title": c.job_title,
            "Account_Name": self.ids.get(c.company_key or ""),
            "Lead_Source": _lead_source(c.source_channel),
            "Last_Activity_Time": _epoch(c.last_interaction_at),
            "Last_Email_Open": _epoch(c.last_open_at),
            "Last_Email_Click": _epoch(c.last_click_at),
            "Email_Opens": c.email_opens,
            "Email_Clicks": c.email_clicks,
            "Marketing_Consent": c.marketing_consent,
            "Email_Opt_Out": c.unsubscribed,
            "Email_Hard_Bounce": c.hard_bounce,
            "NPS_Score": c.nps_score,
            "NPS_Date": self._day(c.nps_date),
            "Support_Tickets": c.support_tickets,
            "Avg_Resolution_Hours": c.avg_resolution_hours,
            "Product_Returns": c.returns,
            "Failed_Payments": c.failed_payments,
            "Referrals": c.referrals,
            "Reward_Preference": c.reward_preference,
            "Disqualified": c.disqualified,
            "Disqualification_Reason": c.disqualified_reason,
            "Retired_Reason": c.retired_reason,
            "Asked_For_Price": c.asked_price,
            "Meeting_Booked": c.meeting_booked,
            "Quote_Received": c.quote_received,
            **self._stamps(c.owner_id, c.created_at, c.updated_at),
        }

    def _deals(self) -> Iterator[tuple[int, dict[str, Any], frozenset[str]]]:
        for deal in self.dataset.deals:
            record_id = self.ids[deal.key] = self.store.new_id()
            contacts = [self.ids[k] for k in deal.contact_keys if k in self.ids]
            if len(contacts) > 1:
                self._roles(record_id, contacts)
            yield record_id, self._deal(deal, contacts), frozenset()

    def _deal(self, deal: Deal, contacts: list[int]) -> dict[str, Any]:
        currencies = self.store.schemas["Deals"].fields["Currency"]
        if deal.currency and deal.currency not in currencies.options:
            currencies.options = (*currencies.options, deal.currency)
        return {
            "Deal_Name": deal.name,
            "Amount": deal.amount,
            "Currency": deal.currency or None,
            "Stage": STAGES.get(deal.stage, deal.stage),
            "Closing_Date": self._day(deal.close_date),
            "Products": tuple(deal.products) or None,
            "Lead_Source": _lead_source(deal.channel),
            "Account_Name": self.ids.get(deal.company_key or ""),
            "Contact_Name": contacts[0] if contacts else None,
            **self._stamps(deal.owner_id, deal.created_at, deal.updated_at),
        }

    def _roles(self, deal_id: int, contacts: list[int]) -> None:
        """The primary contact gets the first role, the others cycle through the rest."""
        role_ids = list(self.store.roles)
        assigned = self.store.contact_roles.setdefault(deal_id, {})
        for position, contact_id in enumerate(contacts):
            others = 1 + (position - 1) % (len(role_ids) - 1)
            assigned[contact_id] = role_ids[0 if position == 0 else others]


def load_dataset(store: Store, dataset: Dataset) -> dict[str, int]:
    """Fill an empty store with a data set; answers each company's, contact's and deal's
    Zoho id by its logical key."""
    ids: dict[str, int] = {}
    Loader(store, dataset, ids).run()
    return ids
