"""What a migration left in a target emulator, and what the source emulator held, in one shape
per CRM: object -> record id -> its source mark, company link and contact links."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Held:
    """One record as the emulator holds it."""

    mark: str | None = None  # crmsync's source-id field
    key: str | None = None  # e-mail (contacts) or domain (companies)
    company: str | None = None
    contacts: set[str] = field(default_factory=set)


def holdings(crm: str, dump: dict[str, Any]) -> dict[str, dict[str, Held]]:
    """object name -> record id -> :class:`Held`, for live records."""
    if crm == "hubspot":
        return _hubspot(dump)
    if crm == "salesforce":
        return _salesforce(dump)
    return _zoho(dump)


def _hubspot(dump: dict[str, Any]) -> dict[str, dict[str, Held]]:
    def linked(record: dict[str, Any], kind: str) -> list[str]:
        return [a["id"] for a in (record.get("associations") or {}).get(kind, [])]

    found: dict[str, dict[str, Held]] = {}
    for name, native, key in (
        ("company", "companies", "domain"),
        ("contact", "contacts", "email"),
        ("deal", "deals", None),
    ):
        found[name] = {}
        for record in dump[native]:
            if record["archived"]:
                continue
            properties = record["properties"]
            companies = linked(record, "companies")
            found[name][record["id"]] = Held(
                properties.get("crmsync_source_id"),
                properties.get(key) if key else None,
                companies[0] if companies else None,
                set(linked(record, "contacts")) if name == "deal" else set(),
            )
    return found


def _salesforce(dump: dict[str, Any]) -> dict[str, dict[str, Held]]:
    found: dict[str, dict[str, Held]] = {"company": {}, "contact": {}, "deal": {}}
    for name, native, key in (
        ("company", "Account", "Website"),
        ("contact", "Contact", "Email"),
        ("deal", "Opportunity", None),
    ):
        for record in dump[native]:
            if record.get("IsDeleted"):
                continue
            found[name][record["Id"]] = Held(
                record.get("Crmsync_Source_Id__c"),
                record.get(key) if key else None,
                record.get("AccountId"),
            )
    for role in dump["OpportunityContactRole"]:
        if not role.get("IsDeleted") and role["OpportunityId"] in found["deal"]:
            found["deal"][role["OpportunityId"]].contacts.add(role["ContactId"])
    return found


def _zoho(dump: dict[str, Any]) -> dict[str, dict[str, Held]]:
    def ref(value: Any) -> str | None:
        return str(value["id"]) if isinstance(value, dict) and value.get("id") else None

    found: dict[str, dict[str, Held]] = {}
    for name, native, key in (
        ("company", "Accounts", "Website"),
        ("contact", "Contacts", "Email"),
        ("deal", "Deals", None),
    ):
        found[name] = {}
        for record in dump[native]:
            if record.get("$deleted"):
                continue
            contact = ref(record.get("Contact_Name"))
            found[name][str(record["id"])] = Held(
                record.get("Crmsync_Source_Id"),
                record.get(key) if key else None,
                ref(record.get("Account_Name")),
                {contact} if contact else set(),
            )
    return found


@dataclass(frozen=True)
class Spread:
    """How the records of real entities (the generator's ground truth) spread over target
    records: ``split`` entities went to more than one, ``mixed`` target records hold more
    than one entity."""

    records: int
    entities: int
    targets: int
    split: int
    mixed: int


def spread(truth: dict[str, str], native: dict[str, str], mapped: dict[str, str]) -> Spread:
    """``truth``: generator key -> entity; ``native``: generator key -> source id; ``mapped``:
    source id -> target id (the migration's id map)."""
    targets_of: dict[str, set[str]] = {}
    entities_of: dict[str, set[str]] = {}
    for key, entity in truth.items():
        target_id = mapped[native[key]]
        targets_of.setdefault(entity, set()).add(target_id)
        entities_of.setdefault(target_id, set()).add(entity)
    return Spread(
        len(truth),
        len(targets_of),
        len(entities_of),
        sum(1 for t in targets_of.values() if len(t) > 1),
        sum(1 for e in entities_of.values() if len(e) > 1),
    )
