"""Benchmark of the messy-data generator: wall time, CPU time and peak memory to generate N
contacts (with their companies, deals and ground truth).

Each size runs in a fresh Python process, so each peak RSS is that size's own.

Usage: ``python bench/bench_generator.py [N ...]`` (default 100000 1000000).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import peak_rss_mb, row, sizes_from_argv, timed
from sandbox.generator import generate


def measure(contacts: int) -> dict[str, float]:
    """Generate ``contacts`` contacts in this process and report the costs."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    with timed() as wall:
        data = generate(contacts, seed=1)
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "contacts": len(data.contacts),
        "companies": len(data.companies),
        "deals": len(data.deals),
        "wall_s": wall.seconds,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(int(sys.argv[2]))))
        return
    print(row("contacts", "companies", "deals", "wall s", "cpu s", "peak RSS MiB", "contacts/s"))
    for size in sizes_from_argv([100_000, 1_000_000]):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out)
        print(
            row(
                int(r["contacts"]),
                int(r["companies"]),
                int(r["deals"]),
                round(r["wall_s"], 1),
                round(r["cpu_s"], 1),
                round(r["peak_rss_mb"]),
                round(r["contacts"] / r["wall_s"]),
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
