"""The field catalogue of the emulated Zoho org (docs/fields.md) and the conversion of field
values between the API's JSON and the compact stored form.

Stored forms: datetimes are epoch seconds (int), lookups and owners the target's id (int),
multi-select picklists tuples of strings, everything else the JSON value itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from sandbox.dataset import CHANNELS, PRODUCTS, REWARD_PREFERENCES

#: The field data types the emulator knows (``GET /settings/fields`` ``data_type``).
DATA_TYPES = (
    "text", "email", "phone", "website", "picklist", "multiselectpicklist", "integer", "double",
    "currency", "date", "datetime", "boolean", "lookup", "ownerlookup", "textarea",
)
#: Types a custom field may be created with.
CREATABLE_TYPES = frozenset(DATA_TYPES) - {"lookup", "ownerlookup"}
DEFAULT_LENGTHS = {
    "text": 255, "email": 100, "phone": 30, "website": 255, "textarea": 32_000,
    "integer": 9, "double": 16, "currency": 16, "picklist": 120, "multiselectpicklist": 2_000,
}
STRING_TYPES = frozenset({"text", "email", "phone", "website", "textarea", "picklist"})
JSON_TYPES = {
    "integer": "integer", "double": "double", "currency": "double", "boolean": "boolean",
    "lookup": "jsonobject", "ownerlookup": "jsonobject", "multiselectpicklist": "jsonarray",
}
#: Fields whose JSON is not their data type's (``Tag`` is a list of ``{name, id}``).
JSON_TYPE_OVERRIDES = {"Tag": "jsonarray"}

LEAD_SOURCES = tuple(channel.title() for channel in CHANNELS)
#: Zoho's standard pipeline stages.
DEAL_STAGES = (
    "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
    "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost",
    "Closed Lost to Competition",
)
LIFECYCLE_STAGES = (
    "Subscriber", "Lead", "Marketing Qualified Lead", "Sales Qualified Lead", "Opportunity",
    "Customer", "Evangelist", "Other",
)
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "JPY", "INR", "MXN", "BRL", "CHF", "CNY")
TASK_PRIORITIES = ("Highest", "High", "Normal", "Low", "Lowest")
TASK_STATUSES = ("Not Started", "Deferred", "In Progress", "Completed", "Waiting for input")

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_PATTERN = re.compile(r"^[0-9+()\-./ x#*]+$", re.IGNORECASE)


class FieldError(Exception):
    """A value a field cannot take; ``details`` go into the INVALID_DATA answer."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass(slots=True)
class Field:
    """One field of a module, as ``GET /settings/fields`` describes it."""

    api_name: str
    data_type: str
    label: str = ""
    length: int | None = None
    read_only: bool = False
    mandatory: bool = False
    custom: bool = False
    options: tuple[str, ...] = ()
    lookup_modules: tuple[str, ...] = ()
    #: internal fields (``$se_module``) are stored but not listed.
    hidden: bool = False
    id: int = 0
    slot: int = -1

    def describe(self) -> dict[str, Any]:
        """The field's metadata in the shape of ``GET /crm/v8/settings/fields``."""
        meta: dict[str, Any] = {
            "api_name": self.api_name,
            "id": str(self.id),
            "field_label": self.label,
            "display_label": self.label,
            "data_type": self.data_type,
            "json_type": JSON_TYPE_OVERRIDES.get(
                self.api_name, JSON_TYPES.get(self.data_type, "string")),
            "length": self.length,
            "read_only": self.read_only,
            "system_mandatory": self.mandatory,
            "custom_field": self.custom,
            "visible": True,
            "pick_list_values": [
                {"display_value": v, "actual_value": v, "sequence_number": n}
                for n, v in enumerate(self.options, 1)
            ],
            "lookup": {},
        }
        if self.lookup_modules:
            meta["lookup"] = {"module": {"api_name": self.lookup_modules[0]}}
        return meta


def spec(
    api_name: str,
    data_type: str,
    *,
    ro: bool = False,
    req: bool = False,
    custom: bool = False,
    length: int | None = None,
    options: tuple[str, ...] = (),
    lookup: tuple[str, ...] = (),
    hidden: bool = False,
) -> Field:
    """A catalogue entry; the label is the api name with spaces."""
    return Field(
        api_name,
        data_type,
        label=api_name.replace("_", " ").strip("$ "),
        length=length or DEFAULT_LENGTHS.get(data_type),
        read_only=ro,
        mandatory=req,
        custom=custom,
        options=options,
        lookup_modules=lookup,
        hidden=hidden,
    )


def _system_fields() -> list[Field]:
    return [
        spec("Owner", "ownerlookup"),
        spec("Created_By", "ownerlookup", ro=True),
        spec("Modified_By", "ownerlookup", ro=True),
        spec("Created_Time", "datetime", ro=True),
        spec("Modified_Time", "datetime", ro=True),
        spec("Tag", "text"),
    ]


def contact_fields() -> list[Field]:
    """Contacts, per docs/fields.md."""
    return [
        spec("First_Name", "text", length=40),
        spec("Last_Name", "text", req=True, length=80),
        spec("Email", "email"),
        spec("Secondary_Email", "email"),
        spec("Phone", "phone"),
        spec("Mobile", "phone"),
        spec("Mailing_Street", "text", length=250),
        spec("Mailing_City", "text", length=100),
        spec("Mailing_State", "text", length=100),
        spec("Mailing_Zip", "text", length=30),
        spec("Mailing_Country", "text", length=100),
        spec("Date_of_Birth", "date"),
        spec("Title", "text", length=100),
        spec("Account_Name", "lookup", lookup=("Accounts",)),
        spec("Lead_Source", "picklist", options=LEAD_SOURCES),
        spec("Last_Activity_Time", "datetime", ro=True),
        spec("Last_Email_Open", "datetime", custom=True),
        spec("Last_Email_Click", "datetime", custom=True),
        spec("Email_Opens", "integer", custom=True),
        spec("Email_Clicks", "integer", custom=True),
        spec("Marketing_Consent", "boolean", custom=True),
        spec("Email_Opt_Out", "boolean"),
        spec("Email_Hard_Bounce", "boolean", custom=True),
        spec("NPS_Score", "integer", custom=True),
        spec("NPS_Date", "date", custom=True),
        spec("Support_Tickets", "integer", custom=True),
        spec("Avg_Resolution_Hours", "double", custom=True),
        spec("Product_Returns", "integer", custom=True),
        spec("Failed_Payments", "integer", custom=True),
        spec("Referrals", "integer", custom=True),
        spec("Reward_Preference", "picklist", custom=True, options=REWARD_PREFERENCES),
        spec("Disqualified", "boolean", custom=True),
        spec("Disqualification_Reason", "text", custom=True),
        spec("Retired_Reason", "text", custom=True),
        spec("Asked_For_Price", "boolean", custom=True),
        spec("Meeting_Booked", "boolean", custom=True),
        spec("Quote_Received", "boolean", custom=True),
        spec("Lifecycle_Stage", "picklist", custom=True, options=LIFECYCLE_STAGES),
        *_system_fields(),
    ]


def account_fields() -> list[Field]:
    """Accounts, per docs/fields.md."""
    return [
        spec("Account_Name", "text", req=True, length=200),
        spec("Website", "website"),
        spec("Phone", "phone"),
        spec("Billing_Street", "text", length=250),
        spec("Billing_City", "text", length=100),
        spec("Billing_State", "text", length=100),
        spec("Billing_Code", "text", length=30),
        spec("Billing_Country", "text", length=100),
        spec("Industry", "text", length=120),
        spec("Employees", "integer"),
        spec("LinkedIn", "website", custom=True),
        spec("Company_Closed", "boolean", custom=True),
        *_system_fields(),
    ]


def deal_fields() -> list[Field]:
    """Deals, per docs/fields.md (contacts beyond the primary one are Contact_Roles)."""
    return [
        spec("Deal_Name", "text", req=True, length=120),
        spec("Amount", "currency"),
        spec("Currency", "picklist", options=CURRENCIES),
        spec("Stage", "picklist", options=DEAL_STAGES),
        spec("Closing_Date", "date", req=True),
        spec("Products", "multiselectpicklist", custom=True, options=PRODUCTS),
        spec("Lead_Source", "picklist", options=LEAD_SOURCES),
        spec("Account_Name", "lookup", lookup=("Accounts",)),
        spec("Contact_Name", "lookup", lookup=("Contacts",)),
        *_system_fields(),
    ]


def task_fields() -> list[Field]:
    """Tasks: ``Who_Id`` a contact, ``What_Id`` a deal or account named by ``$se_module``."""
    return [
        spec("Subject", "text", req=True),
        spec("Due_Date", "date"),
        spec("Priority", "picklist", options=TASK_PRIORITIES),
        spec("Status", "picklist", options=TASK_STATUSES),
        spec("Who_Id", "lookup", lookup=("Contacts",)),
        spec("What_Id", "lookup", lookup=("Deals", "Accounts")),
        spec("$se_module", "text", hidden=True),
        spec("Description", "textarea"),
        *_system_fields(),
    ]


@dataclass
class ModuleSchema:
    """The fields of one module, each with its slot in the stored row tuples."""

    name: str
    #: the field whose value names a record in lookups (Contacts: computed Full_Name).
    name_field: str
    #: default ``duplicate_check_fields`` of upsert.
    duplicate_check: tuple[str, ...]
    fields: dict[str, Field] = field(default_factory=dict)
    #: api name -> slot in the row tuples
    slots: dict[str, int] = field(default_factory=dict)

    def add(self, new: Field) -> Field:
        """Append a field; existing rows simply lack its slot."""
        new.slot = len(self.fields)
        self.fields[new.api_name] = new
        self.slots[new.api_name] = new.slot
        return new

    def listed(self) -> Iterator[Field]:
        """The fields ``GET /settings/fields`` lists."""
        return (f for f in self.fields.values() if not f.hidden)

    def slot(self, api_name: str) -> int:
        return self.fields[api_name].slot

    def pack(self, values: dict[str, Any]) -> tuple[Any, ...]:
        """A row tuple from stored values by api name; empty strings are stored as None and
        trailing Nones dropped."""
        slots = self.slots
        row: list[Any] = [None] * len(slots)
        for name, value in values.items():
            if value is not None and value != "":
                row[slots[name]] = value
        return trim(row)


def trim(row: list[Any]) -> tuple[Any, ...]:
    """The row without its trailing Nones (rows are short for sparse records)."""
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return tuple(row[:end])


def cell(row: tuple[Any, ...], slot: int) -> Any:
    """The stored value of a slot (None past the end of a short row)."""
    return row[slot] if slot < len(row) else None


def build_schemas() -> dict[str, ModuleSchema]:
    """The four modules of a fresh sandbox org."""
    schemas = {
        "Contacts": ModuleSchema("Contacts", "Full_Name", ("Email",)),
        "Accounts": ModuleSchema("Accounts", "Account_Name", ("Account_Name",)),
        "Deals": ModuleSchema("Deals", "Deal_Name", ("Deal_Name",)),
        "Tasks": ModuleSchema("Tasks", "Subject", ()),
    }
    makers = {
        "Contacts": contact_fields,
        "Accounts": account_fields,
        "Deals": deal_fields,
        "Tasks": task_fields,
    }
    for module, make in makers.items():
        for entry in make():
            schemas[module].add(entry)
    return schemas


# --- time -------------------------------------------------------------------------------------
def to_epoch(moment: datetime) -> int:
    """Epoch seconds of a datetime; naive ones are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def parse_datetime(text: str) -> int:
    """Epoch seconds of an ISO-8601 datetime with an offset (``2019-07-25T15:26:49+05:30``);
    raises ValueError when it is not one."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("datetime without a UTC offset")
    return int(moment.timestamp())


# --- JSON -> stored ---------------------------------------------------------------------------
def _invalid(item: Field, expected: str | None = None, **extra: Any) -> FieldError:
    return FieldError(
        "INVALID_DATA",
        "invalid data",
        expected_data_type=expected or item.data_type,
        api_name=item.api_name,
        **extra,
    )


def _string(item: Field, value: Any) -> str:
    if not isinstance(value, str):
        raise _invalid(item)
    if item.length and len(value) > item.length:
        raise FieldError(
            "INVALID_DATA", "invalid data", api_name=item.api_name, maximum_length=item.length
        )
    return value


def _reference_id(item: Field, value: Any) -> int:
    raw = value.get("id") if isinstance(value, dict) else value
    if isinstance(raw, bool) or not isinstance(raw, (str, int)) or not str(raw).isdigit():
        raise _invalid(item)
    return int(raw)


def _number(item: Field, value: Any, integral: bool) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _invalid(item)
    if integral and not isinstance(value, int):
        raise _invalid(item)
    return value


def _checked_date(item: Field, value: Any) -> str:
    if not isinstance(value, str):
        raise _invalid(item)
    try:
        date.fromisoformat(value)
    except ValueError:
        raise _invalid(item) from None
    if len(value) != 10:
        raise _invalid(item)
    return value


def _checked_datetime(item: Field, value: Any) -> int:
    if not isinstance(value, str):
        raise _invalid(item)
    try:
        return parse_datetime(value)
    except ValueError:
        raise _invalid(item) from None


def _multi(item: Field, value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid(item)
    unknown = [v for v in value if v not in item.options]
    if unknown:
        raise _invalid(item)
    canonical = {v: v for v in item.options}
    return tuple(canonical[v] for v in value) or None


def to_stored(item: Field, value: Any) -> Any:
    """The stored form of a JSON value for a field; raises :class:`FieldError`. Lookups come
    back as bare ids: whether the target exists is the store's question."""
    if value is None or value == "":
        return None
    kind = item.data_type
    if kind in ("lookup", "ownerlookup"):
        return _reference_id(item, value)
    if kind in ("integer", "double", "currency"):
        return _number(item, value, integral=kind == "integer")
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _invalid(item)
        return value
    if kind == "date":
        return _checked_date(item, value)
    if kind == "datetime":
        return _checked_datetime(item, value)
    if kind == "multiselectpicklist":
        return _multi(item, value)
    text = _string(item, value)
    if kind == "email" and not EMAIL_PATTERN.match(text):
        raise _invalid(item)
    if kind == "phone" and not PHONE_PATTERN.match(text):
        raise _invalid(item)
    if kind == "picklist":
        if text not in item.options:
            raise _invalid(item)
        return item.options[item.options.index(text)]
    return text


def api_name_from_label(label: str) -> str:
    """Zoho's api name for a custom field label: spaces become ``_``, other punctuation goes."""
    words = re.sub(r"[^0-9A-Za-z_ ]+", "", label).split()
    return "_".join(words)
