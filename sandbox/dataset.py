"""The logical data set the sandbox serves, independent of any CRM's field names.

The generator (`sandbox.generator`) fills a :class:`Dataset`; each emulator loads the same
data set in its own native shape (see ``docs/fields.md``). The :class:`GroundTruth` says what
the data really is, so tests and benchmarks can score crmsync's hygiene and segmentation.

This module imports nothing of crmsync's other packages: the sandbox stands alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

#: The channels a contact can arrive through (playbook §1).
CHANNELS = ("chat", "call", "form", "social", "web", "store", "referral")
#: Zero-party reward preferences.
REWARD_PREFERENCES = ("discount", "gift", "points", "experience")
#: Logical deal stages. Each emulator maps them to its native pipeline (docs/fields.md).
DEAL_STAGES = ("open", "meeting", "quote", "won", "lost")
#: Product catalogue for deals' line items and cross-sell.
PRODUCTS = (
    "Starter Plan",
    "Pro Plan",
    "Enterprise Plan",
    "Onboarding",
    "Training",
    "Support Plus",
    "Analytics Add-on",
    "Integrations Pack",
    "Mobile App",
    "Hardware Kit",
)


@dataclass(slots=True)
class Owner:
    """A salesperson who owns records."""

    id: str
    first_name: str
    last_name: str
    email: str


@dataclass(slots=True)
class Company:
    """A company (HubSpot company, Salesforce Account, Zoho Account)."""

    key: str  # stable logical id, unique per record ("co-0000042")
    name: str | None
    domain: str | None
    phone: str | None
    street: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None
    industry: str | None
    employees: int | None
    linkedin: str | None
    closed: bool
    owner_id: str | None
    created_at: datetime
    updated_at: datetime
    tags: frozenset[str] = frozenset()


@dataclass(slots=True)
class Contact:
    """A person. Fields follow the common model of docs/fields.md; values are *as a person
    typed them*, noise included (that is the point)."""

    key: str  # stable logical id, unique per record ("ct-0000042")
    first_name: str | None
    last_name: str | None
    email: str | None
    other_emails: tuple[str, ...]
    phone: str | None
    mobile: str | None
    street: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None
    birth_date: date | None
    job_title: str | None
    company_key: str | None  # association to a Company.key
    company_name: str | None
    owner_id: str | None
    source_channel: str | None  # one of CHANNELS
    created_at: datetime
    updated_at: datetime
    last_interaction_at: datetime | None
    last_open_at: datetime | None
    last_click_at: datetime | None
    email_opens: int
    email_clicks: int
    marketing_consent: bool | None
    unsubscribed: bool
    hard_bounce: bool
    nps_score: int | None
    nps_date: date | None
    support_tickets: int
    avg_resolution_hours: float | None
    returns: int
    failed_payments: int
    referrals: int
    reward_preference: str | None  # one of REWARD_PREFERENCES
    disqualified: bool
    disqualified_reason: str | None
    retired_reason: str | None
    asked_price: bool
    meeting_booked: bool
    quote_received: bool
    tags: frozenset[str] = frozenset()  # tags a person set by hand


@dataclass(slots=True)
class Deal:
    """A deal / opportunity."""

    key: str  # "dl-0000042"
    name: str
    amount: float | None
    currency: str
    stage: str  # one of DEAL_STAGES
    close_date: date
    products: tuple[str, ...]
    owner_id: str | None
    channel: str | None
    company_key: str | None
    contact_keys: tuple[str, ...]  # first one is the primary contact
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class DuplicateTruth:
    """One record that is a noisy copy of another record of the same entity."""

    key: str  # the copy
    original_key: str  # the record it was derived from
    noise: tuple[str, ...]  # what was done to it, e.g. ("accents_dropped", "nickname")


@dataclass(slots=True)
class GroundTruth:
    """What the generated data really is."""

    #: record key -> entity id; records of one real person/company share the entity id.
    contact_entity: dict[str, str] = field(default_factory=dict)
    company_entity: dict[str, str] = field(default_factory=dict)
    contact_duplicates: list[DuplicateTruth] = field(default_factory=list)
    company_duplicates: list[DuplicateTruth] = field(default_factory=list)
    #: contact keys whose email / phone was made invalid on purpose, with the kind of damage.
    invalid_emails: dict[str, str] = field(default_factory=dict)
    invalid_phones: dict[str, str] = field(default_factory=dict)
    #: contact key -> the lifecycle segment the playbook's table gives at ``reference_time``.
    expected_segment: dict[str, str] = field(default_factory=dict)
    #: the "now" the expectations above are computed for.
    reference_time: datetime | None = None
    #: euros per unit of each deal currency: won revenue is compared in euros with these rates.
    fx_to_eur: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class Dataset:
    """Everything one sandbox serves."""

    seed: int
    owners: list[Owner]
    companies: list[Company]
    contacts: list[Contact]
    deals: list[Deal]
    truth: GroundTruth
