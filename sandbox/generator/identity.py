"""Who and where: person names, e-mail addresses, postal addresses and company identities.

Everything here is drawn from the pools in :mod:`names` and :mod:`places` with one ``Random``;
strings that many records share (surname pairs, postal codes) are interned to save memory.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from random import Random

from sandbox.generator.names import (
    COMPANY_PATTERNS,
    COMPANY_WORDS,
    DOMAIN_STOPWORDS,
    FIRST_NAMES,
    FREE_DOMAINS,
    LAST_NAMES,
    LEGAL_SUFFIXES,
    LOCAL_FREE_DOMAINS,
    TWO_SURNAMES,
)
from sandbox.generator.places import COUNTRIES, City, Country
from sandbox.generator.util import Weighted, fold, pick

COUNTRY_PICK: Weighted[Country] = Weighted([(c, c.weight) for c in COUNTRIES])
_SPELLING_PICK: dict[str, Weighted[str]] = {c.iso: Weighted(c.spellings) for c in COUNTRIES}
_FREE_PICK: dict[str, Weighted[str]] = {
    c.iso: Weighted(list(FREE_DOMAINS) + [(d, 6.0) for d in LOCAL_FREE_DOMAINS.get(c.iso, ())])
    for c in COUNTRIES
}
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NAME_SLUGS: dict[str, str] = {}

_PERSONAL_LOCALS = Weighted([
    ("{f}.{l}", 30), ("{f}{l}", 12), ("{i}{l}", 12), ("{f}.{l}{y}", 10), ("{f}_{l}", 5),
    ("{l}.{f}", 5), ("{f}{l}{n}", 10), ("{f}.{l}.{l2}", 6), ("{f}{y}", 5), ("{i}.{l}", 5),
])
_WORK_LOCALS = Weighted([
    ("{f}.{l}", 45), ("{i}{l}", 25), ("{f}", 10), ("{i}.{l}", 10), ("{l}", 5), ("{f}{l}", 5),
])


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits only ("María José" -> "mariajose")."""
    return _NOT_SLUG.sub("", fold(text).lower())


def _name_slug(text: str) -> str:
    """:func:`slug` of a pool name, cached (the pools are small)."""
    cached = _NAME_SLUGS.get(text)
    if cached is None:
        cached = _NAME_SLUGS[text] = slug(text)
    return cached


@dataclass(slots=True)
class PersonName:
    """A person's name and the parts an e-mail address is built from."""

    first: str
    last: str  # as written, possibly two surnames
    surname: str  # the first surname
    second_surname: str | None


def person_name(rng: Random, culture: str) -> PersonName:
    """A first name and surname(s) typical of ``culture``."""
    first = pick(rng, FIRST_NAMES[culture])
    surnames = LAST_NAMES[culture]
    surname = pick(rng, surnames)
    if rng.random() < TWO_SURNAMES.get(culture, 0.0):
        second = pick(rng, surnames)
        if second != surname:
            return PersonName(first, sys.intern(f"{surname} {second}"), surname, second)
    return PersonName(first, surname, surname, None)


def email_local(rng: Random, name: PersonName, *, work: bool, year: int | None) -> str:
    """The part before the @, built from the name the way people pick addresses."""
    f = _name_slug(name.first)
    l1 = _name_slug(name.surname)
    if not f or not l1:
        return f"{f or l1 or 'contacto'}{int(rng.random() * 1000)}"
    template = (_WORK_LOCALS if work else _PERSONAL_LOCALS).pick(rng)
    if "{y}" in template:
        yy = str(100 + (year if year is not None else int(rng.random() * 100)) % 100)[1:]
        return template.format(f=f, l=l1, y=yy)
    if "{n}" in template:
        return template.format(f=f, l=l1, n=1 + int(rng.random() * 999))
    if "{l2}" in template:
        second = name.second_surname
        return template.format(f=f, l=l1, l2=_name_slug(second) if second else l1)
    return template.format(f=f, l=l1, i=f[0])


def free_domain(rng: Random, iso: str) -> str:
    """A free e-mail provider people of ``iso`` use."""
    return _FREE_PICK[iso].pick(rng)


def unique_email(rng: Random, local: str, domain: str, used: set[str]) -> str:
    """``local@domain``, with digits added until no other person has it."""
    email = f"{local}@{domain}"
    while email in used:
        email = f"{local}{int(rng.random() * 1000)}@{domain}"
    used.add(email)
    return email


def country_spelling(rng: Random, iso: str) -> str:
    """The country as someone typed it ("España", "ES", "Spain")."""
    return _SPELLING_PICK[iso].pick(rng)


def state_spelling(rng: Random, city: City) -> str:
    """The state/province as typed; the usual spelling most of the time."""
    r = rng.random()
    states = city.states
    if r < 0.75 or len(states) == 1:
        return states[0]
    return states[1] if r < 0.92 or len(states) == 2 else states[2]


_ZIPS: dict[str, str] = {}
_ZIP_TAILS: dict[str, tuple[str, int] | None] = {}
_LETTERS = "ABCDEFGHJKLMNPRSTUWXYZ"


def _zip_tail(pattern: str) -> tuple[str, int] | None:
    """(fixed head, 10 ** n) when ``pattern`` is a fixed head and n random digits, else None."""
    if pattern not in _ZIP_TAILS:
        head = pattern.rstrip("#")
        simple = "#" not in head and "@" not in head
        _ZIP_TAILS[pattern] = (head, 10 ** (len(pattern) - len(head))) if simple else None
    return _ZIP_TAILS[pattern]


def postal_code(rng: Random, city: City) -> str:
    """A postal code of ``city`` (interned); now and then without the leading zero a
    spreadsheet ate ("03001" -> "3001")."""
    tail = _zip_tail(city.zip_pattern)
    if tail is not None:  # the common case: fixed digits, then random ones
        head, scale = tail
        code = head + str(scale + int(rng.random() * scale))[1:]
    else:
        code = "".join(
            "0123456789"[int(rng.random() * 10)] if ch == "#"
            else _LETTERS[int(rng.random() * len(_LETTERS))] if ch == "@" else ch
            for ch in city.zip_pattern
        )
    if code[0] == "0" and rng.random() < 0.08:
        code = code[1:]
    return _ZIPS.setdefault(code, code)


def street_address(rng: Random, country: Country) -> str:
    """A street line in the country's usual shape ("C/ Alcalá 45, 3º B", "12 Oak St")."""
    return pick(rng, country.street_templates).format(
        t=pick(rng, country.street_types), n=pick(rng, country.street_names),
        num=1 + int(rng.random() ** 2 * 300), fl=1 + int(rng.random() * 9),
        door="ABCD"[int(rng.random() * 4)], apt=1 + int(rng.random() * 40),
    )


@dataclass(slots=True)
class CompanyName:
    """A company's name split in the parts noise works on."""

    base: str  # "Talleres Núñez"
    suffix: str | None  # "S.L."
    joiner: str  # " " or ", " before the suffix

    @property
    def full(self) -> str:
        """The name as written on the record."""
        return f"{self.base}{self.joiner}{self.suffix}" if self.suffix else self.base


def company_name(rng: Random, country: Country, used: set[str]) -> CompanyName:
    """A company name of ``country`` whose base no other company has; a taken name gets a
    region or city added ("Talleres Núñez Levantina"), as real namesakes do."""
    words = COMPANY_WORDS[country.company_culture]
    base = _one_company_base(rng, pick(rng, COMPANY_PATTERNS[country.company_style]), words,
                             LAST_NAMES[country.culture])
    key = slug(base)
    if key in used:
        for extra in (pick(rng, words["A"]), pick(rng, country.cities).name):
            candidate = f"{base} {extra}"
            key = slug(candidate)
            if key not in used:
                break
        number = 2
        while key in used:
            candidate = f"{base} {number}"
            key = slug(candidate)
            number += 1
        base = candidate
    used.add(key)
    suffixes = LEGAL_SUFFIXES[country.iso]
    suffix = None
    if rng.random() < 0.75:
        suffix = suffixes[min(int(rng.random() ** 2 * len(suffixes)), len(suffixes) - 1)]
    joiner = ", " if rng.random() < 0.15 else " "
    return CompanyName(base, suffix, joiner)


def _one_company_base(rng: Random, pattern: str, words: dict[str, tuple[str, ...]],
                      surnames: tuple[str, ...]) -> str:
    surname = pick(rng, surnames)
    second = pick(rng, surnames)
    return pattern.format(
        P=pick(rng, words["P"]), A=pick(rng, words["A"]), J=pick(rng, words["J"]),
        S=surname, S2=second, H=pick(rng, words["H"]).format(S=surname),
    )


def company_domain(rng: Random, base: str, country: Country, used: set[str]) -> str:
    """A web domain derived from the company's base name ("talleresnunez.es"), unique."""
    tokens = [slug(t) for t in base.split() if t.lower() not in DOMAIN_STOPWORDS]
    tokens = [t for t in tokens if t][:3]
    sep = "-" if rng.random() < 0.25 else ""
    stem = sep.join(tokens) or "empresa"
    domain = f"{stem}.{pick(rng, country.tlds)}"
    while domain in used:
        domain = f"{stem}{sep}{slug(pick(rng, country.cities).name)}.{pick(rng, country.tlds)}"
        if domain in used:
            stem = f"{stem}{int(rng.random() * 10)}"
    used.add(domain)
    return domain
