"""People's and companies' names: white space, casing that respects particles ("de la",
"van der") and prefixes ("O'Brien", "McDonald"), and the keys that match names written
differently (accents, nicknames, legal suffixes)."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from sync.hygiene.nicknames import EQUIVALENT_NAMES, NAME_VARIANTS
from sync.hygiene.text import Normalised, as_text, fold, text_finding

#: Words that stay lower-case inside a name ("María de la Fuente", "Ludwig van Beethoven").
PARTICLES = frozenset(
    {
        "de",
        "del",
        "da",
        "das",
        "do",
        "dos",
        "du",
        "des",
        "van",
        "von",
        "der",
        "den",
        "ter",
        "ten",
        "zu",
        "zum",
        "zur",
        "y",
        "e",
        "i",
    }
)
#: Articles that are particles only after another particle ("de la", "van le").
ARTICLES = frozenset({"la", "las", "los", "le", "lo", "het", "l"})
#: Countries where particles start with a capital ("De Luca", "Van Buren").
CAPITAL_PARTICLE_COUNTRIES = frozenset({"IT", "US", "GB", "IE", "CA", "AU", "NZ", "ZA"})
#: Legal forms, as word sequences once dots are dropped ("S.A. de C.V." → "sa de cv").
LEGAL_SUFFIXES: frozenset[tuple[str, ...]] = frozenset(
    tuple(suffix.split())
    for suffix in (
        # Spain, Latin America
        "sl",
        "sa",
        "slu",
        "sau",
        "sll",
        "slne",
        "sc",
        "scp",
        "scoop",
        "s coop",
        "sociedad limitada",
        "sociedad anonima",
        "sa de cv",
        "s de rl",
        "s de rl de cv",
        "sapi de cv",
        "sab de cv",
        "s en c",
        "sas",
        "ltda",
        "limitada",
        "eirl",
        "spa",
        "srl",
        "sac",
        "saa",
        "cia ltda",
        # English-speaking
        "inc",
        "incorporated",
        "llc",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "limited",
        "plc",
        "llp",
        "lp",
        "pc",
        "pllc",
        "co ltd",
        "co inc",
        "pty ltd",
        "pty",
        # German, Dutch
        "gmbh",
        "ag",
        "kg",
        "gmbh co kg",
        "ag co kg",
        "ohg",
        "ek",
        "ug",
        "gbr",
        "ev",
        "bv",
        "nv",
        "vof",
        "cv",
        # French, Italian, Portuguese
        "sarl",
        "eurl",
        "sasu",
        "sci",
        "snc",
        "spa",
        "srls",
        "sapa",
        "lda",
        "unipessoal lda",
        "sgps",
        "me",
        "eireli",
    )
)
_LONGEST_SUFFIX = max(len(s) for s in LEGAL_SUFFIXES)
#: Words of no weight when two company names are compared.
_COMPANY_STOPWORDS = frozenset({"y", "e", "et", "en", "und", "and", "the"})
_WORD = re.compile(r"[^\W_]+")
_NAME_PIECES = re.compile(r"([ \-'’])")


def normalise_person_name(raw: Any, country: str | None = None) -> Normalised[str]:
    """A first or last name with single spaces and, when it was typed all in capitals or
    all in small letters, proper casing: "MARÍA DE LA FUENTE" → "María de la Fuente",
    "o'brien" → "O'Brien". Mixed casing is the person's own and is kept ("DeLuca").

    Particles stay lower-case except where the country capitalises them (Italy, English-
    speaking countries: "De Luca", "Van Buren"). Digits, emoji, mixed scripts or absurd
    lengths give a finding ``suspicious_name`` and the text is kept."""
    text = as_text(raw)
    if text is None:
        return Normalised(None)
    finding = text_finding("name", text)
    if finding is not None:
        return Normalised(text, finding)
    if text.islower() or text.isupper():
        capital_particles = (country or "").upper() in CAPITAL_PARTICLE_COUNTRIES
        text = _recase(text, capital_particles)
    return Normalised(text)


def _recase(text: str, capital_particles: bool) -> str:
    words = text.lower().split(" ")
    only_particles = all(w in PARTICLES or w in ARTICLES for w in words)
    out = []
    for i, word in enumerate(words):
        after_particle = i > 0 and words[i - 1] in PARTICLES
        particle = word in PARTICLES or (word in ARTICLES and after_particle)
        if particle and not only_particles and not capital_particles:
            out.append(word)
        else:
            out.append("".join(_capitalise(piece) for piece in _NAME_PIECES.split(word)))
    return " ".join(out)


def _capitalise(piece: str) -> str:
    if piece.startswith("mc") and len(piece) > 2:
        return "Mc" + piece[2:].capitalize()
    return piece.capitalize()


def normalise_company_name(raw: Any) -> Normalised[str]:
    """A company's name for display: white space tidied, legal form kept as typed ("Wood &
    Sons Ltd."). Emoji, mixed scripts or absurd lengths give ``suspicious_company``."""
    text = as_text(raw)
    if text is None:
        return Normalised(None)
    return Normalised(text, text_finding("company", text, letters_expected=False))


@lru_cache(maxsize=200_000)
def company_key(name: str) -> str:
    """The name two records of one company share however they write it: no accents, case,
    punctuation, "and" words or legal form ("Corporativo del Bajío, S.A." and "CORPORATIVO
    DEL BAJIO SA DE CV" → "corporativo del bajio"). For matching only, never for display."""
    words = _WORD.findall(fold(name).replace(".", ""))
    for _ in range(2):  # "Ltd" after "& Co."
        for size in range(min(_LONGEST_SUFFIX, len(words) - 1), 0, -1):
            if tuple(words[-size:]) in LEGAL_SUFFIXES:
                words = words[:-size]
                break
    kept = [w for w in words if w not in _COMPANY_STOPWORDS]
    return " ".join(kept or words)


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """A person's name folded for matching: no accents or case, words only
    ("Gómez-Acebo" → "gomez acebo")."""
    return " ".join(_WORD.findall(fold(name)))


@cache
def _variant_index() -> dict[str, frozenset[str]]:
    """folded name, nickname or foreign form -> the folded full names it may stand for."""
    index: dict[str, set[str]] = {}
    for full, variants in NAME_VARIANTS.items():
        key = name_key(full)
        for name in (key, *map(name_key, variants)):
            index.setdefault(name, set()).add(key)
    for group in EQUIVALENT_NAMES:
        keys = [name_key(name) for name in group]
        for key in keys:
            index.setdefault(key, set()).update(keys)
    return {name: frozenset(fulls) for name, fulls in index.items()}


@cache
def _nickname_index() -> dict[str, str]:
    """folded nickname -> the first word of the (alphabetically first) full name it stands
    for; full names themselves are left out."""
    fulls = {name_key(full) for full in NAME_VARIANTS}
    fulls.update(name_key(name) for group in EQUIVALENT_NAMES for name in group)
    index: dict[str, str] = {}
    for full, variants in sorted(NAME_VARIANTS.items()):
        for variant in map(name_key, variants):
            if variant not in fulls:
                index.setdefault(variant, name_key(full).split(" ", 1)[0])
    return index


@lru_cache(maxsize=100_000)
def whole_first_name_forms(name: str) -> frozenset[str]:
    """The full first names the whole of ``name`` may be: itself, what it is a nickname of,
    the same name in a neighbouring language ("Pepe" → pepe, jose)."""
    key = name_key(name)
    return frozenset({key} | _variant_index().get(key, frozenset()))


@lru_cache(maxsize=100_000)
def first_name_forms(name: str) -> frozenset[str]:
    """Every full first name ``name`` or one of its words may be. Two first names can be one
    person's when the whole forms of one meet these forms of the other ("Pepe" and "José",
    "Majo" and "María José", "Javi" and "Francisco Javier", "María" and "María José"), but
    not "María Fernanda" and "María Guadalupe"."""
    key = name_key(name)
    index = _variant_index()
    forms = {key} | index.get(key, frozenset())
    words = key.split()
    if len(words) > 1:
        for word in words:
            forms |= {word} | index.get(word, frozenset())
    return frozenset(forms)


@lru_cache(maxsize=100_000)
def first_name_block(name: str) -> str:
    """One word standing for a first name and its nicknames, for finding candidate pairs:
    a nickname's full name, else the name's first word ("Pepe" → "jose", "Bill" →
    "william", "Majo" → "maria", "José Luis" → "jose")."""
    key = name_key(name)
    return _nickname_index().get(key) or key.split(" ", 1)[0]
