"""E-mail addresses: syntax checked by ``email-validator`` (no DNS unless asked), lower-cased,
with a suggested fix for the obvious domain typos people make (``gmial.com``, ``hotmail.con``)
and for a forgotten ``@`` before a well-known domain. Also web addresses' bare domains."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from email_validator import EmailNotValidError, validate_email
from rapidfuzz.distance import DamerauLevenshtein

from sync.hygiene.text import MAX_FIELD_LENGTH, Finding, Normalised, as_text

_WEB_PREFIX = re.compile(r"^(?:[a-z]+://)?(?:www\d?\.)?")


def domain_key(website: str) -> str | None:
    """``https://www.Acme.com/contact`` → ``acme.com``."""
    host = _WEB_PREFIX.sub("", website.strip().lower()).split("/", 1)[0].split(":", 1)[0]
    return host.strip(".") or None


#: Mailbox providers people mistype most; a domain one typo away from one of these (and not
#: one of them) gets a suggestion. Extend with ``HygieneRules.known_email_domains``.
KNOWN_EMAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.es",
        "hotmail.co.uk",
        "hotmail.fr",
        "hotmail.it",
        "outlook.com",
        "outlook.es",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.es",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.com.mx",
        "yahoo.com.ar",
        "icloud.com",
        "me.com",
        "aol.com",
        "protonmail.com",
        "proton.me",
        "gmx.de",
        "gmx.net",
        "web.de",
        "t-online.de",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "virgilio.it",
        "tiscali.it",
        "telefonica.net",
        "movistar.es",
        "comcast.net",
        "att.net",
        "verizon.net",
        "btinternet.com",
        "sky.com",
        "ziggo.nl",
        "kpnmail.nl",
        "sapo.pt",
        "prodigy.net.mx",
        "terra.com",
        "mail.com",
        "email.com",
        "ymail.com",
        "rocketmail.com",
        "fastmail.com",
        "zoho.com",
        "yandex.com",
        "gmx.com",
        "gmx.es",
        "hotmail.de",
        "outlook.fr",
        "outlook.de",
        "live.co.uk",
        "live.fr",
        "yahoo.de",
        "yahoo.it",
    }
)


def normalise_email(
    raw: Any,
    *,
    known_domains: Iterable[str] = (),
    check_deliverability: bool = False,
) -> Normalised[str]:
    """The address lower-cased and syntax-checked; a finding ``invalid_email`` (with a
    suggested fix when one is obvious) for a broken address or a typo'd well-known domain.

    ``check_deliverability`` also asks DNS whether the domain takes mail (slow, network).
    An invalid address is kept as typed (white space trimmed): a person decides."""
    text = as_text(raw)
    if text is None:
        return Normalised(None)
    if len(text) > MAX_FIELD_LENGTH:
        return Normalised(text, Finding("invalid_email", f"{len(text)} characters is no e-mail"))
    domains = KNOWN_EMAIL_DOMAINS.union(known_domains) if known_domains else KNOWN_EMAIL_DOMAINS
    try:
        address = _valid(text, check_deliverability)
    except EmailNotValidError as exc:
        return Normalised(text, Finding("invalid_email", str(exc), _repair(text.lower(), domains)))
    local, _, domain = address.rpartition("@")
    fixed = suggest_domain(domain, domains)
    if fixed is not None:
        return Normalised(
            address,
            Finding("invalid_email", f"{domain} looks like a typo of {fixed}", f"{local}@{fixed}"),
        )
    return Normalised(address)


@lru_cache(maxsize=100_000)
def _valid(text: str, check_deliverability: bool) -> str:
    """The normalised, lower-cased address (raises :class:`EmailNotValidError`)."""
    normalized = validate_email(text, check_deliverability=check_deliverability).normalized
    lowered = normalized.lower()
    if lowered.isascii():
        return lowered
    try:  # lower-casing some letters (İ) makes a different or invalid address: keep case then
        again = validate_email(lowered, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return normalized
    return lowered if again == lowered else normalized


def suggest_domain(domain: str, known: Iterable[str] = KNOWN_EMAIL_DOMAINS) -> str | None:
    """The well-known domain ``domain`` is one typo away from (``gmial.com`` → ``gmail.com``),
    or None when ``domain`` is well known itself or close to none."""
    return _closest_domain(domain.lower(), frozenset(known))


@lru_cache(maxsize=50_000)
def _closest_domain(domain: str, known: frozenset[str]) -> str | None:
    if domain in known or len(domain) < 6:
        return None
    close = [k for k in known if DamerauLevenshtein.distance(domain, k, score_cutoff=1) <= 1]
    return close[0] if len(close) == 1 else None


def repaired(text: str, known: frozenset[str] = KNOWN_EMAIL_DOMAINS) -> str:
    """``text`` with the obvious breaks of an address fixed, not validated: white space
    inside, doubled dots, a missing ``@`` before a well-known domain, a typo'd well-known
    domain (what two records of one person share however it was typed)."""
    candidate = "".join(text.split()) if " " in text or "\t" in text else text
    while ".." in candidate:
        candidate = candidate.replace("..", ".")
    if "@" not in candidate:
        for domain in sorted(known, key=len, reverse=True):
            if candidate.endswith(domain) and len(candidate) > len(domain):
                candidate = f"{candidate[: -len(domain)].rstrip('.')}@{domain}"
                break
    if candidate.count("@") == 1:
        local, _, domain = candidate.partition("@")
        fixed = suggest_domain(domain, known)
        candidate = f"{local}@{fixed or domain}"
    return candidate


def _repair(text: str, known: frozenset[str]) -> str | None:
    """An obvious fix for a broken address (see :func:`repaired`), if it is valid."""
    candidate = repaired(text, known)
    try:
        fixed_address = _valid(candidate, False)
    except EmailNotValidError:
        return None
    return fixed_address if fixed_address != text else None
