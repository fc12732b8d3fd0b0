"""Countries (ISO 3166-1), states and provinces (ISO 3166-2) and postal codes, read the many
ways people type them ("España", "ES", "Spain ", "EE.UU.", "U.S.A.") with ``pycountry`` and
its translated names (English, Spanish, Catalan, Portuguese, French, Italian, German, Dutch)."""

from __future__ import annotations

import gettext
import re
from functools import cache, lru_cache
from typing import Any, Literal

import pycountry

from sync.hygiene.text import MAX_FIELD_LENGTH, Finding, Normalised, as_text, fold

CountryStyle = Literal["alpha_2", "name"]

#: Languages whose country names are recognised.
LANGUAGES = ("es", "ca", "pt", "fr", "it", "de", "nl")
#: Spellings that are neither ISO names nor their translations.
COUNTRY_ALIASES: dict[str, str] = {
    "uk": "GB",
    "u k": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "britain": "GB",
    "great britain": "GB",
    "northern ireland": "GB",
    "gran bretana": "GB",
    "inglaterra": "GB",
    "usa": "US",
    "u s a": "US",
    "u s": "US",
    "us of a": "US",
    "america": "US",
    "eeuu": "US",
    "ee uu": "US",
    "united states of america": "US",
    "estados unidos de america": "US",
    "holland": "NL",
    "holanda": "NL",
    "the netherlands": "NL",
    "nederland": "NL",
    "mejico": "MX",
    "reino de espana": "ES",
    "espanya": "ES",
    "deutschland": "DE",
    "brasil": "BR",
    "italia": "IT",
    "schweiz": "CH",
    "suisse": "CH",
    "svizzera": "CH",
    "osterreich": "AT",
    "belgique": "BE",
    "belgie": "BE",
    "eire": "IE",
    "korea": "KR",
    "south korea": "KR",
    "russia": "RU",
    "uae": "AE",
    "emiratos arabes": "AE",
}
#: Countries whose addresses write the state as its code ("TX"), not its name.
STATE_CODE_COUNTRIES = frozenset({"US", "CA", "AU", "BR"})
#: State spellings that are neither ISO codes nor ISO names, per country.
STATE_ALIASES: dict[str, dict[str, str]] = {
    "ES": {
        "valencia": "ES-V",
        "alacant": "ES-A",
        "castello": "ES-CS",
        "vizcaya": "ES-BI",
        "guipuzcoa": "ES-SS",
        "alava": "ES-VI",
        "araba": "ES-VI",
        "baleares": "ES-PM",
        "islas baleares": "ES-PM",
        "mallorca": "ES-PM",
        "la coruna": "ES-C",
        "coruna": "ES-C",
        "orense": "ES-OR",
        "gerona": "ES-GI",
        "lerida": "ES-L",
        "comunitat valenciana": "ES-VC",
        "catalonia": "ES-CT",
        "cataluna": "ES-CT",
        "euskadi": "ES-PV",
    },
    "MX": {
        "cdmx": "MX-CMX",
        "df": "MX-CMX",
        "d f": "MX-CMX",
        "distrito federal": "MX-CMX",
        "ciudad de mexico": "MX-CMX",
        "mexico city": "MX-CMX",
        "b c": "MX-BCN",
        "bc": "MX-BCN",
        "b c s": "MX-BCS",
        "bcs": "MX-BCS",
        "edomex": "MX-MEX",
        "estado de mexico": "MX-MEX",
        "nl": "MX-NLE",
        "n l": "MX-NLE",
    },
    "AR": {"caba": "AR-C", "capital federal": "AR-C", "buenos aires ciudad": "AR-C"},
    "CO": {"valle": "CO-VAC", "bogota": "CO-DC", "bogota d c": "CO-DC", "bogota dc": "CO-DC"},
    "CL": {"rm": "CL-RM", "region metropolitana": "CL-RM", "santiago": "CL-RM"},
    "US": {"d c": "US-DC", "washington d c": "US-DC"},
}
_PUNCTUATION = re.compile(r"[^\w ]+")
_SPACES = re.compile(r" +")


def place_key(text: str) -> str:
    """The spelling-blind key of a place name: folded, punctuation as spaces."""
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", fold(text)).replace("_", " ")).strip()


def normalise_country(raw: Any, style: CountryStyle = "alpha_2") -> Normalised[str]:
    """The ISO 3166-1 country: its alpha-2 code (``ES``) or, with ``style="name"``, its
    English short name (``Spain``). An unknown country is kept as typed with a finding
    ``unknown_country``."""
    text = as_text(raw)
    if text is None:
        return Normalised(None)
    code = country_code(text)
    if code is None:
        return Normalised(text, Finding("unknown_country", f"no country is called {text!r}"))
    if style == "name":
        return Normalised(_country_name(code), kind=code)
    return Normalised(code, kind=code)


@cache
def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country is not None else code


@lru_cache(maxsize=20_000)
def country_code(text: str) -> str | None:
    """The alpha-2 code of a country however it is written, or None."""
    if len(text) > MAX_FIELD_LENGTH:
        return None
    return _country_index().get(place_key(text))


@cache
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    ambiguous: set[str] = set()

    def add(name: str | None, code: str, overwrite: bool = False) -> None:
        if not name:
            return
        key = place_key(name)
        if overwrite or key not in index:
            index[key] = code
        elif index[key] != code:
            ambiguous.add(key)

    countries = list(pycountry.countries)
    for country in countries:
        for name in (
            country.alpha_2,
            country.alpha_3,
            country.name,
            getattr(country, "common_name", None),
            getattr(country, "official_name", None),
        ):
            add(name, country.alpha_2, overwrite=True)
    for alias, code in COUNTRY_ALIASES.items():
        add(alias, code, overwrite=True)
    for language in LANGUAGES:
        translate = gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
        ).gettext
        for country in countries:
            for name in (
                country.name,
                getattr(country, "common_name", None),
                getattr(country, "official_name", None),
            ):
                if name:
                    add(translate(name), country.alpha_2)
    for key in ambiguous:
        index.pop(key, None)
    return index


def normalise_state(raw: Any, country: str | None) -> Normalised[str]:
    """The state or province as ISO 3166-2 knows it, in the country's own habit: the code
    for the US, Canada, Australia and Brazil (``TX``), the name elsewhere (``A Coruña``,
    ``Nuevo León``). Without a known country, or for a name ISO does not know, the text is
    kept (white space tidied) with a finding ``unknown_state``; ``kind`` holds the ISO
    3166-2 code when it is known."""
    text = as_text(raw)
    if text is None:
        return Normalised(None)
    if not country or country.upper() not in _subdivision_countries():
        return Normalised(text)
    country = country.upper()
    code = _state_index(country).get(place_key(text)) if len(text) <= MAX_FIELD_LENGTH else None
    if code is None:
        return Normalised(
            text, Finding("unknown_state", f"{country} has no state or province {text!r}")
        )
    display = code.split("-", 1)[1] if country in STATE_CODE_COUNTRIES else _display_name(code)
    return Normalised(display, kind=code)


@cache
def _subdivision_countries() -> frozenset[str]:
    return frozenset(s.country_code for s in pycountry.subdivisions)


@cache
def _display_name(code: str) -> str:
    return _names(pycountry.subdivisions.get(code=code).name)[0]


def _names(iso_name: str) -> list[str]:
    """The spellings inside an ISO name: ``A Coruña [La Coruña]`` → both;
    ``Madrid, Comunidad de`` → ``Comunidad de Madrid`` and the ISO form."""
    main, _, rest = iso_name.partition("[")
    names = [main.strip()]
    names += [n.strip() for n in rest.rstrip("]").split("/") if n.strip()]
    if "," in names[0]:
        head, _, tail = names[0].partition(",")
        names.insert(0, f"{tail.strip()} {head.strip()}")
    names += [part.strip() for part in names[0].split("/") if "/" in names[0]]
    return names


@cache
def _state_index(country: str) -> dict[str, str]:
    index: dict[str, str] = {}
    subdivisions = sorted(
        pycountry.subdivisions.get(country_code=country) or (),
        key=lambda s: s.parent_code is None,  # provinces before the regions of the same name
    )
    for sub in subdivisions:
        index.setdefault(place_key(sub.code), sub.code)
        index.setdefault(place_key(sub.code.split("-", 1)[1]), sub.code)
        for name in _names(sub.name):
            index.setdefault(place_key(name), sub.code)
    for alias, code in STATE_ALIASES.get(country, {}).items():
        index[alias] = code
    return index


def normalise_zip(raw: Any) -> Normalised[str]:
    """The postal code upper-cased with single spaces (``sw1a 5xd`` → ``SW1A 5XD``)."""
    text = as_text(raw)
    if text is None:
        return Normalised(None)
    text = text.upper()
    if len(text) > 12 or not any(ch.isdigit() for ch in text):
        return Normalised(text, Finding("invalid_zip", f"{text[:40]!r} is no postal code"))
    return Normalised(text)
