"""Duplicate contacts and companies: match table → Splink pairs → clusters → survivors.

Works on a frame of raw text columns named like the common model (a CSV, or a
:class:`~sync.rules.base.CustomerBase` through :func:`contacts_frame`), so the command line
and the rules share one path. The result has one row per record: ``id``, ``cluster_id``,
``survivor_id`` and ``score`` (the best match probability linking the record to its cluster,
empty for a record alone).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Literal

import pandas as pd

from mapping.model import Company, Contact, field_kinds
from sync.hygiene.clusters import SurvivorRule, choose_survivors, clusters_of
from sync.hygiene.linkage import company_model, contact_model, linked_pairs
from sync.hygiene.matching import column, company_features, contact_features

ObjectName = Literal["contact", "company"]
#: Columns that say when a record was last alive, most telling first.
ACTIVITY_COLUMNS = ("last_interaction_at", "last_click_at", "last_open_at", "updated_at")
_BOOKKEEPING = {"id", "created_at", "updated_at", "source", "custom", "tags"}


def find_duplicates(
    raw: pd.DataFrame,
    *,
    object_name: ObjectName = "contact",
    threshold: float = 0.9,
    survivor: SurvivorRule = "most_complete",
    default_region: str | None = None,
    identifier_fields: Sequence[str] = (),
) -> pd.DataFrame:
    """``id``, ``cluster_id``, ``survivor_id``, ``score`` for every record of ``raw``."""
    raw = raw.reset_index(drop=True)
    if object_name == "contact":
        features = contact_features(
            raw, default_region=default_region, identifier_fields=identifier_fields
        )
        model = contact_model(identifier_fields)
    else:
        features = company_features(raw, default_region=default_region)
        model = company_model()
    if features["unique_id"].isna().any() or features["unique_id"].duplicated().any():
        raise ValueError("every record needs an id of its own (column `id`)")
    pairs = linked_pairs(features, model, threshold=threshold)
    clusters = clusters_of(features["unique_id"].tolist(), pairs)
    clusters["survivor_id"] = clusters["id"]
    grouped = clusters["cluster_id"].duplicated(keep=False).to_numpy()  # not alone
    if grouped.any():
        facts = survivor_facts(raw[grouped])
        chosen = choose_survivors(clusters[grouped], facts, survivor)
        clusters.loc[grouped, "survivor_id"] = chosen.to_numpy()
    return clusters[["id", "cluster_id", "survivor_id", "score"]]


def survivor_facts(raw: pd.DataFrame) -> pd.DataFrame:
    """Per id: ``created_at``, ``last_activity`` and ``filled`` (fields holding a value), what
    the survivor rules compare."""
    values = raw.drop(columns=[c for c in raw.columns if c in _BOOKKEEPING], errors="ignore")
    filled = sum(column(values, name).notna().astype(int) for name in values.columns)
    activity = pd.concat(
        [pd.to_datetime(column(raw, name), utc=True, errors="coerce") for name in ACTIVITY_COLUMNS],
        axis=1,
    ).max(axis=1)
    return pd.DataFrame(
        {
            "created_at": column(raw, "created_at").to_numpy(),
            "last_activity": activity.to_numpy(),
            "filled": filled.to_numpy(),
        },
        index=column(raw, "id").to_numpy(),
    )


def records_frame(records: Iterable[Contact | Company]) -> pd.DataFrame:
    """Common-model records as a frame of text columns (what a CSV of them would hold)."""
    rows = []
    for record in records:
        row: dict[str, Any] = {"id": record.id}
        for name in field_kinds(type(record)):
            row[name] = _text(getattr(record, name))
        for name, value in record.custom.items():
            row.setdefault(name, _text(value))
        rows.append(row)
    return pd.DataFrame(rows, dtype=object)


def _text(value: Any) -> str | None:
    if value is None or value == frozenset():
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, frozenset | tuple):
        return ";".join(sorted(map(str, value)))
    if dataclasses.is_dataclass(value):
        return None
    return str(value)
