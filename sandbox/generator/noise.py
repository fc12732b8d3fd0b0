"""The ways people write the same person or company twice, and how they break e-mails and
phone numbers. Every function returns the kinds of noise it applied, which the ground truth
records (``DuplicateTruth.noise``, ``GroundTruth.invalid_emails`` / ``invalid_phones``).

Duplicate noise kinds (contacts): ``accents_dropped``, ``typo``, ``nickname``,
``swapped_names``, ``name_case`` (at most one of these five, they all touch the names),
``phone_format``, ``email_case``, ``other_email``, ``country_spelling``, ``missing_fields``.
Companies: ``legal_suffix``, ``accents_dropped``, ``typo``, ``name_case`` (at most one),
``phone_format``, ``domain_format``, ``country_spelling``, ``missing_fields``.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from sandbox.dataset import Company, Contact
from sandbox.generator.identity import (
    CompanyName,
    PersonName,
    email_local,
    free_domain,
    unique_email,
)
from sandbox.generator.names import DOMAIN_TYPOS, LEGAL_SUFFIXES, NICKNAMES
from sandbox.generator.phones import prefix_digits, reformat_number
from sandbox.generator.places import COUNTRY_BY_ISO, COUNTRY_SPELLINGS
from sandbox.generator.util import Weighted, choose, fold, has_accents, pick

#: A phone number as generated: (kind, national significant digits).
Number = tuple[str, str]

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    ch: row[max(i - 1, 0):i] + row[i + 1:i + 2] for row in _ROWS for i, ch in enumerate(row)
}


def present(value: object) -> bool:
    """Whether a field holds something other than None or blank text."""
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def typo(rng: Random, text: str) -> str:
    """``text`` with one letter substituted (a keyboard neighbour), swapped with the next
    letter, or deleted. The result always differs from ``text``."""
    positions = [i for i, ch in enumerate(text) if ch.isalpha()]
    while True:
        i = positions[int(rng.random() * len(positions))]
        r = rng.random()
        if r < 0.3 and i + 1 < len(text) and text[i + 1].isalpha():
            out = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        elif r < 0.6 and len(positions) >= 3:
            out = text[:i] + text[i + 1:]
        else:
            choices = _NEIGHBOURS.get(fold(text[i]).lower()[:1]) or "aeiou"
            new = choices[int(rng.random() * len(choices))]
            out = text[:i] + (new.upper() if text[i].isupper() else new) + text[i + 1:]
        if out != text:
            return out


def _recase(rng: Random, *texts: str | None) -> tuple[str | None, ...] | None:
    """The texts all upper-case or all lower-case, whichever changes them (None if neither)."""
    for convert in ((str.upper, str.lower) if rng.random() < 0.5 else (str.lower, str.upper)):
        out = tuple(convert(t) if t is not None else None for t in texts)
        if out != texts:
            return out
    return None


def _other_spelling(rng: Random, country: str | None) -> str | None:
    iso = COUNTRY_SPELLINGS.get(country) if country is not None else None
    if iso is None:
        return None
    options = [s for s, _ in COUNTRY_BY_ISO[iso].spellings if s != country]
    return pick(rng, options) if options else None


def _drop_fields(rng: Random, record: Contact | Company, fields: tuple[str, ...],
                 touched: set[str]) -> bool:
    candidates = [f for f in fields if f not in touched and present(getattr(record, f))]
    if not candidates:
        return False
    for _ in range(1 + int(rng.random() ** 2 * 3)):
        field = candidates[int(rng.random() * len(candidates))]
        setattr(record, field, None)
        touched.add(field)
    return True


@dataclass(slots=True)
class ContactOrigin:
    """What a duplicate needs to know about its original beyond the record itself."""

    iso: str
    phone: Number | None
    mobile: Number | None


_CONTACT_DROPPABLE = ("email", "phone", "mobile", "street", "zip", "state", "birth_date",
                      "job_title", "company_name")


def contact_noise(rng: Random, dup: Contact, origin: ContactOrigin,
                  used_emails: set[str]) -> tuple[str, ...]:
    """Make ``dup`` (a field-for-field copy of its original) look like another record of the
    same person. Returns the noise kinds applied, at least one."""
    applied: list[str] = []
    touched: set[str] = set()
    name = PersonName(dup.first_name or "", dup.last_name or "", dup.last_name or "", None)
    if rng.random() < 0.75 and _name_noise(rng, dup, applied):
        touched.update(("first_name", "last_name"))
    if rng.random() < 0.35 and _phone_noise(rng, dup, origin):
        applied.append("phone_format")
        touched.update(("phone", "mobile"))
    if present(dup.email) and rng.random() < 0.35:
        assert dup.email is not None
        if rng.random() < 0.45:
            cased = _email_case(rng, dup.email)
            if cased is not None:
                dup.email = cased
                applied.append("email_case")
                touched.add("email")
        else:
            local = email_local(rng, name, work=False, year=None)
            dup.email = unique_email(rng, local, free_domain(rng, origin.iso), used_emails)
            applied.append("other_email")
            touched.add("email")
    if rng.random() < 0.2:
        spelling = _other_spelling(rng, dup.country)
        if spelling is not None:
            dup.country = spelling
            applied.append("country_spelling")
    if (rng.random() < 0.35 or not applied) and _drop_fields(rng, dup, _CONTACT_DROPPABLE, touched):
        applied.append("missing_fields")
    if not applied:  # nothing else applied (a nearly empty record): a typo in the last name
        assert dup.last_name is not None
        dup.last_name = typo(rng, dup.last_name)
        applied.append("typo")
    return tuple(applied)


def _name_noise(rng: Random, dup: Contact, applied: list[str]) -> bool:
    first, last = dup.first_name, dup.last_name
    options: list[tuple[str, float]] = [("typo", 3)]
    if (first and has_accents(first)) or (last and has_accents(last)):
        options.append(("accents_dropped", 4))
    if first in NICKNAMES:
        options.append(("nickname", 6))
    if present(first) and present(last) and first != last:
        options.append(("swapped_names", 1))
    options.append(("name_case", 1))
    kind = choose(rng, options)
    if kind == "accents_dropped":
        dup.first_name = fold(first) if first is not None else None
        dup.last_name = fold(last) if last is not None else None
    elif kind == "nickname":
        assert first is not None
        dup.first_name = pick(rng, NICKNAMES[first])
    elif kind == "swapped_names":
        dup.first_name, dup.last_name = last, first
    elif kind == "name_case":
        recased = _recase(rng, first, last)
        if recased is None:
            return False
        dup.first_name, dup.last_name = recased
    else:
        if present(first) and (not present(last) or rng.random() < 0.35):
            assert first is not None
            dup.first_name = typo(rng, first)
        else:
            assert last is not None
            dup.last_name = typo(rng, last)
    applied.append(kind)
    return True


def _phone_noise(rng: Random, dup: Contact, origin: ContactOrigin) -> bool:
    changed = False
    for field, number in (("phone", origin.phone), ("mobile", origin.mobile)):
        current = getattr(dup, field)
        if number is not None and present(current):
            other = reformat_number(rng, origin.iso, number[0], number[1], current)
            if other is not None:
                setattr(dup, field, other)
                changed = True
    return changed


def _email_case(rng: Random, email: str) -> str | None:
    local, _, domain = email.partition("@")
    variants = (
        email.upper(),
        ".".join(p.capitalize() for p in local.split(".")) + "@" + domain,
        ".".join(p.capitalize() for p in local.split(".")) + "@" + domain.capitalize(),
        local + "@" + domain.upper(),
    )
    options = [v for v in variants if v != email]
    return pick(rng, options) if options else None


@dataclass(slots=True)
class CompanyOrigin:
    """What a company duplicate needs to know about its original."""

    iso: str
    name: CompanyName
    domain: str | None  # the bare domain
    phone: Number | None


_COMPANY_DROPPABLE = ("domain", "phone", "street", "zip", "state", "industry", "employees",
                      "linkedin")


def company_noise(rng: Random, dup: Company, origin: CompanyOrigin) -> tuple[str, ...]:
    """Make ``dup`` look like another record of the same company; returns the noise kinds."""
    applied: list[str] = []
    touched: set[str] = set()
    if rng.random() < 0.85:
        applied.append(_company_name_noise(rng, dup, origin))
        touched.add("name")
    if origin.phone is not None and present(dup.phone) and rng.random() < 0.3:
        assert dup.phone is not None
        other = reformat_number(rng, origin.iso, origin.phone[0], origin.phone[1], dup.phone)
        if other is not None:
            dup.phone = other
            applied.append("phone_format")
            touched.add("phone")
    if origin.domain is not None and present(dup.domain) and rng.random() < 0.3:
        forms = [f for f in website_forms(origin.domain) if f != dup.domain]
        dup.domain = pick(rng, forms)
        applied.append("domain_format")
        touched.add("domain")
    if rng.random() < 0.2:
        spelling = _other_spelling(rng, dup.country)
        if spelling is not None:
            dup.country = spelling
            applied.append("country_spelling")
    if (rng.random() < 0.3 or not applied) and _drop_fields(rng, dup, _COMPANY_DROPPABLE, touched):
        applied.append("missing_fields")
    if not applied:
        applied.append(_company_name_noise(rng, dup, origin))
    return tuple(applied)


def website_forms(domain: str) -> tuple[str, ...]:
    """The ways people type a company's web address."""
    return (domain, f"www.{domain}", f"https://www.{domain}/", f"http://{domain}",
            f"https://{domain}", domain.upper())


def _company_name_noise(rng: Random, dup: Company, origin: CompanyOrigin) -> str:
    name = origin.name
    options: list[tuple[str, float]] = [("legal_suffix", 5), ("typo", 2), ("name_case", 1)]
    if has_accents(name.base):
        options.append(("accents_dropped", 2))
    kind = choose(rng, options)
    if kind == "legal_suffix":
        suffixes = LEGAL_SUFFIXES[origin.iso]
        if name.suffix is None:
            new = CompanyName(name.base, pick(rng, suffixes), " ")
        elif rng.random() < 0.5:
            new = CompanyName(name.base, None, "")
        else:
            new = CompanyName(name.base, pick(rng, [s for s in suffixes if s != name.suffix]),
                              name.joiner)
        dup.name = new.full
    elif kind == "typo":
        dup.name = CompanyName(typo(rng, name.base), name.suffix, name.joiner).full
    elif kind == "accents_dropped":
        dup.name = fold(name.full)
    else:
        recased = _recase(rng, name.full)
        assert recased is not None and recased[0] is not None
        dup.name = recased[0]
    return kind


# --- damage on purpose -------------------------------------------------------------------

_EMAIL_DAMAGE = Weighted([("domain_typo", 35), ("missing_at", 15), ("space", 15),
                          ("double_dot", 20), ("missing_tld", 15)])
_PHONE_DAMAGE = Weighted([("too_short", 40), ("letters", 40), ("placeholder", 20)])
#: What people type when a form insists on a phone they do not want to give.
PLACEHOLDER_PHONES = ("000000000", "123456789", "999999999", "0000", "1234567", "111111111")


def damage_email(rng: Random, email: str) -> tuple[str, str]:
    """``email`` broken the way people break addresses: (damaged address, kind)."""
    local, _, domain = email.partition("@")
    kind = _EMAIL_DAMAGE.pick(rng)
    if kind == "domain_typo" and domain.lower() not in DOMAIN_TYPOS:
        kind = "double_dot"
    if kind == "domain_typo":
        return f"{local}@{pick(rng, DOMAIN_TYPOS[domain.lower()])}", kind
    if kind == "missing_at":
        return local + domain, kind
    if kind == "space":
        i = 1 + int(rng.random() * max(len(local) - 1, 1))
        return f"{local[:i]} {local[i:]}@{domain}", kind
    if kind == "missing_tld":
        return f"{local}@{domain.split('.')[0]}", kind
    if "." in local:
        return f"{local.replace('.', '..', 1)}@{domain}", kind
    head, _, tld = domain.rpartition(".")
    return f"{local}@{head}..{tld}", kind


def damage_phone(rng: Random, phone: str, iso: str) -> tuple[str, str]:
    """``phone`` (a number of country ``iso``) broken the way people break numbers:
    (damaged number, kind). ``letters`` replaces two of the first digits after the calling
    code, so that even a parser that drops letters is left with a wrong number."""
    kind = _PHONE_DAMAGE.pick(rng)
    if kind == "too_short":
        digits = "".join(ch for ch in phone if ch.isdigit())
        return digits[:3 + int(rng.random() * 3)], kind  # 3-5 digits: no country has those
    if kind == "placeholder":
        return pick(rng, PLACEHOLDER_PHONES), kind
    chars = list(phone)
    positions = [i for i, ch in enumerate(chars) if ch.isdigit()]
    skip = prefix_digits(phone, iso)
    for i in rng.sample(positions[skip:skip + 3], 2):
        chars[i] = pick(rng, "OlIoxSB")
    return "".join(chars), kind
