"""Enrichment (playbook §4): values derived from what the base already holds.

* **Company domain** from work e-mail addresses (never a free provider's, nor a typo of one):
  a company without a domain gets the one most of its contacts write from; a contact without
  a company gets ``company_domain``.
* **Country** (ISO 3166 alpha-2) from a phone written with its international prefix
  (``+34 …``, ``0034 …``); a national number says nothing about the country.
* **Generation** from the birth year.
* **Company fields** copied from the associated company (``enrichment.company_fields``).

Enrichment fills empty fields. It replaces a value a person entered only with
``enrichment.overwrite_person_values`` (the rule framework hands enrichment the records as the
hygiene rules fixed them, so a country typed "España" is compared as "ES").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

import phonenumbers

from mapping.model import Contact
from sync.rules.base import Output, RuleContext, rule
from sync.segmentation import outputs as out
from sync.segmentation.emails import WorkDomains

#: (last birth year, name), oldest first; Gen Alpha after the last
GENERATIONS: tuple[tuple[int, str], ...] = (
    (1945, "Silent"),
    (1964, "Baby boomers"),
    (1980, "Gen X"),
    (1996, "Millennials"),
    (2012, "Gen Z"),
)
GEN_ALPHA = "Gen Alpha"


def generation(birth: date) -> str:
    """The generation of someone born on ``birth``."""
    for last_year, name in GENERATIONS:
        if birth.year <= last_year:
            return name
    return GEN_ALPHA


@rule("generation", "enrichment")
def generation_rule(ctx: RuleContext) -> Iterable[Output]:
    """Generation from the birth date (Silent ≤1945 … Gen Alpha ≥2013)."""
    if not ctx.settings.enrichment.generation:
        return
    by_year: dict[int, tuple[str, str]] = {}  # year -> (generation, why)
    for contact in ctx.base.contacts:
        if contact.birth_date is not None:
            year = contact.birth_date.year
            known = by_year.get(year)
            if known is None:
                known = by_year[year] = (generation(contact.birth_date), f"born in {year}")
            yield Output(
                "contact", contact.id, "field", out.GENERATION, known[0], "generation", known[1]
            )


def region_of(number: str | None) -> str | None:
    """The ISO 3166 alpha-2 code of a number written with its international prefix."""
    if not number:
        return None
    text = number.strip()
    digits_start = text.lstrip("( ")
    if digits_start.startswith("00"):
        text = "+" + digits_start[2:]
    elif not digits_start.startswith("+"):
        return None
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    return region if region and region != "001" else None


@rule("country_from_phone", "enrichment")
def country_from_phone(ctx: RuleContext) -> Iterable[Output]:
    """Country from the international prefix of the phone (else the mobile)."""
    settings = ctx.settings.enrichment
    if not settings.country_from_phone:
        return
    for contact in ctx.base.contacts:
        current = contact.country
        if current is not None and not settings.overwrite_person_values:
            continue
        for label, number in (("phone", contact.phone), ("mobile", contact.mobile)):
            region = region_of(number)
            if region is None:
                continue
            if current is None or current.strip().upper() != region:
                reason = f"{label} {(number or '').strip()} has the prefix of {region}"
                yield Output(
                    "contact", contact.id, "field", "country", region, "country_from_phone", reason
                )
            break


@rule("company_domain", "enrichment")
def company_domain(ctx: RuleContext) -> Iterable[Output]:
    """Company domain from work e-mail domains, for companies and company-less contacts.

    A company without a domain gets the most common among its contacts; a contact without a
    company gets its own as ``company_domain``."""
    settings = ctx.settings.enrichment
    if not settings.company_domain:
        return
    work_domain = WorkDomains(d.strip().lower() for d in settings.extra_free_email_domains)
    companies = ctx.base.company_by_id
    by_company: dict[str, Counter[str]] = {}
    overwrite = settings.overwrite_person_values
    for contact in ctx.base.contacts:
        company = companies.get(contact.company_id) if contact.company_id else None
        if company is not None and company.domain is not None and not overwrite:
            continue
        domain = work_domain(contact.email)
        if domain is None:
            continue
        if company is None:
            reason = f"work e-mail {contact.email}"
            yield Output(
                "contact", contact.id, "field", out.COMPANY_DOMAIN, domain, "company_domain", reason
            )
        else:
            domains = by_company.get(company.id)
            if domains is None:
                domains = by_company[company.id] = Counter()
            domains[domain] += 1
    for company_id, domains in by_company.items():
        current = companies[company_id].domain
        (domain, count), total = domains.most_common(1)[0], sum(domains.values())
        if domain == current:
            continue
        reason = f"{count} of {total} of its contacts with a work e-mail write from {domain}"
        yield Output("company", company_id, "field", "domain", domain, "company_domain", reason)


@rule("company_fields", "enrichment")
def company_fields(ctx: RuleContext) -> Iterable[Output]:
    """Contact fields copied from the associated company where the contact's are empty."""
    settings = ctx.settings.enrichment
    pairs = settings.company_fields
    if not pairs:
        return
    companies = ctx.base.company_by_id
    for contact in ctx.base.contacts:
        company = companies.get(contact.company_id) if contact.company_id else None
        if company is None:
            continue
        for mine, theirs in pairs.items():
            value = getattr(company, theirs)
            current = getattr(contact, mine)
            if value is None or current == value:
                continue
            if current is None or settings.overwrite_person_values:
                yield _copied(contact, mine, value, company.name or company.id, theirs)


def _copied(contact: Contact, field: str, value: object, company: str, source: str) -> Output:
    reason = f"from its company {company} ({source})"
    return Output("contact", contact.id, "field", field, value, "company_fields", reason)
