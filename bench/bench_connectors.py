"""Connectors against their emulators: HTTP requests per 1,000 records read and written, beside
the physical floor set by each API's page and batch sizes, records per second, and — with the
emulator enforcing a scaled-down rate limit — the share of the limit used and the 429s that
reached the caller.

    python bench/bench_connectors.py                 # 10k and 100k contacts, every CRM
    python bench/bench_connectors.py 10000 --crm zoho

Floors (requests per 1,000 records): HubSpot read 10 (list, 100 a page) or 5 (search, 200),
write 10 (batch of 100); Salesforce read 0.5 (2,000 a query batch), write 5 (200 a
composite); Zoho read 5 (200 a page; COQL takes 2,000), write 10 (100 a PUT).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import peak_rss_mb, row, timed
from connectors.types import Cursor, RecordUpdate
from sandbox.generator import generate
from tests.connectors.harness import FAST_RETRIES, HARNESSES, Harness

FLOORS = {
    "hubspot": {"full read": 10.0, "incremental": 5.0, "write": 10.0},
    "salesforce": {"full read": 0.5, "incremental": 0.5, "write": 5.0},
    "zoho": {"full read": 5.0, "incremental": 5.0, "write": 10.0},
}


def per_thousand(requests: int, records: int) -> float:
    return 1000 * requests / max(records, 1)


def bench_crm(harness: Harness, contacts: int) -> None:
    data = generate(contacts, seed=1)
    with harness.serve(data) as run:
        connector = run.connector(retry=FAST_RETRIES)
        stats = run.server.stats
        fields = harness.contact_fields
        floors = FLOORS[harness.name]

        def report(operation: str, records: int, seconds: float, *extra: str) -> None:
            """One table line: the requests since the last ``stats.reset()`` per 1,000."""
            print(
                row(
                    harness.name,
                    contacts,
                    operation,
                    records,
                    f"{per_thousand(stats.total(), records):.2f}",
                    floors[operation],
                    f"{records / seconds:,.0f}",
                    *extra,
                )
            )

        stats.reset()
        with timed() as full:
            records = list(connector.read(harness.contact_object, fields=fields))
        report("full read", len(records), full.seconds)

        since = sorted(c.updated_at for c in data.contacts)[contacts // 2]
        stats.reset()
        with timed() as incremental:
            changed = list(
                connector.read(harness.contact_object, fields=fields, since=Cursor(since, ""))
            )
        report("incremental", len(changed), incremental.seconds)

        email = harness.email_field()
        updates = [
            RecordUpdate(r.id, {email: f"bench-{i}@example.org"})
            for i, r in enumerate(records)
            if not r.deleted
        ]
        stats.reset()
        with timed() as write:
            result = connector.write(harness.contact_object, updates)
        report("write", len(updates), write.seconds, f"failed {len(result.failed)}")


def bench_rate_limit(harness: Harness) -> None:
    """HubSpot's rolling window scaled down to 20 requests per 2 s: how close does a long read
    run to the limit, and do any 429s reach the caller?"""
    if harness.name != "hubspot":
        return
    data = generate(20_000, seed=2)
    limit, window = 20, 2.0
    with harness.serve(data, rate_limit=True, max_per_10s=limit, window_seconds=window) as run:
        connector = run.connector(retry=FAST_RETRIES)
        run.server.stats.reset()
        started = time.monotonic()
        errors = 0
        try:
            count = sum(1 for _ in connector.read(harness.contact_object, fields=["email"]))
        except Exception:  # a 429 that got through the connector
            errors += 1
            count = 0
        elapsed = time.monotonic() - started
        sent = run.server.stats.total()
        throttled = run.server.stats.total(status=429)
    allowed = limit * elapsed / window
    print(
        f"rate limit {limit}/{window:g}s: {sent} requests in {elapsed:.1f}s = "
        f"{sent / allowed:.0%} of the limit; {throttled} answered 429 by the server, "
        f"{errors} reached the caller; {count} records read"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--crm", action="append", choices=sorted(HARNESSES))
    args = parser.parse_args()
    print(row("crm", "contacts", "operation", "records", "req/1000", "floor", "records/s"))
    for name in args.crm or sorted(HARNESSES):
        harness = HARNESSES[name]()
        for size in args.sizes:
            bench_crm(harness, size)
        bench_rate_limit(harness)
    print(f"peak RSS {peak_rss_mb():,.0f} MiB")


if __name__ == "__main__":
    main()
