"""Normalisation throughput: every contact of the sandbox generator through the hygiene
normalisers (e-mail, phones, country, state, zip, names, company), records per second of
wall time, with the CPU time and the 1-minute load average at the end (the machine may be
shared: wall time means little without them).

    .venv/bin/python bench/bench_normalise.py [SIZES…]     # default: 1M contacts
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import peak_rss_mb, row, sizes_from_argv, timed
from sandbox.generator import generate
from sync.config.rules import HygieneRules
from sync.hygiene.records import check_contact
from tests.support import common_base


def main() -> None:
    rules = HygieneRules()
    print(
        row("contacts", "seconds", "CPU s", "records/s", "findings", "changes", "peak MB", "load")
    )
    for size in sizes_from_argv([1_000_000]):
        contacts = common_base(generate(size, seed=7)).contacts
        cpu = time.process_time()
        with timed() as t:
            checked = [check_contact(c, rules) for c in contacts]
        cpu = time.process_time() - cpu
        findings = sum(len(c.findings) for c in checked)
        changes = sum(len(c.changes) for c in checked)
        print(
            row(
                size,
                f"{t.seconds:.1f}",
                f"{cpu:.1f}",
                f"{size / t.seconds:,.0f}",
                findings,
                changes,
                f"{peak_rss_mb():.0f}",
                f"{os.getloadavg()[0]:.1f}",
            ),
            flush=True,
        )
        del contacts, checked


if __name__ == "__main__":
    main()
