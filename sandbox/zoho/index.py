"""A sorted collection of ints kept in blocks, so that a million keys cost a few memmoves of
a thousand entries per insert or removal, and ordered iteration from any key starts in
O(log n). Keys are record ids or ``(timestamp << 64) | id`` composites."""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator

ID_BITS = 64
ID_MASK = (1 << ID_BITS) - 1


def time_key(seconds: int, record_id: int) -> int:
    """The composite key ordering records by (time, id)."""
    return (seconds << ID_BITS) | record_id


def key_id(key: int) -> int:
    """The record id inside a composite key (or the id itself)."""
    return key & ID_MASK


def key_time(key: int) -> int:
    """The timestamp inside a composite key."""
    return key >> ID_BITS


class SortedInts:
    """Distinct ints in ascending order."""

    BLOCK = 1_000

    def __init__(self, values: Iterable[int] = ()) -> None:
        data = sorted(values)
        size = self.BLOCK
        self._blocks: list[list[int]] = [data[i : i + size] for i in range(0, len(data), size)]
        self._maxes: list[int] = [block[-1] for block in self._blocks]
        self._len = len(data)

    def __len__(self) -> int:
        return self._len

    def __contains__(self, value: int) -> bool:
        i = bisect_left(self._maxes, value)
        if i == len(self._maxes):
            return False
        block = self._blocks[i]
        j = bisect_left(block, value)
        return block[j] == value

    def last(self) -> int | None:
        """The largest value, or None when empty."""
        return self._maxes[-1] if self._maxes else None

    def add(self, value: int) -> None:
        """Insert a value (which must not be present)."""
        if not self._blocks:
            self._blocks.append([value])
            self._maxes.append(value)
            self._len = 1
            return
        i = bisect_left(self._maxes, value)
        if i == len(self._maxes):
            i -= 1
            self._blocks[i].append(value)
            self._maxes[i] = value
        else:
            insort(self._blocks[i], value)
        self._len += 1
        block = self._blocks[i]
        if len(block) > 2 * self.BLOCK:
            half = len(block) // 2
            self._blocks[i : i + 1] = [block[:half], block[half:]]
            self._maxes[i : i + 1] = [block[half - 1], block[-1]]

    def remove(self, value: int) -> None:
        """Remove a value; raises KeyError when it is absent."""
        i = bisect_left(self._maxes, value)
        if i == len(self._maxes):
            raise KeyError(value)
        block = self._blocks[i]
        j = bisect_left(block, value)
        if block[j] != value:
            raise KeyError(value)
        del block[j]
        self._len -= 1
        if block:
            self._maxes[i] = block[-1]
        else:
            del self._blocks[i]
            del self._maxes[i]

    def ascending(self, start: int | None = None, *, inclusive: bool = True) -> Iterator[int]:
        """Values from ``start`` upwards (all when None)."""
        if start is None:
            i, j = 0, 0
        else:
            search = bisect_left if inclusive else bisect_right
            i = search(self._maxes, start)
            if i == len(self._maxes):
                return
            j = search(self._blocks[i], start)
        first = True
        for block in self._blocks[i:]:
            yield from (block[j:] if first else block)
            first = False

    def descending(self, start: int | None = None, *, inclusive: bool = True) -> Iterator[int]:
        """Values from ``start`` downwards (all when None)."""
        blocks = self._blocks
        if not blocks:
            return
        if start is None:
            i, j = len(blocks) - 1, len(blocks[-1])
        else:
            i = bisect_left(self._maxes, start)
            if i == len(blocks):
                i, j = i - 1, len(blocks[-1])
            else:
                j = (bisect_right if inclusive else bisect_left)(blocks[i], start)
        yield from reversed(blocks[i][:j])
        for block in reversed(blocks[:i]):
            yield from reversed(block)
