"""What every adapter does the same way: sending items in batches, and refusing to touch tags
outside crmsync's namespace."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from connectors.types import RecordUpdate

T = TypeVar("T")


def chunks(items: list[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_namespace(update: RecordUpdate, namespace: str) -> None:
    """ValueError when ``update`` adds or removes a tag outside ``namespace``."""
    prefix = f"{namespace}:"
    foreign = sorted(t for t in update.tags_add | update.tags_remove if not t.startswith(prefix))
    if foreign:
        raise ValueError(f"refusing to touch tags outside the {prefix!r} namespace: {foreign}")
