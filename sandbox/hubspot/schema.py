"""Object types and the property catalogue (docs/fields.md in HubSpot's names + system fields).

A :class:`Catalogue` gives every stored property a *slot*: its position in the packed cells of
a record (see store.py). System properties (``hs_object_id``, created and modified times) are
*virtual*: read from the record itself, never stored as cells.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sandbox.dataset import CHANNELS, PRODUCTS, REWARD_PREFERENCES
from sandbox.hubspot.values import iso_ms

Virtual = Literal["id", "created", "updated"]
#: HubSpot property types and the field types each may use.
FIELD_TYPES: dict[str, frozenset[str]] = {
    "string": frozenset({"text", "textarea", "html", "phonenumber", "file"}),
    "number": frozenset({"number", "calculation_equation"}),
    "date": frozenset({"date"}),
    "datetime": frozenset({"date"}),
    "enumeration": frozenset({"select", "radio", "checkbox", "booleancheckbox"}),
    "bool": frozenset({"booleancheckbox"}),
    "phone_number": frozenset({"phonenumber"}),
}
PROPERTY_NAME = re.compile(r"[a-z][a-z0-9_]{0,99}")


@dataclass(frozen=True, slots=True)
class ObjectType:
    """One CRM object type as HubSpot names it."""

    name: str  # "contacts"
    type_id: str  # "0-1"
    singular: str  # "contact" (association type names)
    label: str  # "CONTACT" (error messages)
    created_property: str
    modified_property: str
    default_properties: tuple[str, ...]
    #: properties the free-text ``query`` of search looks at.
    searchable: tuple[str, ...]
    group: str
    #: first id of this type; ids grow by one per record.
    first_id: int


OBJECT_TYPES: dict[str, ObjectType] = {
    t.name: t
    for t in (
        ObjectType(
            "contacts", "0-1", "contact", "CONTACT", "createdate", "lastmodifieddate",
            ("email", "firstname", "lastname"),
            ("firstname", "lastname", "email", "phone", "mobilephone", "company"),
            "contactinformation", 100_000_001,
        ),
        ObjectType(
            "companies", "0-2", "company", "COMPANY", "createdate", "hs_lastmodifieddate",
            ("domain", "name"), ("name", "domain", "phone"), "companyinformation", 200_000_001,
        ),
        ObjectType(
            "deals", "0-3", "deal", "DEAL", "createdate", "hs_lastmodifieddate",
            ("amount", "closedate", "dealname", "dealstage", "pipeline"), ("dealname",),
            "dealinformation", 300_000_001,
        ),
        ObjectType(
            "tasks", "0-27", "task", "TASK", "hs_createdate", "hs_lastmodifieddate",
            ("hs_task_subject", "hs_task_status", "hs_timestamp"), ("hs_task_subject",),
            "task", 400_000_001,
        ),
    )
}
_ALIASES = {
    alias: t for t in OBJECT_TYPES.values() for alias in (t.name, t.type_id, t.singular)
}


def resolve_object_type(text: str) -> ObjectType | None:
    """``contacts``, ``contact`` or ``0-1`` → the object type; None when unknown."""
    return _ALIASES.get(text.lower())


@dataclass(slots=True)
class PropertyDef:
    """One property definition (the Properties API's ``Property``)."""

    name: str
    label: str
    type: str
    field_type: str
    group: str
    read_only: bool = False
    hubspot_defined: bool = True
    unique: bool = False
    external_options: bool = False
    description: str = ""
    display_order: int = -1
    hidden: bool = False
    form_field: bool = False
    created_ms: int = 0
    updated_ms: int = 0
    virtual: Virtual | None = None
    slot: int = -1
    options: list[dict[str, Any]] = field(default_factory=list)
    option_values: frozenset[str] = frozenset()

    def set_options(self, options: Iterable[dict[str, Any]]) -> None:
        """Replace the options (and the set of valid values written ones are checked against)."""
        self.options = [dict(o) for o in options]
        self.option_values = frozenset(str(o["value"]) for o in self.options)

    def as_json(self) -> dict[str, Any]:
        """The Properties API shape."""
        body: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group,
            "options": self.options,
            "displayOrder": self.display_order,
            "calculated": False,
            "externalOptions": self.external_options,
            "hasUniqueValue": self.unique,
            "hidden": self.hidden,
            "formField": self.form_field,
            "createdAt": iso_ms(self.created_ms),
            "updatedAt": iso_ms(self.updated_ms),
            "archived": False,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only,
            },
            "dataSensitivity": "non_sensitive",
        }
        if self.hubspot_defined:
            body["hubspotDefined"] = True
        return body


def options(values: Iterable[str], labels: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Option objects for values (labels default to the values, title-cased)."""
    out = []
    for order, value in enumerate(values):
        label = labels[order] if labels else value.replace("_", " ").title()
        out.append(
            {"label": label, "value": value, "displayOrder": order, "hidden": False,
             "description": ""}
        )
    return out


BOOL_OPTIONS = options(("true", "false"), ("Yes", "No"))


class Catalogue:
    """The properties of one object type, with storage slots for the non-virtual ones."""

    def __init__(self, object_type: ObjectType):
        self.object_type = object_type
        self.properties: dict[str, PropertyDef] = {}
        self.slot_count = 0

    def add(self, prop: PropertyDef) -> PropertyDef:
        if prop.virtual is None:
            prop.slot = self.slot_count
            self.slot_count += 1
        if prop.type == "bool" and not prop.options:
            prop.set_options(BOOL_OPTIONS)
        self.properties[prop.name] = prop
        return prop

    def get(self, name: str) -> PropertyDef | None:
        return self.properties.get(name)

    def remove(self, name: str) -> None:
        """Forget a (custom) property; its slot stays unused."""
        del self.properties[name]

    def unique_names(self) -> list[str]:
        return [p.name for p in self.properties.values() if p.unique]

    def system_properties(self) -> tuple[PropertyDef, ...]:
        """``hs_object_id`` and the created/modified properties: in every record answer."""
        return tuple(p for p in self.properties.values() if p.virtual is not None)


# --- the built-in catalogues ----------------------------------------------------------------
# (name, label, type, fieldType, flags). Flags: ro = read-only value, custom = created by the
# company (not HubSpot-defined), unique = usable as idProperty. Stored properties come in the
# order load.py writes them.
PropertyRow = tuple[str, str, str, str, str]

_CONTACT_ROWS: tuple[PropertyRow, ...] = (
    ("firstname", "First Name", "string", "text", ""),
    ("lastname", "Last Name", "string", "text", ""),
    ("email", "Email", "string", "text", "unique"),
    ("hs_additional_emails", "Additional email addresses", "string", "textarea", "ro"),
    ("phone", "Phone Number", "string", "phonenumber", ""),
    ("mobilephone", "Mobile Phone Number", "string", "phonenumber", ""),
    ("address", "Street Address", "string", "text", ""),
    ("city", "City", "string", "text", ""),
    ("state", "State/Region", "string", "text", ""),
    ("zip", "Postal Code", "string", "text", ""),
    ("country", "Country/Region", "string", "text", ""),
    ("date_of_birth", "Date of birth", "date", "date", ""),
    ("jobtitle", "Job Title", "string", "text", ""),
    ("company", "Company Name", "string", "text", ""),
    ("hubspot_owner_id", "Contact owner", "enumeration", "select", ""),
    ("source_channel", "Source channel", "enumeration", "select", "custom"),
    ("notes_last_updated", "Last Activity Date", "datetime", "date", "ro"),
    ("hs_email_last_open_date", "Last marketing email open date", "datetime", "date", "ro"),
    ("hs_email_last_click_date", "Last marketing email click date", "datetime", "date", "ro"),
    ("hs_email_open", "Marketing emails opened", "number", "number", "ro"),
    ("hs_email_click", "Marketing emails clicked", "number", "number", "ro"),
    ("marketing_consent", "Marketing consent", "bool", "booleancheckbox", "custom"),
    ("hs_email_optout", "Unsubscribed from all email", "bool", "booleancheckbox", ""),
    ("email_hard_bounce", "Email hard bounce", "bool", "booleancheckbox", "custom"),
    ("nps_score", "NPS score", "number", "number", "custom"),
    ("nps_date", "NPS date", "date", "date", "custom"),
    ("support_tickets", "Support tickets", "number", "number", "custom"),
    ("avg_ticket_resolution_hours", "Avg ticket resolution (h)", "number", "number", "custom"),
    ("product_returns", "Product returns", "number", "number", "custom"),
    ("failed_payments", "Failed payments", "number", "number", "custom"),
    ("referrals_count", "Referrals", "number", "number", "custom"),
    ("reward_preference", "Reward preference", "enumeration", "select", "custom"),
    ("disqualified", "Disqualified", "bool", "booleancheckbox", "custom"),
    ("disqualification_reason", "Disqualification reason", "string", "text", "custom"),
    ("retired_reason", "Retired reason", "string", "text", "custom"),
    ("asked_for_price", "Asked for price", "bool", "booleancheckbox", "custom"),
    ("meeting_booked", "Meeting booked", "bool", "booleancheckbox", "custom"),
    ("quote_received", "Quote received", "bool", "booleancheckbox", "custom"),
    ("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", ""),
    ("tags", "Tags", "enumeration", "checkbox", "custom"),
)
_COMPANY_ROWS: tuple[PropertyRow, ...] = (
    ("name", "Company name", "string", "text", ""),
    ("domain", "Company Domain Name", "string", "text", ""),
    ("phone", "Phone Number", "string", "phonenumber", ""),
    ("address", "Street Address", "string", "text", ""),
    ("city", "City", "string", "text", ""),
    ("state", "State/Region", "string", "text", ""),
    ("zip", "Postal Code", "string", "text", ""),
    ("country", "Country/Region", "string", "text", ""),
    ("industry", "Industry", "string", "text", ""),
    ("numberofemployees", "Number of Employees", "number", "number", ""),
    ("linkedin_company_page", "LinkedIn Company Page", "string", "text", ""),
    ("company_closed", "Company closed", "bool", "booleancheckbox", "custom"),
    ("hubspot_owner_id", "Company owner", "enumeration", "select", ""),
    ("tags", "Tags", "enumeration", "checkbox", "custom"),
)
_DEAL_ROWS: tuple[PropertyRow, ...] = (
    ("dealname", "Deal Name", "string", "text", ""),
    ("amount", "Amount", "number", "number", ""),
    ("deal_currency_code", "Currency", "string", "text", ""),
    ("dealstage", "Deal Stage", "enumeration", "radio", ""),
    ("pipeline", "Pipeline", "enumeration", "select", ""),
    ("closedate", "Close Date", "datetime", "date", ""),
    ("products", "Products", "enumeration", "checkbox", "custom"),
    ("hubspot_owner_id", "Deal owner", "enumeration", "select", ""),
    ("source_channel", "Source channel", "enumeration", "select", "custom"),
)
_TASK_ROWS: tuple[PropertyRow, ...] = (
    ("hs_task_subject", "Task Title", "string", "text", ""),
    ("hs_task_body", "Task Notes", "string", "html", ""),
    ("hs_task_status", "Task Status", "enumeration", "select", ""),
    ("hs_task_priority", "Priority", "enumeration", "select", ""),
    ("hs_timestamp", "Due date", "datetime", "date", ""),
    ("hubspot_owner_id", "Assigned to", "enumeration", "select", ""),
    ("hs_task_type", "Task Type", "enumeration", "select", ""),
)
ROWS: dict[str, tuple[PropertyRow, ...]] = {
    "contacts": _CONTACT_ROWS,
    "companies": _COMPANY_ROWS,
    "deals": _DEAL_ROWS,
    "tasks": _TASK_ROWS,
}
LIFECYCLE_STAGES = (
    "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
    "customer", "evangelist", "other",
)
_LIFECYCLE_LABELS = (
    "Subscriber", "Lead", "Marketing Qualified Lead", "Sales Qualified Lead", "Opportunity",
    "Customer", "Evangelist", "Other",
)
DEAL_STAGES = (
    "appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin",
    "contractsent", "closedwon", "closedlost",
)
_DEAL_STAGE_LABELS = (
    "Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
    "Decision Maker Bought-In", "Contract Sent", "Closed Won", "Closed Lost",
)
#: options that do not depend on the data set.
_FIXED_OPTIONS: dict[str, list[dict[str, Any]]] = {
    "source_channel": options(CHANNELS),
    "reward_preference": options(REWARD_PREFERENCES),
    "lifecyclestage": options(LIFECYCLE_STAGES, _LIFECYCLE_LABELS),
    "dealstage": options(DEAL_STAGES, _DEAL_STAGE_LABELS),
    "pipeline": options(("default",), ("Sales Pipeline",)),
    "products": options(PRODUCTS, PRODUCTS),
    "hs_task_status": options(("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED")),
    "hs_task_priority": options(("NONE", "LOW", "MEDIUM", "HIGH")),
    "hs_task_type": options(("CALL", "EMAIL", "TODO")),
}
_EXTERNAL_OPTIONS = frozenset({"hubspot_owner_id", "dealstage", "pipeline"})


def build_catalogue(
    object_type: ObjectType,
    owner_options: list[dict[str, Any]],
    tag_values: Iterable[str],
    created_ms: int,
) -> Catalogue:
    """The built-in catalogue of an object type, with the data set's owners and tags as
    options of ``hubspot_owner_id`` and ``tags``."""
    catalogue = Catalogue(object_type)
    system: tuple[tuple[str, str, str, Virtual], ...] = (
        ("hs_object_id", "Record ID", "number", "id"),
        (object_type.created_property, "Create Date", "datetime", "created"),
        (object_type.modified_property, "Last Modified Date", "datetime", "updated"),
    )
    for order, (name, label, kind, virtual) in enumerate(system):
        field_type = "number" if kind == "number" else "date"
        catalogue.add(
            PropertyDef(name, label, kind, field_type, object_type.group, read_only=True,
                        display_order=order, created_ms=created_ms, updated_ms=created_ms,
                        virtual=virtual)
        )
    dynamic = {"hubspot_owner_id": owner_options, "tags": options(sorted(tag_values))}
    for name, label, kind, field_type, flags in ROWS[object_type.name]:
        prop = PropertyDef(
            name, label, kind, field_type, object_type.group,
            read_only="ro" in flags, hubspot_defined="custom" not in flags,
            unique="unique" in flags, external_options=name in _EXTERNAL_OPTIONS,
            form_field="ro" not in flags, created_ms=created_ms, updated_ms=created_ms,
        )
        if kind == "enumeration":
            prop.set_options(dynamic.get(name) or _FIXED_OPTIONS.get(name, []))
        catalogue.add(prop)
    return catalogue
