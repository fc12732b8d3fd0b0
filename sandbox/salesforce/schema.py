"""The field catalogue: which sObjects exist, their fields (docs/fields.md plus system fields),
types, writability, picklists, and their describe output.

Records are stored as lists; a field's ``slot`` is its position in them. Fields created later
through the Tooling API get new slots at the end, so older rows may be shorter than the schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sandbox.dataset import PRODUCTS
from sandbox.salesforce.ids import KEY_PREFIXES

LEAD_SOURCES = ("Chat", "Call", "Form", "Social", "Web", "Store", "Referral")
STAGES = (
    "Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote",
    "Negotiation/Review", "Closed Won", "Closed Lost",
)
REWARD_PREFERENCES = ("discount", "gift", "points", "experience")
LIFECYCLE_STAGES = (
    "Subscriber", "Lead", "Marketing Qualified Lead", "Sales Qualified Lead", "Opportunity",
    "Customer", "Evangelist", "Other",
)
INDUSTRIES = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government", "Healthcare",
    "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit",
    "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
    "Utilities", "Other",
)
CONTACT_ROLES = (
    "Business User", "Decision Maker", "Economic Buyer", "Economic Decision Maker", "Evaluator",
    "Executive Sponsor", "Influencer", "Technical Buyer", "Other",
)
TASK_PRIORITIES = ("High", "Normal", "Low")
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY", "SEK", "NOK", "DKK", "INR", "BRL")

_SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "int": "xsd:int",
    "double": "xsd:double", "currency": "xsd:double", "percent": "xsd:double",
    "date": "xsd:date", "datetime": "xsd:dateTime",
}


@dataclass(slots=True, eq=False)
class FieldDef:
    """One field of an sObject, with what describe says about it."""

    name: str
    type: str  # the describe type: string, picklist, boolean, double, datetime, reference, ...
    label: str
    length: int = 0
    precision: int = 0
    scale: int = 0
    required: bool = False  # REQUIRED_FIELD_MISSING when absent on create or set to null
    createable: bool = True
    updateable: bool = True
    custom: bool = False
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    reference_to: tuple[str, ...] = ()
    default: Any = None  # the value a create gets when the field is not given
    external_id: bool = False
    #: created through the Tooling API: readable/editable only once FieldPermissions grant it
    fls_managed: bool = False
    readable: bool = True
    editable: bool = True
    slot: int = -1

    @property
    def relationship_name(self) -> str | None:
        """``Account`` for ``AccountId``, ``Foo__r`` for ``Foo__c``; None for non-lookups."""
        if self.type != "reference":
            return None
        if self.name.endswith("__c"):
            return self.name[:-3] + "__r"
        return self.name[:-2] if self.name.endswith("Id") else None

    @property
    def empty(self) -> Any:
        """What a record without a stored value shows (checkboxes are never null)."""
        if self.type == "boolean":
            return bool(self.default)
        return None

    def describe(self) -> dict[str, Any]:
        """This field as ``GET /sobjects/{Obj}/describe`` lists it."""
        system = not self.createable and not self.updateable
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "soapType": _SOAP_TYPES.get(self.type, "xsd:string"),
            "length": self.length,
            "byteLength": self.length * 3,
            "precision": self.precision,
            "scale": self.scale,
            "digits": 9 if self.type == "int" else 0,
            "custom": self.custom,
            "nillable": not self.required and self.type != "boolean" and not system,
            "createable": self.createable and self.editable,
            "updateable": self.updateable and self.editable,
            # the owner defaults to the user creating the record
            "defaultedOnCreate": self.default is not None
            or self.type == "boolean"
            or self.name == "OwnerId",
            "defaultValue": self.default,
            "calculated": False,
            "unique": False,
            "externalId": self.external_id,
            "idLookup": self.external_id or self.name == "Id" or self.type == "email",
            "caseSensitive": False,
            "filterable": self.type != "textarea" or self.length <= 255,
            "sortable": self.type != "textarea" or self.length <= 255,
            "groupable": self.type not in ("double", "currency", "percent", "datetime"),
            "nameField": self.name in ("Name", "LastName"),
            "autoNumber": False,
            "htmlFormatted": False,
            "restrictedPicklist": self.restricted,
            "picklistValues": [
                {
                    "value": value, "label": value, "active": True,
                    "defaultValue": value == self.default, "validFor": None,
                }
                for value in self.picklist
            ],
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "extraTypeInfo": "plaintextarea" if self.type == "textarea" else None,
        }


@dataclass(slots=True, eq=False)
class ObjectSchema:
    """One sObject type: its fields by slot and by case-insensitive name."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    createable: bool = True
    deletable: bool = True
    fields: list[FieldDef] = field(default_factory=list)
    by_lower: dict[str, FieldDef] = field(default_factory=dict)
    #: every row has at least this many slots (fields added later may be missing from rows)
    base_width: int = 0

    def add(self, definition: FieldDef) -> FieldDef:
        definition.slot = len(self.fields)
        self.fields.append(definition)
        self.by_lower[definition.name.lower()] = definition
        return definition

    def field(self, name: str) -> FieldDef | None:
        """A field by case-insensitive name, whether or not field-level security shows it."""
        return self.by_lower.get(name.lower())

    def readable(self, name: str) -> FieldDef | None:
        """A field the integration user may see, or None (as if it did not exist)."""
        found = self.by_lower.get(name.lower())
        return found if found is not None and found.readable else None

    def readable_fields(self) -> list[FieldDef]:
        return [f for f in self.fields if f.readable]

    def relationship(self, name: str) -> FieldDef | None:
        """The lookup field behind a relationship name (``Account`` → ``AccountId``)."""
        lowered = name.lower()
        for candidate in self.fields:
            relationship = candidate.relationship_name
            if relationship and relationship.lower() == lowered and candidate.readable:
                return candidate
        return None

    def describe(self, version: str) -> dict[str, Any]:
        """``GET /sobjects/{Obj}/describe``."""
        return {**self.summary(version), "fields": [f.describe() for f in self.readable_fields()]}

    def summary(self, version: str) -> dict[str, Any]:
        """The object-level part of describe, as the global describe lists it."""
        base = f"/services/data/{version}/sobjects/{self.name}"
        return {
            "name": self.name,
            "label": self.label,
            "labelPlural": self.label_plural,
            "keyPrefix": self.key_prefix,
            "custom": False,
            "createable": self.createable,
            "updateable": True,
            "deletable": self.deletable,
            "queryable": True,
            "retrieveable": True,
            "searchable": self.createable,
            "replicateable": True,
            "urls": {
                "sobject": base,
                "describe": f"{base}/describe",
                "rowTemplate": f"{base}/{{ID}}",
            },
        }


def label_for(name: str) -> str:
    """``MailingPostalCode`` → ``Mailing Postal Code``; ``NPS_Score__c`` → ``NPS Score``."""
    if name.endswith("__c"):
        return name[:-3].replace("_", " ")
    if name.endswith("Id") and len(name) > 2:
        return label_for(name[:-2]) + " ID"
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)


def _of(kind: str, name: str, **options: Any) -> FieldDef:
    if kind in ("double", "currency"):
        options.setdefault("precision", 18)
    return FieldDef(name, kind, options.pop("label", label_for(name)), **options)


def _text(name: str, length: int, **options: Any) -> FieldDef:
    return _of(options.pop("type", "string"), name, length=length, **options)


def _pick(name: str, values: Iterable[str], **options: Any) -> FieldDef:
    kind = options.pop("type", "picklist")
    return _of(kind, name, length=255, picklist=tuple(values), **options)


def _lookup(name: str, *targets: str, **options: Any) -> FieldDef:
    return _of("reference", name, length=18, reference_to=targets, **options)


def _system_fields(owned: bool) -> list[FieldDef]:
    read_only: dict[str, Any] = {"createable": False, "updateable": False}
    fields = [
        FieldDef("Id", "id", "Record ID", length=18, **read_only),
        _of("boolean", "IsDeleted", label="Deleted", **read_only),
        _of("datetime", "CreatedDate", **read_only),
        _of("datetime", "LastModifiedDate", **read_only),
        _of("datetime", "SystemModstamp", label="System Modstamp", **read_only),
    ]
    if owned:
        fields.append(_lookup("OwnerId", "User", required=True))
    return fields


def _contact_fields() -> list[FieldDef]:
    custom = {"custom": True}
    return [
        _text("FirstName", 40), _text("LastName", 80, required=True),
        _text("Email", 80, type="email"), _text("Other_Emails__c", 255, **custom),
        _text("Phone", 40, type="phone"), _text("MobilePhone", 40, type="phone"),
        _text("MailingStreet", 255, type="textarea"), _text("MailingCity", 40),
        _text("MailingState", 80), _text("MailingPostalCode", 20), _text("MailingCountry", 80),
        _of("date", "Birthdate"), _text("Title", 128), _lookup("AccountId", "Account"),
        _pick("LeadSource", LEAD_SOURCES),
        _of("date", "LastActivityDate", label="Last Activity", createable=False,
            updateable=False),
        _of("datetime", "Last_Email_Open__c", **custom),
        _of("datetime", "Last_Email_Click__c", **custom),
        _of("double", "Email_Opens__c", **custom), _of("double", "Email_Clicks__c", **custom),
        _of("boolean", "Marketing_Consent__c", **custom),
        _of("boolean", "HasOptedOutOfEmail", label="Email Opt Out"),
        _of("boolean", "IsEmailBounced", label="Email Bounced", createable=False,
            updateable=False),
        _of("double", "NPS_Score__c", label="NPS Score", precision=2, **custom),
        _of("date", "NPS_Date__c", label="NPS Date", **custom),
        _of("double", "Support_Tickets__c", **custom),
        _of("double", "Avg_Resolution_Hours__c", scale=2, **custom),
        _of("double", "Product_Returns__c", **custom),
        _of("double", "Failed_Payments__c", **custom), _of("double", "Referrals__c", **custom),
        _pick("Reward_Preference__c", REWARD_PREFERENCES, restricted=True, **custom),
        _of("boolean", "Disqualified__c", **custom),
        _text("Disqualification_Reason__c", 255, **custom),
        _text("Retired_Reason__c", 255, **custom),
        _of("boolean", "Asked_For_Price__c", **custom),
        _of("boolean", "Meeting_Booked__c", **custom),
        _of("boolean", "Quote_Received__c", **custom),
        _pick("Lifecycle_Stage__c", LIFECYCLE_STAGES, restricted=True, **custom),
        _text("Tags__c", 32768, type="textarea", **custom),
    ]


def _account_fields() -> list[FieldDef]:
    return [
        _text("Name", 255, label="Account Name", required=True),
        _text("Website", 255, type="url"), _text("Phone", 40, type="phone"),
        _text("BillingStreet", 255, type="textarea"), _text("BillingCity", 40),
        _text("BillingState", 80), _text("BillingPostalCode", 20), _text("BillingCountry", 80),
        _pick("Industry", INDUSTRIES), _of("int", "NumberOfEmployees", label="Employees"),
        _text("LinkedIn__c", 255, type="url", label="LinkedIn", custom=True),
        _of("boolean", "Company_Closed__c", custom=True),
        _text("Tags__c", 32768, type="textarea", custom=True),
    ]


def _opportunity_fields(currencies: tuple[str, ...]) -> list[FieldDef]:
    return [
        _text("Name", 120, label="Opportunity Name", required=True),
        _of("currency", "Amount", scale=2),
        _pick("CurrencyIsoCode", currencies, label="Opportunity Currency", restricted=True,
              default=currencies[0]),
        _pick("StageName", STAGES, label="Stage", required=True),
        _of("date", "CloseDate", label="Close Date", required=True),
        _pick("Products__c", PRODUCTS, type="multipicklist", restricted=True, custom=True),
        _pick("LeadSource", LEAD_SOURCES), _lookup("AccountId", "Account"),
    ]


def build_objects(currencies: Iterable[str] = ()) -> dict[str, ObjectSchema]:
    """The sObjects of a fresh sandbox org. ``currencies`` adds active ISO currency codes."""
    active = tuple(dict.fromkeys([*CURRENCIES, *sorted(set(currencies))]))
    specs: list[tuple[str, str, str, bool, list[FieldDef]]] = [
        ("Account", "Account", "Accounts", True, _account_fields()),
        ("Contact", "Contact", "Contacts", True, _contact_fields()),
        ("Opportunity", "Opportunity", "Opportunities", True, _opportunity_fields(active)),
        ("OpportunityContactRole", "Opportunity Contact Role", "Opportunity Contact Roles", False, [
            _lookup("OpportunityId", "Opportunity", required=True, updateable=False),
            _lookup("ContactId", "Contact", required=True),
            _pick("Role", CONTACT_ROLES), _of("boolean", "IsPrimary", label="Primary"),
        ]),
        ("Task", "Task", "Tasks", True, [
            _lookup("WhoId", "Contact", label="Name ID"),
            _lookup("WhatId", "Account", "Opportunity", label="Related To ID"),
            _text("Subject", 255), _text("Description", 32000, type="textarea"),
            _of("date", "ActivityDate", label="Due Date Only"),
            _pick("Priority", TASK_PRIORITIES, required=True, default="Normal"),
            _pick("Status", TASK_STATUSES, required=True, default="Not Started"),
        ]),
        ("User", "User", "Users", False, [
            _text("FirstName", 40), _text("LastName", 80, required=True),
            _text("Email", 128, type="email", required=True),
        ]),
        ("PermissionSet", "Permission Set", "Permission Sets", False, [
            _text("Name", 80, required=True), _text("Label", 80, required=True),
            _of("boolean", "IsOwnedByProfile", label="Is Owned By Profile", createable=False,
                updateable=False),
        ]),
        ("FieldPermissions", "Field Permissions", "Field Permissions", False, [
            _lookup("ParentId", "PermissionSet", required=True, updateable=False),
            _text("SobjectType", 40, required=True, updateable=False),
            _text("Field", 255, required=True, updateable=False),
            _of("boolean", "PermissionsRead", label="Read Access"),
            _of("boolean", "PermissionsEdit", label="Edit Access"),
        ]),
    ]
    objects: dict[str, ObjectSchema] = {}
    for name, label, plural, owned, fields in specs:
        schema = ObjectSchema(name, label, plural, KEY_PREFIXES[name],
                              createable=name not in ("User", "PermissionSet"),
                              deletable=name not in ("User", "PermissionSet"))
        for definition in [*_system_fields(owned), *fields]:
            schema.add(definition)
        schema.base_width = len(schema.fields)
        objects[name] = schema
    return objects
