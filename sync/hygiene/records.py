"""A whole record through the normalisers: the values that change and what is wrong.

Used by the hygiene rule, the audit, and anything else that takes records in (the
connectors' CSV adapter, the migration tool)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mapping.model import Company, Contact
from sync.config.rules import HygieneRules
from sync.hygiene.emails import domain_key, normalise_email
from sync.hygiene.names import normalise_company_name, normalise_person_name
from sync.hygiene.phones import normalise_phone
from sync.hygiene.places import normalise_country, normalise_state, normalise_zip
from sync.hygiene.text import Finding, Normalised, as_text


@dataclass(frozen=True, slots=True)
class FieldFinding:
    """A finding about one field of one record."""

    field: str
    value: Any
    finding: Finding

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, **self.finding.as_dict()}


@dataclass(frozen=True, slots=True)
class Checked:
    """A record after the normalisers: ``changes`` (field -> normalised value, only where it
    differs), ``findings``, and facts later rules need."""

    record_id: str
    changes: dict[str, Any] = field(default_factory=dict)
    findings: tuple[FieldFinding, ...] = ()
    valid_email: bool = False
    valid_phones: tuple[str, ...] = ()  # E.164
    country: str | None = None  # ISO alpha-2
    phone_kinds: dict[str, str] = field(default_factory=dict)

    @property
    def reachable(self) -> bool:
        return self.valid_email or bool(self.valid_phones)


class _Collector:
    def __init__(self, record: Contact | Company):
        self.record = record
        self.changes: dict[str, Any] = {}
        self.findings: list[FieldFinding] = []

    def take(self, name: str, result: Normalised[Any], *, write: bool = True) -> Normalised[Any]:
        current = getattr(self.record, name)
        if result.finding is not None:
            self.findings.append(FieldFinding(name, as_text(current), result.finding))
        if write and result.value is not None and result.value != current:
            self.changes[name] = result.value
        return result


def check_contact(contact: Contact, rules: HygieneRules) -> Checked:
    """``contact`` through every normaliser (see :class:`Checked`)."""
    out = _Collector(contact)
    country = out.take("country", normalise_country(contact.country, rules.country_style))
    code = country.kind
    region = code or rules.default_region
    email = out.take(
        "email",
        normalise_email(
            contact.email,
            known_domains=rules.known_email_domains,
            check_deliverability=rules.check_deliverability,
        ),
    )
    phones, kinds = [], {}
    for name in ("phone", "mobile"):
        result = out.take(name, normalise_phone(getattr(contact, name), region))
        if result.ok and result.value is not None:
            phones.append(result.value)
            kinds[name] = result.kind or "unknown"
    out.take("state", normalise_state(contact.state, code))
    out.take("zip", normalise_zip(contact.zip))
    for name in ("first_name", "last_name"):
        out.take(name, normalise_person_name(getattr(contact, name), code))
    out.take("company_name", normalise_company_name(contact.company_name))
    for name in ("city", "street", "job_title"):
        tidy = as_text(getattr(contact, name))
        if tidy is not None and tidy != getattr(contact, name):
            out.changes[name] = tidy
    return Checked(
        contact.id,
        out.changes,
        tuple(out.findings),
        valid_email=email.ok and email.value is not None,
        valid_phones=tuple(phones),
        country=code,
        phone_kinds=kinds,
    )


def check_company(company: Company, rules: HygieneRules) -> Checked:
    """``company`` through every normaliser: name, web domain, phone, country, state, zip."""
    out = _Collector(company)
    country = out.take("country", normalise_country(company.country, rules.country_style))
    code = country.kind
    out.take("name", normalise_company_name(company.name))
    if company.domain is not None:
        domain = domain_key(company.domain)
        if domain and domain != company.domain:
            out.changes["domain"] = domain
    phone = out.take("phone", normalise_phone(company.phone, code or rules.default_region))
    out.take("state", normalise_state(company.state, code))
    out.take("zip", normalise_zip(company.zip))
    valid = (phone.value,) if phone.ok and phone.value is not None else ()
    return Checked(company.id, out.changes, tuple(out.findings), valid_phones=valid, country=code)
