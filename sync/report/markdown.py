"""The report as Markdown: the same content as the HTML page, in tables, for chat and pull
requests (no charts; the RFM grid is a table).

Values from the CRM are escaped so a name cannot break a table, start a link or slip in HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sync.report import words
from sync.report.model import Person, Ratio, ReportData

_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def md(text: object) -> str:
    """Plain text made safe inside a Markdown table cell or line."""
    value = " ".join(str(text).split())
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", value)


def table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()
) -> str:
    """Cells are Markdown already (escape text with :func:`md` first)."""
    align = ["---:" if i in numeric else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(data: ReportData) -> str:
    parts = [
        f"# Customer base report: {md(data.job)}",
        f"*{md(words.crm(data.crm))} · as of {md(words.when(data.generated_at))}*",
        "## In short",
        "\n".join(f"- {md(s)}" for s in words.summary(data)),
        _quality(data),
        _segments(data),
        _rfm(data),
        _whales(data),
        _kpis(data),
        _runs(data),
        "*Made by crmsync from the local mirror of the CRM. It holds no password or token.*",
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def _ratio_cells(part: Ratio | None) -> list[str]:
    if part is None:
        return ["not measured", "–", "–"]
    return [words.number(part.count), words.percent(part.share), words.number(part.of)]


def _quality(data: ReportData) -> str:
    a = data.audit
    out = ["## Data quality"]
    if not a.contacts:
        return "\n\n".join([*out, "There are no contacts in the mirror: nothing to audit."])
    out.append(
        "Critical fields filled in (share of contacts with a value):\n\n"
        + table(
            ["Field", "Filled", "Contacts"],
            [
                [
                    md(words.field_label(f.field)),
                    words.percent(f.filled.share),
                    words.number(f.filled.count),
                ]
                for f in a.fields
            ],
            numeric=(1, 2),
        )
    )
    if not a.measured:
        out.append(words.NOT_MEASURED)
    else:
        out.append(
            table(
                ["Problem", "Count", "Share", "Of"],
                [
                    ["Complete for their value tier", *_ratio_cells(a.complete)],
                    ["Incomplete for their value tier", *_ratio_cells(a.missing_critical)],
                    ["Invalid e-mail", *_ratio_cells(a.invalid_emails)],
                    ["Invalid phone", *_ratio_cells(a.invalid_phones)],
                    ["Likely duplicate", *_ratio_cells(a.duplicates)],
                    ["Obsolete (to review)", *_ratio_cells(a.obsolete)],
                ],
                numeric=(1, 2, 3),
            )
        )
        if a.obsolete_reasons:
            reasons = [
                [md(words.OBSOLETE_REASONS.get(r.name, r.name)), words.number(r.count)]
                for r in a.obsolete_reasons
            ]
            out.append(
                "Why records look obsolete:\n\n" + table(["Reason", "Contacts"], reasons, (1,))
            )
    if a.unreadable_values:
        out.append(f"{words.number(a.unreadable_values)} CRM values could not be read.")
    return "\n\n".join(out)


def _segments(data: ReportData) -> str:
    s = data.segments
    if not s.counts:
        return "## Segments\n\nNo contact has a segment yet."
    rows = [
        [
            md(words.segment_label(c.name)),
            words.number(c.count),
            words.percent(c.count / s.contacts if s.contacts else None),
            md(words.segment_meaning(c.name)),
        ]
        for c in s.counts
    ]
    if s.unsegmented:
        share = words.percent(s.unsegmented / s.contacts if s.contacts else None)
        rows.append(["No segment", words.number(s.unsegmented), share, "not placed by the rules"])
    return "## Segments\n\n" + table(["Segment", "Contacts", "Share", "Who they are"], rows, (1, 2))


def _rfm(data: ReportData) -> str:
    r = data.rfm
    if not r.customers:
        return "## Recency and frequency\n\nNo customer has an RFM score yet."
    rows = [
        [f"**R{score}**", *(words.number(v) for v in r.grid[score - 1])]
        for score in range(len(r.grid), 0, -1)
    ]
    grid = table(
        ["Recency ↓ / Frequency →", *(f"F{f}" for f in range(1, 6))], rows, (1, 2, 3, 4, 5)
    )
    groups = table(
        ["RFM group", "Customers"], [[md(g.name), words.number(g.count)] for g in r.groups], (1,)
    )
    return (
        f"## Recency and frequency\n\n{words.number(r.customers)} customers scored 1–5 "
        "(5 = bought most recently / most often).\n\n" + grid + "\n\n" + groups
    )


def _people(people: Sequence[Person], currency: str, *, why: bool) -> str:
    """Whales with their segment and RFM group, or (``why``) with the rule's reason."""
    headers = ["Name", "E-mail", "Revenue", *(["Why"] if why else ["Segment", "RFM group"])]
    rows = []
    for p in people:
        row = [md(p.name), md(p.email or "–"), words.money(p.revenue, currency)]
        if why:
            row.append(md(p.reason))
        else:
            segment = words.segment_label(p.segment) if p.segment else "–"
            row += [md(segment), md(p.rfm_group or "–")]
        rows.append(row)
    return table(headers, rows, numeric=(2,))


def _whales(data: ReportData) -> str:
    w = data.whales
    if not w.count:
        return "## Whales\n\nNo whales: no customer has won revenue yet."
    share = words.percent(w.revenue_share)
    out = [
        "## Whales",
        f"{words.number(w.count)} whales out of {words.number(w.customers)} paying customers "
        f"bring {share} of revenue ({words.money(w.revenue_of_whales, w.currency)}).",
        "Biggest whales:\n\n" + _people(w.top, w.currency, why=False),
    ]
    if w.at_risk:
        out.append(
            f"**Whales at risk ({words.number(w.at_risk_count)}): call them.**\n\n"
            + _people(w.at_risk, w.currency, why=True)
        )
    else:
        out.append("No whale shows signs of frustration.")
    return "\n\n".join(out)


def _kpis(data: ReportData) -> str:
    k = data.kpis
    if not k.runs:
        return "## KPIs over runs\n\nNo run has kept KPIs yet (`crmsync sync` keeps them)."
    clv, conversion = words.value_kpis(k.value)
    out = [f"## KPIs over runs\n\n{words.plural(k.runs, 'run')} with KPIs."]
    if k.alerts:
        out.append("\n".join(f"- ⚠️ {md(words.alert_sentence(a))}" for a in k.alerts))
    elif k.runs > 1:
        out.append("No KPI got more than 10% worse since the run before.")
    rows = [
        [
            md(words.kpi_label(v.name)),
            words.kpi_value(v.name, v.current),
            words.kpi_value(v.name, v.previous),
            words.change(v.previous, v.current),
        ]
        for v in (*k.latest, *clv, *conversion)
    ]
    out.append(table(["KPI", "Last run", "Run before", "Change"], rows, (1, 2, 3)))
    return "\n\n".join(out)


def _runs(data: ReportData) -> str:
    out = ["## Last run and pending changes"]
    last = data.last_run
    if last is None:
        out.append("Nothing has been written yet: no sync or apply has run.")
    else:
        counts = ", ".join(words.counted(k, v) for k, v in last.counts.items())
        out.append(
            f"Last {md(last.command)} ({md(words.when(last.started_at))}, "
            f"{md(words.status(last.status))}, run `{last.id}`): {md(counts) or 'no counts'}."
        )
    if data.plan is None and data.plan_note:
        out.append(f"If you sync now: {md(data.plan_note)}")
    if data.plan is not None:
        counts = ", ".join(words.counted(k, v) for k, v in data.plan.counts.items())
        records = words.plural(data.plan.records, "record")
        out.append(f"If you sync now: {records} would change ({md(counts)}).")
    return "\n\n".join(out)
