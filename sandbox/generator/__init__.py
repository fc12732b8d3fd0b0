"""A deterministic generator of realistic, messy CRM data, with the truth about it.

``generate(contacts, seed=…, now=…)`` returns a :class:`~sandbox.dataset.Dataset` whose every
value comes from ``random.Random`` streams seeded by ``seed`` (never the clock or global
state), so the same arguments always give the same data set.

What is in it:

* **Owners**: a few salespeople (3 + 1 per 400 contacts, at most 250).
* **Companies**: about one per 5.5 business contacts, from Spain, Mexico, the US, the UK,
  Germany, France, Italy, the Netherlands, Portugal, Argentina, Colombia and Chile, with legal
  suffixes, domains, switchboard numbers and addresses as people type them.
* **Contacts**: ~70% linked to a company (work e-mail on its domain), ~30% consumers (free
  e-mail domains). Names keep accents, particles and compound surnames; phones are plausible
  numbers of the country, in its many written formats; countries are typed in many ways
  ("España", "ES", "Spain"). Missing values are None, and sometimes "" or white space.
* **Deals**: customers buy at their own rhythm (30–365 days between purchases) with
  Pareto-shaped value (a few whales); some stopped long ago (dormant), some retired; prospects
  have open deals (``open``/``meeting``/``quote``) and lost ones. Currencies follow the country
  (EUR, USD, GBP, MXN; Argentina, Colombia and Chile are billed in USD).
* **Duplicates**: 11–14% of the contact records and of the company records are noisy copies of
  another record of the same person or company (see :mod:`sandbox.generator.noise` for the
  kinds of noise). Their keys come after the originals'.
* **Invalid data**: ~3% of the e-mails and ~3% of the phones are damaged on purpose.
* **Timestamps**: tz-aware UTC, ``created_at <= updated_at < now``; many records share the
  ``updated_at`` second of a bulk import or mass update. Open deals' expected close dates may
  lie after ``now``; every other date and time lies before it.

The ground truth (``Dataset.truth``):

* ``contact_entity`` / ``company_entity``: record key -> entity id, the key of the entity's
  original record (an original maps to itself).
* ``contact_duplicates`` / ``company_duplicates``: each copy, the record it was derived from and
  the noise applied.
* ``invalid_emails`` / ``invalid_phones``: contact key -> the kind of damage (e-mails:
  ``domain_typo``, ``missing_at``, ``space``, ``double_dot``, ``missing_tld``; phones:
  ``too_short``, ``letters``, ``placeholder``). The damaged phone is the contact's ``phone``
  when it has one, else its ``mobile``.
* ``expected_segment``: the playbook's lifecycle segment of every contact at ``now``, computed
  from the generated records as :mod:`sandbox.generator.truth` defines (primary-contact deals,
  revenue in euros with ``fx_to_eur``, evangelists = ≥3 won deals AND top 20% revenue AND a
  referral or NPS ≥ 9, dormant = last won deal older than max(180 days, 2 × median gap),
  qualified = meeting/quote deal or signal, lead = valid e-mail AND asked for a price).
  Duplicates are judged on their own record, before any merge.
* ``reference_time`` = ``now``; ``fx_to_eur``: the fixed exchange rates used above.
"""

from __future__ import annotations

import gc
from datetime import datetime, timezone
from random import Random

from sandbox.dataset import Contact, Dataset, DuplicateTruth, GroundTruth, Owner
from sandbox.generator.companies import build_companies
from sandbox.generator.contacts import ContactFactory
from sandbox.generator.context import Context
from sandbox.generator.deals import DealBook
from sandbox.generator.identity import person_name, slug
from sandbox.generator.noise import ContactOrigin, damage_email, damage_phone, present
from sandbox.generator.places import FX_TO_EUR
from sandbox.generator.truth import SEGMENTS, expected_segments
from sandbox.generator.util import Clock

__all__ = ["DEFAULT_NOW", "SEGMENTS", "generate"]

#: The reference "now" when none is given, so that output is reproducible.
DEFAULT_NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
#: How far back the generated history goes.
SPAN_DAYS = 6 * 365
CONTACTS_PER_COMPANY = 5.5
B2B_SHARE = 0.7
INVALID_EMAIL_SHARE = 0.03
INVALID_PHONE_SHARE = 0.03


def generate(contacts: int, *, seed: int = 0, now: datetime | None = None) -> Dataset:
    """A data set of exactly ``contacts`` contact records (duplicates included), with its
    companies, deals, owners and ground truth, as of ``now`` (default :data:`DEFAULT_NOW`,
    which must be timezone-aware). Same arguments, same data set.

    The cyclic garbage collector is paused while generating (the records hold no reference
    cycles, so its repeated scans of millions of new objects would only cost time)."""
    if contacts < 0:
        raise ValueError("contacts must be >= 0")
    now = DEFAULT_NOW if now is None else now
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(contacts, seed, now.astimezone(timezone.utc))
    finally:
        if collecting:
            gc.enable()


def _generate(contacts: int, seed: int, now: datetime) -> Dataset:
    """Owners, companies, contacts with their deals, duplicates, damage, then the truth. Each
    phase draws from its own stream, so changing one phase does not reshuffle the others."""

    def stream(name: str) -> Random:
        return Random(f"crmsync-sandbox:{seed}:{name}")

    plan = stream("plan")
    share = 0.11 + 0.03 * plan.random()
    contact_dups = min(round(contacts * share), max(contacts - 1, 0))
    originals = contacts - contact_dups
    entities = max(1, round(originals * B2B_SHARE / CONTACTS_PER_COMPANY)) if originals else 0
    company_dups = round(entities * share / (1 - share))

    truth = GroundTruth(reference_time=now, fx_to_eur=dict(FX_TO_EUR))
    clock = Clock(now, stream("clock"), SPAN_DAYS)
    owners = _owners(stream("owners"), min(250, 3 + contacts // 400))
    ctx = Context(clock, owners, truth)
    companies, company_entities = build_companies(stream("companies"), ctx, entities, company_dups)
    book = DealBook(ctx, SPAN_DAYS)
    factory = ContactFactory(stream("contacts"), ctx, companies, company_entities, book, SPAN_DAYS)

    sources = [int(plan.random() * originals) for _ in range(contact_dups)]
    wanted = set(sources)
    records: list[Contact] = []
    countries: list[str] = []  # each record's real country (ISO code), for the damage below
    origins: dict[int, ContactOrigin] = {}
    for i in range(originals):
        contact, origin = factory.original(f"ct-{i + 1:07d}")
        records.append(contact)
        countries.append(origin.iso)
        truth.contact_entity[contact.key] = contact.key
        if i in wanted:
            origins[i] = origin
    for j, source in enumerate(sources):
        original = records[source]
        dup, noise = factory.duplicate(f"ct-{originals + j + 1:07d}", original, origins[source])
        records.append(dup)
        countries.append(origins[source].iso)
        truth.contact_entity[dup.key] = original.key
        truth.contact_duplicates.append(DuplicateTruth(dup.key, original.key, noise))
    del origins, wanted, sources
    ctx.used_emails.clear()

    _damage(stream("damage"), records, countries, truth)
    truth.expected_segment = expected_segments(
        records, book.deals, truth.invalid_emails, now, truth.fx_to_eur
    )
    return Dataset(
        seed=seed,
        owners=owners,
        companies=companies,
        contacts=records,
        deals=book.deals,
        truth=truth,
    )


def _owners(rng: Random, count: int) -> list[Owner]:
    owners = []
    for i in range(count):
        name = person_name(rng, ("es", "latam", "us")[i % 3])
        owners.append(
            Owner(
                id=f"ow-{i + 1:03d}",
                first_name=name.first,
                last_name=name.last,
                email=f"{slug(name.first)}.{slug(name.surname)}{i + 1}@crm-sandbox.example",
            )
        )
    return owners


def _damage(rng: Random, contacts: list[Contact], countries: list[str], truth: GroundTruth) -> None:
    """Break a few e-mails and phones on purpose and record how."""
    for c, iso in zip(contacts, countries, strict=True):
        if c.email is not None and present(c.email) and rng.random() < INVALID_EMAIL_SHARE:
            c.email, truth.invalid_emails[c.key] = damage_email(rng, c.email.strip())
        field = "phone" if present(c.phone) else "mobile" if present(c.mobile) else None
        if field is not None and rng.random() < INVALID_PHONE_SHARE:
            damaged, truth.invalid_phones[c.key] = damage_phone(rng, getattr(c, field), iso)
            setattr(c, field, damaged)
