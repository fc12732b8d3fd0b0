"""The match table: each record's values turned into the keys duplicates share however they
were typed (accents, case, nicknames, phone formats, legal suffixes, web addresses).

Input is a frame of raw text columns named like the common model (``first_name``,
``email``, ``phone``, ``company`` or ``company_name``…; missing columns are allowed); output
is one row per record with the columns the linkage model compares (see
:mod:`sync.hygiene.linkage`). Keys are computed once per distinct value, so a million
records with a few thousand distinct names cost a few thousand calls.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from sync.hygiene.emails import domain_key, repaired
from sync.hygiene.names import (
    company_key,
    first_name_block,
    first_name_forms,
    name_key,
    whole_first_name_forms,
)
from sync.hygiene.phones import calling_code, calling_region, e164_digits, is_placeholder
from sync.hygiene.places import country_code

#: Fewer digits than this are no phone number to match on.
PHONE_MIN_DIGITS = 7
_LETTER = re.compile(r"[^\W\d_]")
_NOT_DIGIT = re.compile(r"\D")
_UNUSUAL = re.compile(r"[^\d\s()+\-./]")
_EXTENSION = re.compile(r"(?:;ext=|\bext\.?|\bextension|\bx|#)\s*\d{1,7}\s*$", re.IGNORECASE)


def column(raw: pd.DataFrame, *names: str) -> pd.Series:
    """The first of ``names`` that ``raw`` has, as stripped text with None for blanks."""
    for name in names:
        if name in raw.columns:
            values = raw[name].astype("string").str.strip()
            values = values.where(values != "", pd.NA)
            return values.astype(object).where(values.notna(), None)
    return pd.Series([None] * len(raw), index=raw.index, dtype=object)


def by_value(values: pd.Series, function: Callable[[str], object]) -> pd.Series:
    """``function`` applied once per distinct non-null value."""
    present = values.dropna()
    distinct = pd.unique(present)
    mapping = dict(zip(distinct, map(function, distinct), strict=True))
    return values.map(mapping).astype(object).where(values.notna(), None)


def contact_features(
    raw: pd.DataFrame,
    *,
    default_region: str | None = None,
    identifier_fields: Sequence[str] = (),
) -> pd.DataFrame:
    """The match table of contacts: ``unique_id`` and the keys
    (see :func:`sync.hygiene.linkage.contact_model` for how each is compared)."""
    first = name_keys(column(raw, "first_name"))
    last = name_keys(column(raw, "last_name"))
    email = by_value(column(raw, "email").str.lower(), repaired)
    email = email.where(email.str.contains("@", regex=False).eq(True), None)
    regions = _regions(raw)
    phones = phone_keys([column(raw, "phone"), column(raw, "mobile")], regions, default_region)
    surname = by_value(last, lambda v: v.split(" ", 1)[0])
    phones = forget_shared_phones(phones, surname)
    user = email.str.rpartition("@")[0]
    features = pd.DataFrame(
        {
            "unique_id": column(raw, "id").to_numpy(),
            "first": first,
            "full_name": (first.fillna("") + " " + last.fillna("")).str.strip().replace("", None),
            "first_block": by_value(column(raw, "first_name"), first_name_block),
            "last": last,
            "last_first_word": surname,
            "email": forget_shared(email, surname),
            "email_user": _none_if_blank(user),
            "phone_1": phones[0],
            "phone_2": phones[1],
            "birth_date": _none_if_blank(column(raw, "birth_date").str.slice(0, 10)),
            "zip": by_value(column(raw, "zip"), _zip_key),
            "city": name_keys(column(raw, "city")),
            "street": name_keys(column(raw, "street")),
            "company": _none_if_blank(
                by_value(column(raw, "company_name", "company"), company_key)
            ),
        }
    )
    for field in identifier_fields:
        features[f"id_{field}"] = by_value(column(raw, field), _identifier_key).to_numpy()
    codes = {  # each column's values as integers, once for all the keys that use it
        name: _integers(features[name])
        for name in {c for keys, _ in CONTACT_BLOCKS.values() for c in keys}
    }
    for name, (keys, most) in CONTACT_BLOCKS.items():
        features[name] = block_key(pd.DataFrame({c: codes[c] for c in keys}), keys, most)
    return features


def _integers(values: pd.Series) -> pd.Series:
    """The values as integer codes (nullable), equal where the values are."""
    found, _ = pd.factorize(values)
    return pd.Series(found, index=values.index, dtype="Int64").where(found >= 0)


def name_keys(values: pd.Series) -> pd.Series:
    """:func:`sync.hygiene.names.name_key` of every value (None for none or no letters),
    vectorised for the plain-ASCII values that make up most of a base."""
    distinct = pd.Series(pd.unique(values.dropna()), dtype=object)
    plain = distinct.map(str.isascii).astype(bool)
    keys = pd.Series(index=distinct.index, dtype=object)
    keys[plain] = distinct[plain].str.lower().str.replace(r"[\W_]+", " ", regex=True).str.strip()
    keys[~plain] = distinct[~plain].map(name_key)
    keys = keys.where(keys.astype(bool), None)
    found = values.map(dict(zip(distinct, keys, strict=True))).astype(object)
    return found.where(values.notna(), None)


#: A phone number or e-mail address that this many people with different surnames use
#: identifies none of them (a switchboard, ``info@``): it is left out of person matching.
SHARED_BY_SURNAMES = 3


def forget_shared(keys: pd.Series, surnames: pd.Series) -> pd.Series:
    """``keys`` without the values that people of :data:`SHARED_BY_SURNAMES` or more
    different surnames share."""
    key_codes, uniques = pd.factorize(keys)
    surname_codes, _ = pd.factorize(surnames)
    both = (key_codes >= 0) & (surname_codes >= 0)
    pairs = np.unique(
        key_codes[both].astype(np.int64) * (surname_codes.max() + 1) + surname_codes[both]
    )
    spread = np.bincount(pairs // (surname_codes.max() + 1), minlength=len(uniques))
    shared = np.append(spread >= SHARED_BY_SURNAMES, False)  # code -1 (no key): kept
    if not shared.any():
        return keys
    return keys.where(~shared[key_codes], None)


def forget_shared_phones(phones: list[pd.Series], surnames: pd.Series) -> list[pd.Series]:
    """Phone columns judged shared over all columns at once (a switchboard in ``phone`` of
    one record and ``mobile`` of another is still the same line)."""
    stacked = pd.concat(phones, ignore_index=True)
    surname_twice = pd.concat([surnames] * len(phones), ignore_index=True)
    kept = forget_shared(stacked, surname_twice)
    size = len(surnames)
    return [
        pd.Series(kept.iloc[i * size : (i + 1) * size].to_numpy(), index=surnames.index)
        for i in range(len(phones))
    ]


#: The most records one blocking key may group: a key shared by more (a very common name
#: in one postcode) is too unspecific to compare all its pairs; those records are still
#: compared through their other keys (e-mail, phones, birth date…).
MAX_BLOCK_SIZE = 40
#: Blocking keys of contacts (see ``contact_model``): name -> the match columns it joins and
#: the most records one key may group. A common name alone makes big blocks of namesakes:
#: its pairs are compared within a city, and all of them only for a rarer name.
CONTACT_BLOCKS: dict[str, tuple[tuple[str, ...], int]] = {
    "first_last": (("first_block", "last"), 20),
    "first_last_city": (("first_block", "last", "city"), MAX_BLOCK_SIZE),
    "last_zip": (("last", "zip"), MAX_BLOCK_SIZE),
    "first_zip": (("first_block", "zip"), MAX_BLOCK_SIZE),
    "last_birth": (("last", "birth_date"), MAX_BLOCK_SIZE),
    "first_birth": (("first_block", "birth_date"), MAX_BLOCK_SIZE),
    "zip_birth": (("zip", "birth_date"), MAX_BLOCK_SIZE),
    "street_birth": (("street", "birth_date"), MAX_BLOCK_SIZE),
    "street_city": (("street", "city"), 10),
    "first_company": (("first_block", "company"), MAX_BLOCK_SIZE),
}


def block_key(
    features: pd.DataFrame, columns: tuple[str, ...], most: int = MAX_BLOCK_SIZE
) -> pd.Series:
    """The values of ``columns`` as one integer key, null where one is missing, where no
    other record shares it, or where more than ``most`` records do."""
    codes = np.zeros(len(features), dtype=np.int64)
    missing = np.zeros(len(features), dtype=bool)
    for name in columns:
        part, uniques = pd.factorize(features[name])
        missing |= part < 0
        codes, _ = pd.factorize(codes * (len(uniques) + 1) + part)
    sizes = np.append(np.bincount(codes[~missing]), 0)[np.where(missing, -1, codes)]
    key = pd.Series(codes, index=features.index, dtype="Int64")
    key[missing | (sizes < 2) | (sizes > most)] = pd.NA
    return key


def company_features(raw: pd.DataFrame, *, default_region: str | None = None) -> pd.DataFrame:
    """The match table of companies: name without legal form, web domain, phone, place."""
    name = _none_if_blank(by_value(column(raw, "name"), company_key))
    phones = phone_keys([column(raw, "phone")], _regions(raw), default_region)
    return pd.DataFrame(
        {
            "unique_id": column(raw, "id").to_numpy(),
            "name": name,
            "name_block": by_value(name, lambda v: v.split(" ", 1)[0]),
            "domain": by_value(column(raw, "domain", "website"), domain_key),
            "phone_1": phones[0],
            "zip": by_value(column(raw, "zip"), _zip_key),
            "city": name_keys(column(raw, "city")),
            "street": name_keys(column(raw, "street")),
        }
    )


def first_name_forms_table(first_names: pd.Series) -> pd.DataFrame:
    """``first`` -> ``first_whole`` and ``first_forms`` (lists) for each distinct folded
    first name (see :func:`sync.hygiene.names.first_name_forms`)."""
    distinct = pd.unique(first_names.dropna())
    return pd.DataFrame(
        {
            "first": distinct,
            "first_whole": [sorted(whole_first_name_forms(n)) for n in distinct],
            "first_forms": [sorted(first_name_forms(n)) for n in distinct],
        }
    )


def phone_keys(
    columns: list[pd.Series], regions: pd.Series, default_region: str | None = None
) -> list[pd.Series]:
    """Per phone column, a key equal for two records exactly when their numbers are the same
    E.164 number (None for no number, placeholders, letters or fewer than
    :data:`PHONE_MIN_DIGITS` digits). A number without its country code is read in the
    record's region (``regions``), else the region of another of its numbers written with
    one, else ``default_region``.

    Reading a number (:func:`sync.hygiene.phones.e164_digits`) is only needed where another
    record's number could equal it: numbers sharing their last :data:`PHONE_MIN_DIGITS`
    digits with a number written differently. A number whose spelling is the only one of
    its ending is its own key (its region and digits)."""
    typed = [by_value(column, _phone_digits) for column in columns]
    for numbers in typed:
        unknown = regions.isna()
        if unknown.any():
            regions = regions.where(~unknown, by_value(numbers[unknown], _calling_region))
    where = regions.where(regions.notna(), default_region).fillna("").astype(str) + "|"
    cleaned = [where + numbers for numbers in typed]
    spellings = pd.Series(pd.unique(pd.concat(cleaned, ignore_index=True).dropna()))
    crowded = spellings[spellings.str[-PHONE_MIN_DIGITS:].duplicated(keep=False)]
    read = dict(zip(crowded, map(_e164, crowded), strict=True))
    read.update(_without_country(read))
    return [
        _none_if_blank(column.map(read).where(column.isin(crowded), column)) for column in cleaned
    ]


def _without_country(read: dict[str, str]) -> dict[str, str]:
    """Numbers of records without a country (``|digits``) that are the national digits of
    exactly one number read elsewhere (after nothing, ``0``, the calling code or ``00`` and
    the calling code) → that number: the same number, written once without its code."""
    endings: dict[str, set[str]] = {}
    for number in read.values():
        if number.startswith("+"):
            endings.setdefault(number[-PHONE_MIN_DIGITS:], set()).add(number)
    found = {}
    for key, number in read.items():
        if not number.startswith("|"):
            continue
        digits = number[1:].lstrip("+")
        same = {
            e164
            for e164 in endings.get(digits[-PHONE_MIN_DIGITS:], ())
            if _national_digits_of(digits, e164)
        }
        if len(same) == 1:
            found[key] = same.pop()
    return found


def _national_digits_of(digits: str, e164: str) -> bool:
    code = calling_code(e164[1:]) or ""
    national = e164[1 + len(code) :]
    prefix = digits[: -len(national)] if national and digits.endswith(national) else None
    return prefix in ("", "0", code, "00" + code)


def _calling_region(number: str) -> str | None:
    return calling_region(number.lstrip("+"), number.startswith("+"))


def _phone_digits(text: str) -> str | None:
    """``+digits`` or ``digits`` of a phone number as typed; None for letters, placeholders
    or too few digits."""
    if _UNUSUAL.search(text):
        text = _EXTENSION.sub("", text)
        if _LETTER.search(text):
            return None
    digits = _NOT_DIGIT.sub("", text)
    if len(digits) < PHONE_MIN_DIGITS or is_placeholder(digits):
        return None
    return "+" + digits if text.lstrip(" (").startswith("+") else digits


def _e164(key: str) -> str:
    """``region|+digits`` → the E.164 number (the key itself without a country code)."""
    region, _, number = key.partition("|")
    digits = number.lstrip("+")
    return e164_digits(digits, number.startswith("+"), region or None) or key


def _regions(raw: pd.DataFrame) -> pd.Series:
    return by_value(column(raw, "country"), country_code)


def _zip_key(value: str) -> str:
    return re.sub(r"[\s-]", "", value.upper())


def _identifier_key(value: str) -> str | None:
    key = "".join(ch for ch in value.upper() if ch.isalnum())
    return key or None


def _none_if_blank(values: pd.Series) -> pd.Series:
    return values.where(values.astype(bool) & values.notna(), None).astype(object)
