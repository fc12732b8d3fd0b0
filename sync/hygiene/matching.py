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

import pandas as pd

from sync.hygiene.names import (
    company_key,
    first_name_block,
    first_name_forms,
    name_key,
    whole_first_name_forms,
)
from sync.hygiene.phones import is_placeholder, normalise_phone
from sync.hygiene.places import country_code

#: Digits of a phone number two spellings of it always share (the end of the number).
PHONE_SUFFIX_DIGITS = 7
_LETTER = re.compile(r"[^\W\d_]")
_EXTENSION = re.compile(r"(?:;ext=|\bext\.?|\bextension|\bx|#)\s*\d{1,7}\s*$", re.IGNORECASE)
_WEB_PREFIX = re.compile(r"^(?:[a-z]+://)?(?:www\d?\.)?")


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
    return values.map(mapping).where(values.notna(), None)


def contact_features(
    raw: pd.DataFrame,
    *,
    default_region: str | None = None,
    identifier_fields: Sequence[str] = (),
) -> pd.DataFrame:
    """The match table of contacts: ``unique_id`` and the keys
    (see :func:`sync.hygiene.linkage.contact_settings` for how each is compared)."""
    first = by_value(column(raw, "first_name"), name_key)
    last = by_value(column(raw, "last_name"), name_key)
    email = by_value(column(raw, "email"), _email_key)
    regions = _regions(raw, default_region)
    phones = phone_keys([column(raw, "phone"), column(raw, "mobile")], regions)
    last = _none_if_blank(last)
    surname = by_value(last, lambda v: v.split(" ", 1)[0])
    phones = forget_shared_phones(phones, surname)
    features = pd.DataFrame(
        {
            "unique_id": column(raw, "id").to_numpy(),
            "first": _none_if_blank(first),
            "full_name": (first.fillna("") + " " + last.fillna("")).str.strip().replace("", None),
            "first_block": by_value(column(raw, "first_name"), first_name_block),
            "last": last,
            "last_first_word": surname,
            "email": forget_shared(email, surname),
            "email_user": by_value(email, lambda v: v.rpartition("@")[0] or None),
            "phone_1": phones[0],
            "phone_2": phones[1],
            "birth_date": by_value(column(raw, "birth_date"), lambda v: v[:10]),
            "zip": by_value(column(raw, "zip"), lambda v: re.sub(r"[\s-]", "", v.upper())),
            "city": _none_if_blank(by_value(column(raw, "city"), name_key)),
            "street": _none_if_blank(by_value(column(raw, "street"), name_key)),
            "company": _none_if_blank(
                by_value(column(raw, "company_name", "company"), company_key)
            ),
        }
    )
    for field in identifier_fields:
        features[f"id_{field}"] = by_value(column(raw, field), _identifier_key).to_numpy()
    for name, keys in CONTACT_BLOCKS.items():
        features[name] = block_key(features, keys)
    return features


#: A phone number or e-mail address that this many people with different surnames use
#: identifies none of them (a switchboard, ``info@``): it is left out of person matching.
SHARED_BY_SURNAMES = 3


def forget_shared(keys: pd.Series, surnames: pd.Series) -> pd.Series:
    """``keys`` without the values that people of :data:`SHARED_BY_SURNAMES` or more
    different surnames share."""
    pairs = pd.DataFrame({"key": keys.to_numpy(), "surname": surnames.to_numpy()}).dropna()
    spread = pairs.drop_duplicates().groupby("key").size()
    shared = set(spread[spread >= SHARED_BY_SURNAMES].index)
    if not shared:
        return keys
    return keys.where(~keys.isin(shared), None)


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
MAX_BLOCK_SIZE = 100
#: Blocking keys of contacts built from two match columns (see ``contact_model``).
CONTACT_BLOCKS: dict[str, tuple[str, str]] = {
    "first_last": ("first_block", "last"),
    "last_zip": ("last", "zip"),
    "first_zip": ("first_block", "zip"),
    "last_birth": ("last", "birth_date"),
    "first_birth": ("first_block", "birth_date"),
    "first_company": ("first_block", "company"),
}


def block_key(features: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """The values of ``columns`` joined into one key, None where one is missing or where
    more than :data:`MAX_BLOCK_SIZE` records share the key."""
    parts = [features[c] for c in columns]
    missing = pd.concat([p.isna() for p in parts], axis=1).any(axis=1)
    key = parts[0].astype(str)
    for part in parts[1:]:
        key = key + "\x1f" + part.astype(str)
    key = key.where(~missing, None)
    sizes = key.map(key.value_counts())
    return key.where(sizes <= MAX_BLOCK_SIZE, None)


def company_features(raw: pd.DataFrame, *, default_region: str | None = None) -> pd.DataFrame:
    """The match table of companies: name without legal form, web domain, phone, place."""
    name = _none_if_blank(by_value(column(raw, "name"), company_key))
    phones = phone_keys([column(raw, "phone")], _regions(raw, default_region))
    return pd.DataFrame(
        {
            "unique_id": column(raw, "id").to_numpy(),
            "name": name,
            "name_block": by_value(name, lambda v: v.split(" ", 1)[0]),
            "domain": by_value(column(raw, "domain", "website"), domain_key),
            "phone_1": phones[0],
            "zip": by_value(column(raw, "zip"), lambda v: re.sub(r"[\s-]", "", v.upper())),
            "city": _none_if_blank(by_value(column(raw, "city"), name_key)),
            "street": _none_if_blank(by_value(column(raw, "street"), name_key)),
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


def domain_key(website: str) -> str | None:
    """``https://www.Acme.com/contact`` → ``acme.com``."""
    host = _WEB_PREFIX.sub("", website.strip().lower()).split("/", 1)[0].split(":", 1)[0]
    return host.strip(".") or None


def phone_keys(columns: list[pd.Series], regions: pd.Series) -> list[pd.Series]:
    """Per phone column, a key equal for two records exactly when their numbers are the same
    E.164 number (None for no number, placeholders, letters or fewer than 7 digits).

    ``phonenumbers`` is slow (~10,000 numbers a second), so it only reads the numbers that
    another record's number could equal: those sharing their last digits with a number
    written differently. A number whose spelling is the only one of its ending is its own
    key (its digits and region)."""
    cleaned = [_clean_phones(col, regions) for col in columns]
    stacked = pd.concat(cleaned, ignore_index=True).dropna()
    spellings = pd.DataFrame({"key": pd.unique(stacked)})
    spellings["suffix"] = spellings["key"].str[-PHONE_SUFFIX_DIGITS:]
    crowded = spellings.loc[spellings["suffix"].duplicated(keep=False), "key"]
    read = {key: _e164(key) for key in crowded}
    return [col.map(read).where(col.isin(read.keys()), col) if read else col for col in cleaned]


def _clean_phones(values: pd.Series, regions: pd.Series) -> pd.Series:
    """``region|+digits`` or ``region|digits`` per number, None where it cannot match."""
    text = values.astype(object).where(values.notna(), "")
    bare = text.str.replace(_EXTENSION, "", regex=True)
    digits = bare.str.replace(r"\D", "", regex=True)
    usable = (
        ~bare.str.contains(_LETTER)
        & (digits.str.len() >= PHONE_SUFFIX_DIGITS)
        & ~by_value(digits, is_placeholder).astype(bool)
    )
    plus = bare.str.lstrip().str.startswith("+").map({True: "+", False: ""})
    key = regions.fillna("").astype(str) + "|" + plus + digits
    return key.where(usable, None)


def _e164(key: str) -> str | None:
    region, _, number = key.partition("|")
    result = normalise_phone(number, region or None)
    return result.value.split(";", 1)[0] if result.ok and result.value else None


def _regions(raw: pd.DataFrame, default_region: str | None) -> pd.Series:
    regions = by_value(column(raw, "country"), country_code)
    return regions.where(regions.notna(), default_region)


def _email_key(value: str) -> str | None:
    email = value.strip().lower()
    return email if "@" in email else None


def _identifier_key(value: str) -> str | None:
    key = "".join(ch for ch in value.upper() if ch.isalnum())
    return key or None


def _none_if_blank(values: pd.Series) -> pd.Series:
    return values.where(values.astype(bool) & values.notna(), None).astype(object)
