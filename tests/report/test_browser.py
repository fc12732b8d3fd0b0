"""The HTML report as a person sees it: a real sync on the HubSpot emulator, `crmsync report`,
then the page opened from disk in headless Chromium.

Checks that the charts are drawn (non-empty boxes and paths), that the numbers on the page are
those of the run's JSON summary (`crmsync --json sync`) and of the report's own data
(`crmsync --json report`), that a contact named ``<script>…`` stays text, that the page loads
nothing, and saves a screenshot to ``artifacts/report.png``.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them through
``.ci/start-chromium``); without them the test fails, it never skips.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sandbox.generator import generate
from sandbox.serve import serve
from sync.cli import cli
from sync.config.rules import RulesSettings
from sync.report.commands import report as report_command
from sync.rules.revenue import won_revenue
from tests.support import common_base

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PAYLOAD = "<script>window.__pwned = 1</script><img src=x onerror=window.__pwned=2>"
CONTACTS = 250


@dataclass
class Run:
    html: Path
    token: str
    summary: dict[str, Any]  # `crmsync --json sync`, the second run
    data: dict[str, Any]  # `crmsync --json report`: the report's data
    markdown: str
    renamed: str  # id of the contact whose first name is PAYLOAD


def crmsync(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Two syncs (so the KPIs have a trend) and the report, on an emulated HubSpot whose
    biggest customer is called PAYLOAD."""
    folder = tmp_path_factory.mktemp("report")
    dataset = generate(CONTACTS, seed=4)
    revenue = won_revenue(common_base(dataset), RulesSettings().revenue)
    biggest = max(revenue, key=lambda key: revenue[key])
    next(c for c in dataset.contacts if c.key == biggest).first_name = PAYLOAD
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(cli.commands, "report", report_command)  # until sync/cli.py adds it
        with serve("hubspot", dataset=dataset) as sandbox:
            token = sandbox.credentials()["access_token"]
            env = {"HS_TOKEN": token}
            config = folder / "crmsync.yaml"
            config.write_text(
                f"crm:\n  kind: hubspot\n  base_url: {sandbox.base_url}\n"
                "  auth:\n    mode: private_app\n    token: ${HS_TOKEN}\n"
                f"state:\n  url: sqlite:///{folder}/state.db\n"
                # duplicate companies are not in the report: save the time of finding them
                "rules:\n  duplicates:\n    companies: false\n",
                encoding="utf-8",
            )
            assert crmsync(env, "provision", "--yes", "--config", str(config))[0] == 0
            for _ in range(2):
                code, out = crmsync(env, "--json", "sync", "--config", str(config))
                assert code in (0, 1), out  # 1: some records failed, which the report shows
            summary = json.loads(out)
            html = folder / "report.html"
            args = ["report", "--config", str(config), "--out", str(html)]
            code, out = crmsync(env, "--json", *args)
            assert code == 0, out
            data = json.loads(out)["report"]
            code, markdown = crmsync(env, *args[:-2], "--format", "markdown", "--out", "-")
            assert code == 0, markdown
    the_id = next(p["id"] for p in data["whales"]["top"] if p["name"].startswith("<script>"))
    yield Run(html, token, summary, data, markdown, the_id)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} missing: the browser test needs Debian's chromium and "
            "chromium-driver packages. Run the suite with .ci/run, which installs them "
            "(.ci/start-chromium), or run `sudo bash .ci/start-chromium`.",
            pytrace=False,
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is not installed: pip install selenium", pytrace=False)
    profile = Path(tempfile.mkdtemp(prefix="crmsync-chromium-"))
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
        "--hide-scrollbars",
    ):
        options.add_argument(argument)
    # a driver path given: Selenium Manager is not used, so nothing is downloaded
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page(browser: Any, run: Run) -> dict[str, Any]:
    """The page opened from disk; its key numbers as shown (text) and as data (value)."""
    browser.get(run.html.as_uri())
    numbers = browser.execute_script(
        "return [...document.querySelectorAll('[data-kpi]')].map("
        "e => [e.dataset.kpi, e.textContent, e.dataset.value])"
    )
    names = [name for name, _, _ in numbers]
    assert len(names) == len(set(names)), "every data-kpi name appears once"
    return {name: (text, value) for name, text, value in numbers}


def shown(text: str) -> float:
    """A number as the page prints it: ``1,234``, ``2.2%``, ``12,400 EUR``."""
    match = re.fullmatch(r"(-?[\d,]+(?:\.\d+)?)(%| [A-Z]{3})?", text.strip())
    assert match, f"not a number: {text!r}"
    value = float(match.group(1).replace(",", ""))
    return value / 100 if match.group(2) == "%" else value


def same(page: dict[str, Any], kpi: str, expected: float) -> None:
    """The page shows ``expected`` for ``kpi`` (to the precision it prints) and holds it."""
    text, value = page[kpi]
    decimals = len(text.split(".")[1].rstrip("%")) if "." in text else 0
    precision = (0.01 if text.endswith("%") else 1) * 10**-decimals
    assert abs(shown(text) - expected) <= precision / 2 + 1e-9, (kpi, text, expected)
    assert float(value) == pytest.approx(expected, abs=1e-4), (kpi, value, expected)


def test_the_charts_are_drawn(browser: Any, run: Run, page: dict[str, Any]) -> None:
    charts = browser.execute_script(
        """return [...document.querySelectorAll('figure[data-chart]')].map(f => {
             const box = f.querySelector('svg').getBoundingClientRect();
             return [f.dataset.chart, box.width, box.height,
                     f.querySelector('figcaption').textContent,
                     f.querySelector('.chart-caption').textContent,
                     f.querySelectorAll('svg .axis-label').length];
           })"""
    )
    assert [c[0] for c in charts] == ["completeness", "segments", "rfm", "kpis"]
    for name, width, height, title, caption, axis_labels in charts:
        assert width > 200 and height > 100, name
        assert title and caption and axis_labels == 2, name
    bars = browser.execute_script(
        """return [...document.querySelectorAll('rect.bar')].map(r => [
             r.closest('figure').dataset.chart, Number(r.dataset.value),
             r.getBoundingClientRect().width, r.getBoundingClientRect().height])"""
    )
    drawn = [b for b in bars if b[1] > 0]
    assert {b[0] for b in drawn} == {"completeness", "segments"}
    assert all(width > 0.5 and height > 5 for _, _, width, height in drawn)
    assert len([b for b in bars if b[0] == "segments"]) == len(run.data["segments"]["counts"])
    cells = browser.execute_script(
        """return [...document.querySelectorAll('rect.cell')].map(r => [
             Number(r.dataset.count), r.getBoundingClientRect().width])"""
    )
    assert len(cells) == 25 and all(width > 20 for _, width in cells)
    grid = run.data["rfm"]["grid"]
    assert sorted(c for c, _ in cells) == sorted(v for row in grid for v in row)
    lines = browser.execute_script(
        """return [...document.querySelectorAll('path.series')].map(p => [
             p.dataset.series, p.getAttribute('d'), p.getTotalLength()])"""
    )
    assert len(lines) >= 4  # complete, invalid e-mails and phones, duplicates, obsolete
    assert all(d.count("L") == 1 and length > 100 for _, d, length in lines)  # two runs


def test_the_numbers_are_the_runs(page: dict[str, Any], run: Run) -> None:
    summary, data = run.summary, run.data
    # the run's JSON summary
    assert page["last-run-id"][0] == summary["run_id"]
    same(page, "last-run.read", summary["read"])
    same(page, "last-run.written", summary["applied"]["written"])
    same(page, "last-run.failed", summary["applied"]["failed"])
    changed = sum(v for k, v in summary["planned"].items() if k.endswith(" changed"))
    same(page, "last-run.planned", changed)
    # the report's data
    audit = data["audit"]
    same(page, "contacts", CONTACTS)
    same(page, "contacts", audit["contacts"])
    for kpi, part in [
        ("invalid-emails", "invalid_emails"),
        ("invalid-phones", "invalid_phones"),
        ("duplicates", "duplicates"),
        ("obsolete", "obsolete"),
    ]:
        same(page, kpi, audit[part]["count"])
        same(page, f"{kpi}-share", audit[part]["share"])
    same(page, "complete-share", audit["complete"]["share"])
    segments = {c["name"]: c["count"] for c in data["segments"]["counts"]}
    for name, count in segments.items():
        same(page, f"segment.{name}", count)
    assert sum(segments.values()) + data["segments"]["unsegmented"] == CONTACTS
    same(page, "whales", data["whales"]["count"])
    same(page, "whales-at-risk", data["whales"]["at_risk_count"])
    same(page, "rfm-customers", sum(map(sum, data["rfm"]["grid"])))
    for person in data["whales"]["top"]:
        same(page, f"whale.{person['id']}", person["revenue"])
    # the KPIs the sync kept agree with what the report counted itself
    kpis = {v["name"]: v["current"] for v in data["kpis"]["latest"]}
    for name, part in [
        ("complete_share", "complete"),
        ("invalid_email_share", "invalid_emails"),
        ("duplicate_share", "duplicates"),
        ("obsolete_share", "obsolete"),
    ]:
        same(page, f"kpi.{name}", kpis[name])
        assert kpis[name] == pytest.approx(audit[part]["share"], abs=1e-4), name
    same(page, "alerts", len(data["kpis"]["alerts"]))
    assert data["kpis"]["runs"] == 2


def test_crm_text_stays_text_and_the_page_loads_nothing(
    browser: Any, run: Run, page: dict[str, Any]
) -> None:
    row = browser.execute_script(
        "return document.querySelector('[data-kpi=\"whale.' + arguments[0] + '\"]')"
        ".closest('tr').cells[0].textContent",
        run.renamed,
    )
    assert row.startswith(PAYLOAD)
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.execute_script("return document.scripts.length") == 0
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    source = run.html.read_text(encoding="utf-8")
    assert run.token not in source and run.token not in json.dumps(run.data)
    assert run.token not in run.markdown


def test_the_markdown_says_the_same(run: Run) -> None:
    audit = run.data["audit"]
    text = run.markdown
    assert text.startswith("# Customer base report: hubspot\n")  # no progress bar in it
    assert f"- {CONTACTS} contacts," in text
    assert f"| Invalid e-mail | {audit['invalid_emails']['count']} |" in text
    assert f"| Likely duplicate | {audit['duplicates']['count']} |" in text
    assert "&lt;script&gt;window.\\_\\_pwned = 1&lt;/script&gt;" in text
    assert "<script" not in text


def test_screenshot(browser: Any, page: dict[str, Any]) -> None:
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, height)
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "report.png"
    assert browser.save_screenshot(str(target))
    assert target.stat().st_size > 50_000
