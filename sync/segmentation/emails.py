"""Which e-mail addresses the segmentation rules can count on, and which domains name a company.

A LEAD needs a valid e-mail (playbook §2): what the hygiene rules accept
(:func:`sync.hygiene.emails.normalise_email`: valid syntax by ``email_validator``, no DNS, and
not an obvious typo of a well-known provider such as ``gmial.com``). The plain shape most
addresses have is recognised by a strict pattern first, as ``email_validator`` is slow; the
typo check is the hygiene rules' own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from email_validator import SPECIAL_USE_DOMAIN_NAMES

from sync.hygiene.emails import KNOWN_EMAIL_DOMAINS, normalise_email, suggest_domain

#: Free e-mail providers: their domains never name the person's company.
FREE_EMAIL_DOMAINS = KNOWN_EMAIL_DOMAINS | frozenset((
    "hotmail.de", "hotmail.it", "live.co.uk", "yahoo.de", "yahoo.it", "mac.com",
    "zoho.com", "yandex.com", "mail.ru", "sfr.fr", "wanadoo.fr", "terra.es", "fibertel.com.ar",
    "une.net.co", "vtr.net",
))  # fmt: skip

#: a plain address every validator accepts: ASCII, dot-separated atoms, a letter TLD
_PLAIN = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}",
    re.IGNORECASE,
)
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}")


def _plain(address: str) -> bool:
    """An address of the plain shape every validator accepts (ASCII atoms, a letter TLD)."""
    if len(address) > 254 or not _PLAIN.fullmatch(address):
        return False
    local, _, domain = address.rpartition("@")
    return (
        len(local) <= 64
        and "--" not in domain  # reserved for punycode: email_validator decides
        and domain.rsplit(".", 1)[-1].lower() not in SPECIAL_USE_DOMAIN_NAMES
    )


def usable_email(address: str | None) -> bool:
    """A valid address whose domain is not an obvious typo (what a LEAD needs)."""
    if address is None:
        return False
    address = address.strip()
    if _plain(address):
        return suggest_domain(address.rpartition("@")[2]) is None
    return normalise_email(address).ok


def work_domain(address: str | None, free: Iterable[str] = ()) -> str | None:
    """The domain of ``address`` if it can name a company: well-formed, not a free provider's
    (nor a typo of one), not in ``free``."""
    return WorkDomains(free)(address)


class WorkDomains:
    """:func:`work_domain` for many addresses, judging each distinct domain once (a base's
    addresses share a few thousand domains)."""

    __slots__ = ("_free", "_judged")

    def __init__(self, free: Iterable[str] = ()) -> None:
        self._free = frozenset(free)
        self._judged: dict[str, str | None] = {}

    def __call__(self, address: str | None) -> str | None:
        if address is None:
            return None
        local, at, domain = address.strip().lower().rpartition("@")
        if not at or not local:
            return None
        judged = self._judged
        if domain not in judged:
            names_company = (
                _DOMAIN.fullmatch(domain) is not None
                and domain not in FREE_EMAIL_DOMAINS
                and domain not in self._free
                and not suggest_domain(domain)
            )
            judged[domain] = domain if names_company else None
        return judged[domain]
