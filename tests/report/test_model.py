"""The report's numbers from a hand-made base (worked out in builders.py), empty sections, and
the HTML page: self-contained, escaped, every chart drawn with its title and labels."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from sync.config.rules import RulesSettings
from sync.report.html import render_html
from sync.report.model import Count, Ratio, report_of
from sync.rules.base import CustomerBase
from tests.report.builders import EVIL, NOW, report


def test_the_audit_counts_what_the_rules_found() -> None:
    audit = report().audit
    assert (audit.contacts, audit.companies, audit.deals, audit.measured) == (5, 1, 6, True)
    fills = {f.field: (f.filled.count, f.filled.share) for f in audit.fields}
    assert fills == {
        "first_name": (4, 0.8),
        "last_name": (4, 0.8),
        "email": (4, 0.8),
        "phone|mobile": (3, 0.6),
        "country": (3, 0.6),
    }
    assert audit.complete == Ratio(2, 5, 0.4)
    assert audit.invalid_emails == Ratio(1, 4, 0.25)  # of the contacts with an e-mail
    assert audit.invalid_phones == Ratio(1, 3, 0.3333)  # of the contacts with a phone
    assert audit.duplicates == Ratio(1, 5, 0.2)
    assert audit.obsolete == Ratio(1, 5, 0.2)
    assert audit.missing_critical == Ratio(2, 5, 0.4)
    assert set(audit.obsolete_reasons) == {Count("inactive", 1), Count("unreachable", 1)}


def test_segments_rfm_grid_and_whales() -> None:
    data = report()
    assert [(c.name, c.count) for c in data.segments.counts] == [
        ("LEAD", 1),
        ("CUSTOMER", 1),
        ("CUSTOMER_EVANGELIST", 1),
        ("CUSTOMER_DORMANT", 1),
    ]
    assert data.segments.unsegmented == 1  # c5; the company and the unknown contact are ignored
    grid = data.rfm.grid
    assert (grid[4][4], grid[2][0], grid[0][4]) == (1, 1, 1)  # 555, 311, 151
    assert sum(map(sum, grid)) == data.rfm.customers == 3
    whales = data.whales
    # c1: 1,000 EUR + 500 USD x 0.92; c3: 300 GBP x 1.17 (primary contact only); c2: 200 EUR
    # (no currency: the base one); c5's XYZ deal has no rate and the open deal is no revenue
    assert [(p.id, p.revenue) for p in whales.top] == [("c1", 1460), ("c3", 351), ("c2", 200)]
    assert (whales.count, whales.customers, whales.revenue) == (3, 3, 2011)
    assert whales.revenue_of_whales == 2011 and whales.currency == "EUR"
    assert [(p.id, p.segment, p.rfm_group) for p in whales.at_risk] == [
        ("c2", "CUSTOMER", "About to sleep")
    ]
    assert whales.at_risk[0].name == f"{EVIL} Tables | Pipes"


def test_revenue_credited_to_every_contact_of_a_deal_when_configured() -> None:
    settings = RulesSettings.model_validate({"revenue": {"credit": "all"}})
    top = report(settings=settings).whales.top
    assert top[0].id == "c1" and top[0].revenue == 1460 + 351


def test_kpis_over_runs_alerts_last_run_and_plan() -> None:
    data = report()
    kpis = data.kpis
    assert kpis.runs == 2
    series = {s.name: [(p.run_id, p.value) for p in s.points] for s in kpis.series}
    assert series["complete_share"] == [("run-1", 0.5), ("run-2", 0.4)]
    assert series["invalid_phone_share"] == []
    latest = {v.name: (v.current, v.previous) for v in kpis.latest}
    assert latest["complete_share"] == (0.4, 0.5) and latest["contacts"] == (5, 5)
    assert [v.name for v in kpis.value] == ["clv.CUSTOMER", "clv.LEAD", "conversion_rate.web"]
    assert [(a.kpi, a.change) for a in kpis.alerts] == [
        ("complete_share", -0.2),
        ("invalid_email_share", 1.5),
    ]
    assert data.last_run is not None and data.last_run.id == "run-2"  # the last sync, not pull
    assert data.last_run.counts == {"read": 11, "planned": 4, "written": 3, "failed": 1}
    assert [r.id for r in data.runs] == ["run-3", "run-2"]
    assert data.plan is not None and data.plan.records == 1
    assert data.plan.counts["field changes"] == 1 and data.plan.problem_count == 1


def test_the_data_is_frozen_and_round_trips_through_json() -> None:
    data = report()
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.job = "other"  # type: ignore[misc]
    document = json.loads(data.to_json())
    assert document["audit"]["invalid_emails"] == {"count": 1, "of": 4, "share": 0.25}
    assert document["whales"]["top"][0]["name"] == "Ada Lovelace"
    assert document["generated_at"] == NOW.isoformat()


def test_without_hygiene_rules_quality_is_not_measured_and_says_so() -> None:
    data = report(quality_measured=False)
    audit = data.audit
    assert audit.fields and audit.fields[0].filled.count == 4  # read from the contacts
    assert audit.complete is audit.invalid_emails is audit.duplicates is audit.obsolete is None
    page = render_html(data)
    assert "The data-quality rules did not run for this job" in page
    assert 'data-kpi="invalid-emails" data-value="">not measured<' in page


def test_every_section_of_an_empty_job_says_so_in_plain_words() -> None:
    data = report_of(
        CustomerBase([]), [], settings=RulesSettings(), job="j", crm="zoho", generated_at=NOW,
        quality_measured=True,
    )  # fmt: skip
    assert data.audit.contacts == 0 and data.audit.complete == Ratio(0, 0, None)
    page = render_html(data)
    for words in (
        "No contacts: nothing to audit.",
        "No contact has a segment",
        "No customer has an RFM score",
        "No whales",
        "No run has kept KPIs yet",
        "Nothing has been written yet",
    ):
        assert words in page
    assert "<svg" not in page  # no empty chart frames


def test_a_base_without_rule_outputs_still_renders() -> None:
    page = render_html(report(outputs=[], history=[], runs=[], plan=None))
    assert page.count("<figure") == 1  # only completeness: read from the contacts themselves
    assert "No contact has a segment" in page


def test_crm_data_is_escaped_everywhere() -> None:
    page = render_html(report())
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Tables | Pipes" in page
    assert "frustration 80 &gt; 60 &lt;b&gt;bold&lt;/b&gt;" in page
    assert "not written: &lt;script&gt;" in page  # a plan problem


def test_the_page_is_self_contained() -> None:
    page = render_html(report())
    assert re.findall(r"https?://[^\s\"')]+", page) == ["http://www.w3.org/2000/svg"] * 4
    for fetching in ("<link", "<img", "src=", "@import", "url(", "<iframe", "<object"):
        assert fetching not in page
    assert "default-src 'none'" in page  # and the browser would refuse anything else


def test_every_chart_has_a_title_axis_labels_and_a_caption() -> None:
    page = render_html(report())
    figures = re.findall(r'<figure class="chart" data-chart="(\w+)">(.*?)</figure>', page)
    assert [name for name, _ in figures] == ["completeness", "segments", "rfm", "kpis"]
    for name, body in figures:
        assert re.search(r'<figcaption class="chart-title"[^>]*>\w', body), name
        assert re.search(r"<svg [^>]*role=\"img\"[^>]*><title>\w", body), name
        assert len(re.findall(r'class="axis-label"', body)) == 2, name
        assert re.search(r'<p class="chart-caption"[^>]*>\w', body), name
    assert page.count('class="cell"') == 25


def test_key_numbers_carry_stable_names_and_exact_values() -> None:
    page = render_html(report())
    numbers = dict(re.findall(r'data-kpi="([^"]+)" data-value="([^"]*)"', page))
    assert numbers["contacts"] == "5"
    assert numbers["invalid-emails"] == "1" and numbers["invalid-emails-share"] == "0.25"
    assert numbers["complete-share"] == "0.4"
    assert numbers["segment.LEAD"] == "1" and numbers["segment.none"] == "1"
    assert numbers["whales"] == "3" and numbers["whales-at-risk"] == "1"
    assert numbers["kpi.complete_share"] == "0.4" and numbers["alerts"] == "2"
    assert numbers["last-run-id"] == "run-2" and numbers["last-run.failed"] == "1"
    assert numbers["plan.records"] == "1"


def test_lifetime_value_is_said_to_be_in_the_base_currency() -> None:
    page = render_html(report())
    assert "Average won revenue per contact of the segment, in EUR (the base currency)." in page
