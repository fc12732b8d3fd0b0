"""Contacts from a CSV whose columns are the common model's field names (``id, first_name,
last_name, email, phone, mobile, company, city, country, …``): as a raw text frame for
deduplication, or as common-model records for the audit. Unknown columns become custom
fields; a value that cannot be read as its field's kind is left out and reported."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from mapping.model import Contact, field_kinds
from mapping.values import normalise

#: Column names people use for common-model fields.
ALIASES: Mapping[str, str] = {"company": "company_name", "website": "domain"}


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A CSV value that is not a value of its field's kind."""

    record_id: str
    field: str
    value: str
    message: str


def read_frame(path: Path) -> pd.DataFrame:
    """The CSV as text columns (blank cells as None), every column kept."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    if "id" not in frame.columns:
        raise ValueError(f"{path}: no `id` column")
    return frame.rename(columns={k: v for k, v in ALIASES.items() if v not in frame.columns})


def contacts_from_frame(frame: pd.DataFrame) -> tuple[list[Contact], list[Unreadable]]:
    """Common-model contacts, and the values that could not be read."""
    kinds = field_kinds(Contact)
    known = [c for c in frame.columns if c in kinds]
    custom = [c for c in frame.columns if c not in kinds and c != "id"]
    contacts: list[Contact] = []
    unreadable: list[Unreadable] = []
    for row in frame.to_dict("records"):
        record_id = str(row["id"])
        values: dict[str, Any] = {}
        for name in known:
            value = row[name]
            try:
                values[name] = normalise(kinds[name], value)
            except (ValueError, TypeError) as exc:
                unreadable.append(Unreadable(record_id, name, str(value)[:80], str(exc)))
        extra = {name: row[name] for name in custom if row[name] not in (None, "")}
        contacts.append(Contact(id=record_id, custom=MappingProxyType(extra), **values))
    return contacts, unreadable
