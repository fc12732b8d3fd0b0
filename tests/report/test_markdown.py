"""The Markdown report: the same content as tables, well-formed whatever the CRM holds."""

from __future__ import annotations

import re

from sync.config.rules import RulesSettings
from sync.report import words
from sync.report.markdown import md, render_markdown
from sync.report.model import report_of
from sync.rules.base import CustomerBase
from tests.report.builders import NOW, report


def tables(text: str) -> list[list[str]]:
    """Each table of the document as its lines."""
    found: list[list[str]] = []
    previous = ""
    for line in text.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                found.append([])
            found[-1].append(line)
        previous = line
    return found


def cells(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line)) - 1


def test_every_section_and_the_summary_are_there() -> None:
    data = report()
    text = render_markdown(data)
    for heading in (
        "# Customer base report: job",
        "## In short",
        "## Data quality",
        "## Segments",
        "## Recency and frequency",
        "## Whales",
        "## KPIs over runs",
        "## Last run and pending changes",
    ):
        assert f"\n{heading}" in f"\n{text}", heading
    for sentence in words.summary(data):
        assert f"- {md(sentence)}" in text


def test_the_numbers_are_the_models() -> None:
    text = render_markdown(report())
    assert "| Invalid e-mail | 1 | 25% | 4 |" in text
    assert "| Invalid phone | 1 | 33% | 3 |" in text
    assert "| Phone or mobile | 60% | 3 |" in text
    assert "| Dormant customers | 1 | 20% |" in text
    assert "| **R5** | 0 | 0 | 0 | 0 | 1 |" in text  # the 555 customer, top right
    assert "| **R1** | 0 | 0 | 0 | 0 | 1 |" in text  # 151
    assert "| **R3** | 1 | 0 | 0 | 0 | 0 |" in text  # 311
    assert "| Ada Lovelace | ada@example.org | 1,460 EUR | Evangelists | Champions |" in text
    assert "| Complete records | 40% | 50% | -20% |" in text
    assert "Complete records got worse: 50% → 40% (-20% since the run before)." in text
    assert "Last sync (02 Mar 2026, 09:00 UTC, finished, some records failed" in text
    assert "3 records written, 1 record failed" in text


def test_tables_stay_tables_and_crm_text_cannot_inject_markup() -> None:
    text = render_markdown(report())
    assert "<script" not in text.lower()
    assert '&lt;script&gt;alert("x")&lt;/script&gt; Tables \\| Pipes' in text
    assert "frustration 80 &gt; 60 &lt;b&gt;bold&lt;/b&gt;" in text
    found = tables(text)
    assert len(found) >= 8
    for table in found:
        widths = {cells(line) for line in table}
        assert len(widths) == 1, table


def test_markdown_syntax_in_values_is_escaped() -> None:
    assert md("a_b *c* [link](x) `code` #1 ~s~") == (
        "a\\_b \\*c\\* \\[link\\](x) \\`code\\` \\#1 \\~s\\~"
    )
    assert md("two\nlines  and\ttabs") == "two lines and tabs"


def test_an_empty_job_reads_as_sentences() -> None:
    data = report_of(
        CustomerBase([]), [], settings=RulesSettings(), job="j", crm="zoho", generated_at=NOW,
        quality_measured=False,
    )  # fmt: skip
    text = render_markdown(data)
    assert "*Zoho CRM · as of 02 Mar 2026, 09:30 UTC*" in text
    assert "There are no contacts in the mirror" in text
    assert "No contact has a segment yet." in text
    assert "No whales" in text
    assert "No run has kept KPIs yet" in text
    assert "Nothing has been written yet" in text
