"""Company (account) records: the real companies first, then their noisy duplicates."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from sandbox.dataset import Company, DuplicateTruth
from sandbox.generator.context import Context
from sandbox.generator.identity import (
    COUNTRY_PICK,
    CompanyName,
    company_domain,
    company_name,
    country_spelling,
    postal_code,
    slug,
    state_spelling,
    street_address,
)
from sandbox.generator.names import COMPANY_TAGS, INDUSTRIES
from sandbox.generator.noise import CompanyOrigin, company_noise, website_forms
from sandbox.generator.phones import format_number, landline_number
from sandbox.generator.places import City, Country
from sandbox.generator.util import DAY, blank, pick

_TAG_SETS: tuple[frozenset[str], ...] = (
    *(frozenset({t}) for t in COMPANY_TAGS),
    frozenset({"key-account", "VIP"}), frozenset({"partner", "reseller"}),
)


@dataclass(slots=True)
class CompanyEntity:
    """A real company and the facts its contacts and duplicates are derived from."""

    country: Country
    city: City
    street: str
    zip: str
    origin: CompanyOrigin
    weight: float  # how many contacts it tends to have, relative to others
    duplicates: list[int]  # indices (in the company list) of its duplicate records


def build_companies(rng: Random, ctx: Context, entities: int, duplicates: int
                    ) -> tuple[list[Company], list[CompanyEntity]]:
    """``entities`` real companies followed by ``duplicates`` noisy copies of some of them."""
    companies: list[Company] = []
    infos: list[CompanyEntity] = []
    used_names: set[str] = set()
    used_domains: set[str] = set()
    for i in range(entities):
        company, info = _company(rng, ctx, f"co-{i + 1:07d}", used_names, used_domains)
        companies.append(company)
        infos.append(info)
        ctx.truth.company_entity[company.key] = company.key
    for j in range(duplicates):
        index = int(rng.random() * entities)
        key = f"co-{entities + j + 1:07d}"
        dup = _duplicate(rng, ctx, companies[index], infos[index].origin, key)
        infos[index].duplicates.append(len(companies))
        companies.append(dup)
        original_key = companies[index].key
        ctx.truth.company_entity[key] = original_key
        ctx.truth.company_duplicates.append(
            DuplicateTruth(key, original_key, company_noise(rng, dup, infos[index].origin)))
    return companies, infos


def _company(rng: Random, ctx: Context, key: str, used_names: set[str],
             used_domains: set[str]) -> tuple[Company, CompanyEntity]:
    country = COUNTRY_PICK.pick(rng)
    city = pick(rng, country.cities)
    name = company_name(rng, country, used_names)
    domain = company_domain(rng, name.base, country, used_domains) if rng.random() < 0.9 else None
    number = landline_number(rng, country.iso, city) if rng.random() < 0.85 else None
    street = street_address(rng, country)
    zip_code = postal_code(rng, city)
    clock = ctx.clock
    created = clock.start_ts + int(rng.random() ** 0.8 * (clock.now_ts - clock.start_ts - DAY))
    updated = clock.updated(rng, created, 0.4, 400)
    employees = int(min(rng.paretovariate(1.1) * 3, 80_000))
    company = Company(
        key=key,
        name=name.full,
        domain=_typed_domain(rng, domain) if domain and rng.random() < 0.92 else blank(rng),
        phone=format_number(rng, country.iso, *number) if number else blank(rng),
        street=street if rng.random() < 0.9 else blank(rng),
        city=city.name if rng.random() < 0.95 else blank(rng),
        state=state_spelling(rng, city) if rng.random() < 0.8 else blank(rng),
        zip=zip_code if rng.random() < 0.85 else blank(rng),
        country=country_spelling(rng, country.iso) if rng.random() < 0.93 else blank(rng),
        industry=pick(rng, INDUSTRIES) if rng.random() < 0.85 else blank(rng),
        employees=employees if rng.random() < 0.8 else None,
        linkedin=_linkedin(rng, name) if rng.random() < 0.45 else None,
        closed=rng.random() < 0.03,
        owner_id=ctx.owner_id(rng),
        created_at=clock.dt(created),
        updated_at=updated,
        tags=pick(rng, _TAG_SETS) if rng.random() < 0.1 else frozenset(),
    )
    info = CompanyEntity(country, city, street, zip_code,
                         CompanyOrigin(country.iso, name, domain, number),
                         weight=rng.paretovariate(1.3), duplicates=[])
    return company, info


def _typed_domain(rng: Random, domain: str) -> str:
    r = rng.random()
    return domain if r < 0.8 else website_forms(domain)[1 + int((r - 0.8) * 20)]


def _linkedin(rng: Random, name: CompanyName) -> str:
    handle = "-".join(filter(None, (slug(word) for word in name.base.split())))
    return (f"https://www.linkedin.com/company/{handle}" if rng.random() < 0.8
            else f"linkedin.com/company/{handle}/")


def _duplicate(rng: Random, ctx: Context, original: Company, origin: CompanyOrigin,
               key: str) -> Company:
    clock = ctx.clock
    original_ts = int(original.created_at.timestamp())
    created = original_ts + int(rng.random() * (clock.now_ts - original_ts - 1))
    updated = clock.updated(rng, created, 0.4, 200)
    return Company(
        key=key, name=original.name, domain=original.domain, phone=original.phone,
        street=original.street, city=original.city, state=original.state, zip=original.zip,
        country=original.country, industry=original.industry, employees=original.employees,
        linkedin=original.linkedin, closed=original.closed,
        owner_id=ctx.owner_id(rng) if rng.random() < 0.5 else original.owner_id,
        created_at=clock.dt(created), updated_at=updated,
    )
