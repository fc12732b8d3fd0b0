"""From linked pairs to clusters, and from each cluster to its survivor.

Clusters are the connected components of the linked pairs. The survivor is chosen by a
configurable rule (the oldest record, the most complete, or the one with the most recent
activity), ties broken by the other two and then by id, so the choice is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

SurvivorRule = Literal["oldest", "most_complete", "most_recent_activity"]


def clusters_of(ids: Sequence[str], pairs: pd.DataFrame) -> pd.DataFrame:
    """``id``, ``cluster_id`` (the smallest id of the cluster) and ``score`` (the best match
    probability linking the record to its cluster; None for a record alone) for every id."""
    index = pd.Index(pd.Series(ids, dtype=object))
    left = index.get_indexer(pairs["unique_id_l"])
    right = index.get_indexer(pairs["unique_id_r"])
    size = len(index)
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    record_ids = index.to_numpy()
    cluster_ids = record_ids.copy()
    grouped = np.bincount(labels)[labels] > 1  # only these need their smallest id found
    if grouped.any():
        members = pd.DataFrame({"label": labels[grouped], "id": record_ids[grouped]})
        smallest = members.sort_values(["label", "id"]).drop_duplicates("label")
        cluster_ids[grouped] = smallest.set_index("label")["id"].reindex(labels[grouped])
    score = np.full(size, np.nan)
    probability = pairs["match_probability"].to_numpy(dtype=float)
    np.fmax.at(score, left, probability)
    np.fmax.at(score, right, probability)
    return pd.DataFrame({"id": record_ids, "cluster_id": cluster_ids, "score": score})


def choose_survivors(clusters: pd.DataFrame, facts: pd.DataFrame, rule: SurvivorRule) -> pd.Series:
    """The survivor id of every record's cluster (itself for a record alone).

    ``facts`` is indexed by id with ``created_at``, ``last_activity`` (ISO text or
    timestamps, None when unknown) and ``filled`` (how many fields hold a value)."""
    table = clusters[["id", "cluster_id"]].join(facts, on="id")
    table["created"] = pd.to_datetime(table["created_at"], utc=True, errors="coerce")
    table["active"] = pd.to_datetime(table["last_activity"], utc=True, errors="coerce")
    order = {
        "oldest": [("created", True), ("filled", False), ("active", False)],
        "most_complete": [("filled", False), ("active", False), ("created", True)],
        "most_recent_activity": [("active", False), ("filled", False), ("created", True)],
    }[rule]
    columns = ["cluster_id"] + [c for c, _ in order] + ["id"]
    ascending = [True] + [a for _, a in order] + [True]
    ranked = table.sort_values(columns, ascending=ascending, na_position="last")
    first = ranked.drop_duplicates("cluster_id").set_index("cluster_id")["id"]
    return table["cluster_id"].map(first).set_axis(table.index)
