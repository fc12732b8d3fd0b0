"""KPIs are computed per run, kept across schema versions, and a KPI that worsens by more
than 10% against the previous run raises an alert (a fall for good KPIs, a rise for bad)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, inspect, text

from mapping.model import Contact, Deal
from sync.kpis import alerts, compute_kpis
from sync.rules.base import CustomerBase, Output
from sync.state import (
    SCHEMA_VERSION,
    StateStore,
    id_map_table,
    kpis_table,
    meta_table,
    metadata,
    runs_table,
)


def field(record: str, name: str, value: object) -> Output:
    return Output("contact", record, "field", name, value, "r", "")


def test_kpis_from_the_base_and_the_rules_findings() -> None:
    contacts = [
        Contact.of(id="1", email="a@x.io", source_channel="web", owner_id="ana"),
        Contact.of(id="2", email="b@x", source_channel="web", owner_id="ana"),
        Contact.of(id="3", phone="123", source_channel="store", owner_id="bob"),
        Contact.of(id="4", email="d@x.io", source_channel="web", owner_id="bob"),
    ]
    deals = [
        Deal.of(
            id="d1",
            stage="won",
            amount="300",
            contact_ids=["1"],
            products=["A"],
            close_date=date(2026, 1, 1),
        ),
        Deal.of(
            id="d2", stage="won", amount="100", currency="USD", contact_ids=["4"], products=["B"]
        ),
        Deal.of(id="d4", stage="won", amount="999", currency="XYZ", contact_ids=["4"]),  # no rate
        Deal.of(id="d3", stage="open", amount="50", contact_ids=["2"], products=["C"]),
    ]
    outputs = [
        field("1", "completeness", 1.0),
        field("2", "completeness", 0.5),
        field("3", "completeness", 1.0),
        field("4", "completeness", 0.9),
        field("4", "duplicate_of", "1"),
        Output("contact", "2", "finding", "invalid_email", {}, "r", ""),
        Output("contact", "3", "finding", "invalid_phone", {}, "r", ""),
        Output("contact", "2", "tag", "inactive", True, "r", ""),
        field("1", "segment", "CUSTOMER"),
        field("4", "segment", "CUSTOMER"),
        field("2", "segment", "LEAD"),
        field("3", "segment", "COLD_CONTACT"),
    ]
    kpis = compute_kpis(CustomerBase(contacts, deals=deals), outputs, reactivated=1)
    assert kpis["complete_share"] == 0.5
    assert kpis["duplicate_share"] == 0.25
    assert kpis["invalid_email_share"] == pytest.approx(1 / 3)
    assert kpis["invalid_phone_share"] == 1.0
    # revenue in euros at the configured rates (USD 0.92); a currency without a rate counts 0
    assert kpis["clv.CUSTOMER"] == pytest.approx((300 + 92) / 2) and kpis["clv.LEAD"] == 0.0
    assert kpis["conversion_rate.web"] == pytest.approx(2 / 3)
    assert kpis["conversion_rate.store"] == 0.0
    assert kpis["never_sold_share.CUSTOMER"] == pytest.approx(1 / 3)  # C was never sold to them
    assert kpis["owner_revenue.ana"] == 300.0 and kpis["owner_inactive_share.ana"] == 0.5
    assert kpis["inactive_count"] == 1.0 and kpis["reactivated_count"] == 1.0


@pytest.mark.parametrize(
    ("name", "before", "after", "alert"),
    [
        ("complete_share", 0.80, 0.70, True),  # fell 12.5%
        ("complete_share", 0.80, 0.75, False),  # fell 6%: within tolerance
        ("complete_share", 0.70, 0.90, False),  # rose: good
        ("duplicate_share", 0.10, 0.12, True),  # rose 20%: bad
        ("duplicate_share", 0.12, 0.10, False),  # fell: good
        ("conversion_rate.web", 0.30, 0.20, True),
        ("contacts", 1000, 10, False),  # a size, not a quality
    ],
)
def test_alerts_know_which_way_is_worse(
    name: str, before: float, after: float, alert: bool
) -> None:
    raised = alerts({name: before}, {name: after})
    assert bool(raised) is alert
    if alert:
        assert name in str(raised[0]) and "%" in str(raised[0])


def test_kpis_are_kept_per_run_in_order(tmp_path: Path) -> None:
    store = StateStore(f"sqlite:///{tmp_path}/s.db")
    first, second = store.start_run("job", "sync"), store.start_run("job", "sync")
    store.save_kpis(first, "job", {"complete_share": 0.5})
    store.save_kpis(second, "job", {"complete_share": 0.6, "contacts": 10})
    history = store.kpi_history("job")
    assert [(run, values) for run, _, values in history] == [
        (first, {"complete_share": 0.5}),
        (second, {"complete_share": 0.6, "contacts": 10.0}),
    ]
    assert store.kpi_history("other") == []


def test_a_version_1_state_is_upgraded_and_keeps_its_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    engine = create_engine(url)
    with engine.begin() as connection:  # the schema as crmsync 0.1 (version 1) left it
        metadata.create_all(
            connection,
            tables=[t for t in metadata.sorted_tables if t not in (kpis_table, id_map_table)],
        )
        connection.execute(insert(meta_table).values(key="schema_version", value="1"))
        connection.execute(
            text(
                "INSERT INTO crmsync_runs (id, job, command, started_at, status, counts) "
                "VALUES ('r1', 'job', 'sync', '2026-01-01 00:00:00', 'ok', '{}')"
            )
        )
    engine.dispose()
    store = StateStore(url)
    assert store.schema_version() == SCHEMA_VERSION == 3
    with store.engine.connect() as connection:
        assert {"crmsync_kpis", "crmsync_id_map"} <= set(inspect(connection).get_table_names())
        assert connection.execute(runs_table.select()).first().id == "r1"  # type: ignore[union-attr]
    store.save_kpis("r2", "job", {"complete_share": 1.0})
