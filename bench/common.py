"""Small measuring helpers shared by the benchmarks in this folder."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def status_mb(key: str) -> float:
    """A memory figure of this process from /proc/self/status (``VmRSS``, ``VmHWM``), in MiB;
    0 when there is none. Unlike :func:`peak_rss_mb`, ``VmHWM`` of a process started by
    ``subprocess`` is its own, not its parent's resident size at the start."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Timing:
    seconds: float = 0.0


@contextmanager
def timed() -> Iterator[Timing]:
    """``with timed() as t: ...`` then ``t.seconds``."""
    timing = Timing()
    start = time.perf_counter()
    try:
        yield timing
    finally:
        timing.seconds = time.perf_counter() - start


def sizes_from_argv(default: list[int], args: list[str] | None = None) -> list[int]:
    """Record counts given on the command line, or in ``args`` (``1e5`` and ``100_000`` both
    work)."""
    given = sys.argv[1:] if args is None else args
    return [int(float(a.replace("_", ""))) for a in given] or default


def row(*cells: object, width: int = 14) -> str:
    """One line of a plain, aligned results table."""
    return " ".join(f"{c:>{width}}" if not isinstance(c, str) else f"{c:<{width}}" for c in cells)


def print_read_figures(
    size: int,
    generate_seconds: float,
    load_seconds: float,
    reads: list[tuple[str, int, int, float]],
) -> None:
    """The emulator benchmarks' table: set-up, then per read (name, pages, records, seconds)."""
    print(row("contacts", "generate s", "load s", "peak RSS MiB"))
    print(row(size, round(generate_seconds, 1), round(load_seconds, 1), round(peak_rss_mb())))
    print(row("read", "pages", "records", "seconds", "pages/s", "records/s"))
    for name, pages, records, seconds in reads:
        print(
            row(
                name,
                pages,
                records,
                round(seconds, 1),
                round(pages / seconds, 1),
                round(records / seconds),
            )
        )
    print()
