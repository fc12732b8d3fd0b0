"""The segmentation and enrichment rules over a generated customer base: wall time, CPU time
and peak memory.

    .venv/bin/python bench/bench_rules.py [contacts ...] [--deals-per-contact N] [--all]

Default sizes: 100k and 1M contacts; ``--all`` runs every registered rule (the hygiene rules'
too), not only this package's. Each size runs in its own process, so peak memory is that
size's alone. The sandbox generator makes about 1.3 deals per contact; with
``--deals-per-contact 3`` each contact's deals are topped up to three on average with copies
of existing deals dated one, two… years earlier (new ids), for the target of 1M contacts with
3M deals.

Figures per size: how many rule runs ``run_rules`` made (it runs a rule again when a later
stage fixed a field it may read), wall and CPU time (CPU is the one to compare when other work
shares the machine; the load average is printed with it), outputs, resident memory once the
base is loaded and the peak while the rules run (the whole process, the base included), and
the first garbage collection after the run (``run_rules`` pauses the collector, so the objects
it made are looked at once afterwards). Then the CPU of each rule run once over the base (what
several rules share is computed by the first that needs it), and of the conflict check.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import row, sizes_from_argv, status_mb, timed
from mapping.model import Deal
from sandbox.generator import generate
from sync.config.rules import RulesSettings
from sync.rules import (
    RULES,
    CustomerBase,
    Output,
    RuleContext,
    RuleSpec,
    find_conflicts,
    run_rules,
)
from tests.support import common_base

SEED = 7
COLUMNS = (
    "contacts",
    "deals",
    "rule runs",
    "rules s",
    "CPU s",
    "load avg",
    "outputs",
    "conflicts",
    "base MiB",
    "peak MiB",
    "then GC s",
)
MINE = "sync.segmentation."


def reset_peak_rss() -> None:
    """Start peak memory (VmHWM) again from now (Linux: /proc/self/clear_refs)."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
        clear.write("5")


def topped_up(base: CustomerBase, per_contact: float) -> CustomerBase:
    """``base`` with copies of its deals, a year earlier per round, until there are
    ``per_contact`` deals per contact."""
    wanted = int(per_contact * len(base.contacts))
    deals: list[Deal] = list(base.deals)
    originals = base.deals
    year = 0
    while len(deals) < wanted:
        year += 1
        shift = timedelta(days=365 * year)
        for deal in originals[: wanted - len(deals)]:
            deals.append(
                replace(
                    deal,
                    id=f"{deal.id}-y{year}",
                    close_date=deal.close_date - shift if deal.close_date else None,
                    created_at=deal.created_at - shift if deal.created_at else None,
                    updated_at=deal.updated_at - shift if deal.updated_at else None,
                )
            )
    return CustomerBase(base.contacts, base.companies, deals)


def counted(spec: RuleSpec, calls: list[int]) -> RuleSpec:
    """``spec`` with each call counted (``run_rules`` runs a rule again when a fix since its
    last run may change what it sees)."""

    def function(ctx: RuleContext) -> Iterable[Output]:
        calls[0] += 1
        return spec.function(ctx)

    return replace(spec, function=function)


def measure(contacts: int, per_contact: float | None, everything: bool) -> None:
    with timed() as data:
        dataset = generate(contacts, seed=SEED)
        now = dataset.truth.reference_time
        base = common_base(dataset)
        del dataset
        if per_contact:
            base = topped_up(base, per_contact)
    assert now is not None
    chosen = [s for s in RULES.values() if everything or s.function.__module__.startswith(MINE)]
    print(f"  {len(base.contacts):,} contacts, {len(base.deals):,} deals (generated and "
          f"converted in {data.seconds:.0f} s); {len(chosen)} rules", flush=True)  # fmt: skip
    gc.collect()
    base_mb = status_mb("VmRSS")
    reset_peak_rss()
    calls = [0]
    specs = [counted(spec, calls) for spec in chosen]
    load = os.getloadavg()[0]
    gc.disable()  # (run_rules pauses the collector itself; here so that it stays paused after)
    cpu = time.process_time()
    with timed() as rules:
        result = run_rules(base, now, RulesSettings(), rules=specs)
    cpu = time.process_time() - cpu
    peak_mb = status_mb("VmHWM")
    load = max(load, os.getloadavg()[0])
    with timed() as collection:
        gc.collect(0)  # the first collection after the run: the young objects, all it made
    gc.enable()
    print(
        row(f"{len(base.contacts):,}", f"{len(base.deals):,}", f"{calls[0]}/{len(specs)}",
            f"{rules.seconds:.1f}", f"{cpu:.1f}", f"{load:.1f}", f"{len(result.outputs):,}",
            f"{len(result.conflicts):,}", f"{base_mb:.0f}", f"{peak_mb:.0f}",
            f"{collection.seconds:.1f}"),
        flush=True,
    )  # fmt: skip
    del result
    # where the time goes (collector paused): each rule once over the loaded base, then the
    # conflict check
    gc.disable()
    collected: list[Output] = []
    context = RuleContext(base, now, RulesSettings(), ())
    for spec in chosen:
        cpu = time.process_time()
        collected.extend(spec.function(context))
        print(f"    {spec.name:26} CPU {time.process_time() - cpu:6.1f} s", flush=True)
    cpu = time.process_time()
    find_conflicts(collected)
    print(f"    {'(conflict check)':26} CPU {time.process_time() - cpu:6.1f} s", flush=True)


def main() -> None:
    args = sys.argv[1:]
    per_contact = None
    if "--deals-per-contact" in args:
        at = args.index("--deals-per-contact")
        per_contact = float(args[at + 1])
        del args[at : at + 2]
    everything = "--all" in args
    args = [a for a in args if a != "--all"]
    if args and args[0] == "--one":
        measure(int(args[1]), per_contact, everything)
        return
    print(row(*COLUMNS))
    for size in sizes_from_argv([100_000, 1_000_000], args):
        extra = ["--deals-per-contact", str(per_contact)] if per_contact else []
        extra += ["--all"] if everything else []
        subprocess.run([sys.executable, __file__, "--one", str(size), *extra], check=True)


if __name__ == "__main__":
    main()
