"""The report as one self-contained HTML file: inline CSS, inline SVG, no script.

A Content-Security-Policy forbids scripts and every network request, so even a value that
slipped through unescaped could neither run nor phone home; all data is escaped anyway. Key
numbers sit in elements with a stable ``data-kpi`` attribute and their exact value in
``data-value``, for tests and for anyone reading the page with a program.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape

from sync.report import charts, words
from sync.report.model import KpiPoint, Kpis, KpiSeries, KpiValue, Person, Ratio, ReportData
from sync.report.style import CSS

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def render_html(data: ReportData) -> str:
    sections = (_summary, _quality, _segments, _rfm, _whales, _kpis, _runs)
    body = _header(data) + "".join(s(data) for s in sections) + _footer(data)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="crmsync report">'
        f"<title>Customer base report — {escape(data.job)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


# --- small pieces ---------------------------------------------------------------------------
def num(kpi: str, value: float | str | None, shown: str) -> str:
    """A key number: the visible text, with its name and exact value for machines."""
    raw = "" if value is None else str(value)
    return (
        f'<span class="num" data-kpi="{escape(kpi)}" data-value="{escape(raw)}">'
        f"{escape(shown)}</span>"
    )


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    numeric: Sequence[int] = (),
    cls: str = "",
) -> str:
    """Cells are HTML already (escape text first); ``numeric`` columns align right."""

    def cell(tag: str, i: int, content: str) -> str:
        return f"<{tag}{' class=r' if i in numeric else ''}>{content}</{tag}>"

    head = "".join(cell("th", i, escape(h)) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    css = f' class="{cls}"' if cls else ""
    return f"<table{css}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def section(ident: str, title: str, intro: str, content: str) -> str:
    return (
        f'<section id="{ident}"><h2>{escape(title)}</h2>'
        f'<p class="intro">{escape(intro)}</p>{content}</section>'
    )


def empty(text: str) -> str:
    return f'<p class="empty">{escape(text)}</p>'


def pair(left: str, right: str) -> str:
    return f'<div class="pair"><div>{left}</div><div>{right}</div></div>'


def card(label: str, value: str, note: str, tone: str = "") -> str:
    """A key figure; ``value`` and ``note`` are HTML (escape text first)."""
    return (
        f'<div class="card {tone}"><div class="card-label">{escape(label)}</div>'
        f'<div class="card-value">{value}</div><div class="card-note">{note}</div></div>'
    )


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _tone(part: Ratio | None, warn: float, bad: float, *, higher_is_better: bool = False) -> str:
    """good / warn / bad by the share's thresholds (a card's colour)."""
    if part is None or part.share is None:
        return ""
    if higher_is_better:
        return "bad" if part.share < bad else "warn" if part.share < warn else "good"
    return "bad" if part.share >= bad else "warn" if part.share >= warn else "good"


def _count_card(
    label: str, kpi: str, part: Ratio | None, noun: str, warn: float, bad: float
) -> str:
    if part is None:
        return card(label, num(kpi, None, "not measured"), "the hygiene rules did not run")
    share = num(f"{kpi}-share", part.share, words.percent(part.share))
    note = f"{share} of the {escape(words.number(part.of))} {escape(noun)}"
    return card(label, num(kpi, part.count, words.number(part.count)), note, _tone(part, warn, bad))


# --- sections -------------------------------------------------------------------------------
def _header(data: ReportData) -> str:
    return (
        '<header><p class="eyebrow">crmsync report</p>'
        "<h1>Your customer base at a glance</h1>"
        f'<p class="meta">{escape(words.crm(data.crm))} · job “{escape(data.job)}” · '
        f"as of {escape(words.when(data.generated_at))}</p></header>"
    )


def _summary(data: ReportData) -> str:
    a, w = data.audit, data.whales
    complete = (
        card("Complete records", num("complete-share", None, "not measured"), "")
        if a.complete is None
        else card(
            "Complete records",
            num("complete-share", a.complete.share, words.percent(a.complete.share)),
            escape(f"{words.number(a.complete.count)} have every field their value tier needs"),
            _tone(a.complete, 0.8, 0.6, higher_is_better=True),
        )
    )
    cards = [
        card(
            "Contacts",
            num("contacts", a.contacts, words.number(a.contacts)),
            escape(f"{words.number(a.companies)} companies · {words.number(a.deals)} deals"),
        ),
        complete,
        _count_card(
            "Invalid e-mails", "invalid-emails", a.invalid_emails, "with an e-mail", 0.02, 0.05
        ),
        _count_card(
            "Invalid phones", "invalid-phones", a.invalid_phones, "with a phone", 0.05, 0.1
        ),
        _count_card("Likely duplicates", "duplicates", a.duplicates, "contacts", 0.02, 0.05),
        _count_card("Obsolete records", "obsolete", a.obsolete, "contacts", 0.05, 0.1),
        card(
            "Whales",
            num("whales", w.count, words.number(w.count)),
            f"bring {num('whale-revenue-share', w.revenue_share, words.percent(w.revenue_share))} "
            "of revenue",
        ),
        card(
            "Whales at risk",
            num("whales-at-risk", w.at_risk_count, words.number(w.at_risk_count)),
            "frustrated: call them" if w.at_risk_count else "none shows frustration",
            "bad" if w.at_risk_count else "good",
        ),
    ]
    sentences = "".join(f"<li>{escape(s)}</li>" for s in words.summary(data))
    return (
        '<section id="summary" class="summary"><h2>In short</h2>'
        f'<ul class="sentences">{sentences}</ul><div class="cards">{"".join(cards)}</div>'
        "</section>"
    )


def _quality(data: ReportData) -> str:
    a = data.audit
    intro = (
        "How complete and usable the contact data is. Clean data is what makes the segments, "
        "campaigns and figures below trustworthy."
    )
    if not a.contacts:
        return section("quality", "Data quality", intro, empty("No contacts: nothing to audit."))

    def colour(share: float) -> str:
        return charts.GREEN if share >= 0.9 else charts.AMBER if share >= 0.7 else charts.RED

    chart = charts.bar_chart(
        "completeness",
        "Critical fields filled in",
        [
            charts.Bar(
                words.field_label(f.field),
                f.filled.share or 0.0,
                words.percent(f.filled.share),
                colour(f.filled.share or 0.0),
            )
            for f in a.fields
        ],
        x_label="Share of contacts with a value",
        y_label="Field",
        caption="The share of contacts with each field filled in (either one for “phone or "
        "mobile”). Green: 90% or more; amber: 70–90%; red: below 70%.",
        tick=words.percent,
        maximum=1.0,
        width=charts.HALF,
    )
    if not a.measured:
        return section("quality", "Data quality", intro, pair(chart, empty(words.NOT_MEASURED)))
    rows = [
        ("missing-critical", "Incomplete for their tier", a.missing_critical, "contacts",
         "lack a field their value tier needs (a whale needs a full profile)"),
        ("invalid-emails", "Invalid e-mail", a.invalid_emails, "with an e-mail",
         "cannot receive mail: bad syntax, unknown domain or a typo"),
        ("invalid-phones", "Invalid phone", a.invalid_phones, "with a phone",
         "cannot be dialled as written"),
        ("duplicates", "Likely duplicate", a.duplicates, "contacts",
         "very probably the same person as another record"),
        ("obsolete", "Obsolete", a.obsolete, "contacts",
         "unreachable, bounced, company closed or silent for years: review, don't delete"),
    ]  # fmt: skip
    problems = table(
        ["Problem", "Count", "Share", "Of", "What it means"],
        [
            [
                escape(label),
                num(f"audit.{key}", part.count, words.number(part.count)),
                escape(words.percent(part.share)),
                escape(f"{words.number(part.of)} {noun}"),
                escape(meaning),
            ]
            for key, label, part, noun, meaning in rows
            if part is not None
        ],
        numeric=(1, 2, 3),
    )
    reasons = "<h3>Why records look obsolete</h3>" + (
        table(
            ["Reason", "Contacts"],
            [
                [escape(words.OBSOLETE_REASONS.get(r.name, r.name)), escape(words.number(r.count))]
                for r in a.obsolete_reasons
            ],
            numeric=(1,),
        )
        if a.obsolete_reasons
        else empty("No record looks obsolete.")
    )
    if a.unreadable_values:
        reasons += (
            f'<p class="note">{escape(words.number(a.unreadable_values))} values in the CRM '
            "could not be read (wrong type or format) and count as empty.</p>"
        )
    return section(
        "quality",
        "Data quality",
        intro,
        pair(chart, reasons) + "<h3>Problems found</h3>" + problems,
    )


def _segments(data: ReportData) -> str:
    s = data.segments
    intro = "Every contact sits in exactly one lifecycle segment, from first contact to loyal fan."
    if not s.counts:
        return section("segments", "Segments", intro, empty(words.NO_SEGMENTS))
    chart = charts.bar_chart(
        "segments",
        "Contacts per lifecycle segment",
        [
            charts.Bar(
                words.segment_label(c.name),
                c.count,
                f"{words.number(c.count)} ({words.percent(_share(c.count, s.contacts))})",
                _segment_colour(c.name),
            )
            for c in s.counts
        ],
        x_label="Contacts",
        y_label="Segment",
        caption="Prospects (blue) move towards customers (green); dormant and retired customers "
        "(amber) are the ones to win back; contacts not qualified (grey) stay out of marketing.",
        tick=words.number,
    )
    rows = [
        [
            escape(words.segment_label(c.name)),
            num(f"segment.{c.name}", c.count, words.number(c.count)),
            escape(words.percent(_share(c.count, s.contacts))),
            escape(words.segment_meaning(c.name)),
        ]
        for c in s.counts
    ]
    if s.unsegmented:
        shown = words.number(s.unsegmented)
        share = words.percent(_share(s.unsegmented, s.contacts))
        rows.append(["No segment", num("segment.none", s.unsegmented, shown), share, "not placed"])
    headers = ["Segment", "Contacts", "Share", "Who they are"]
    return section("segments", "Segments", intro, chart + table(headers, rows, (1, 2)))


def _segment_colour(name: str) -> str:
    if name in ("CUSTOMER", "CUSTOMER_EVANGELIST"):
        return charts.GREEN
    if name in ("CUSTOMER_DORMANT", "CUSTOMER_RETIRED"):
        return charts.AMBER
    return charts.GREY if name == "NOT_QUALIFIED" else charts.BLUE


def _rfm(data: ReportData) -> str:
    r = data.rfm
    intro = (
        "Customers scored 1–5 on how recently (R) and how often (F) they buy, 5 being the best "
        "fifth. Top right: your best customers. Bottom right: good customers slipping away."
    )
    if not r.customers:
        return section("rfm", "Recency and frequency", intro, empty(words.NO_RFM))
    chart = charts.heat_map(
        "rfm",
        "Customers by recency and frequency",
        r.grid,
        row_label="Recency (5 = bought most recently)",
        column_label="Frequency (5 = buys most often)",
        caption=f"{words.number(r.customers)} customers with a dated purchase. Darker cells "
        "hold more customers; each cell shows its count.",
    )
    groups = table(
        ["RFM group", "Customers", "Share"],
        [
            [
                escape(g.name),
                num(f"rfm-group.{g.name}", g.count, words.number(g.count)),
                escape(words.percent(_share(g.count, r.customers))),
            ]
            for g in r.groups
        ],
        numeric=(1, 2),
    )
    total = num("rfm-customers", r.customers, words.number(r.customers))
    note = (
        f'<p class="note">{escape(words.number(r.unplaced))} scores are not on the 1–5 scale '
        "and are not in the grid.</p>"
        if r.unplaced
        else ""
    )
    text = f"<h3>Named groups</h3><p>{total} customers scored.</p>{groups}{note}"
    return section("rfm", "Recency and frequency", intro, pair(chart, text))


def _whales(data: ReportData) -> str:
    w = data.whales
    intro = (
        "Whales are the few customers who make most of your revenue (about 80% of it, from at "
        "most 20% of customers). A whale at risk shows frustration: returns, slow support or "
        "failed payments."
    )
    if not w.count:
        return section("whales", "Whales and whales at risk", intro, empty(words.NO_WHALES))
    lead = (
        f"<p>{num('whales-total', w.count, words.number(w.count))} whales out of "
        f"{escape(words.number(w.customers))} paying customers bring "
        f"{escape(words.percent(w.revenue_share))} of all revenue: "
        f"{escape(words.money(w.revenue_of_whales, w.currency))} of "
        f"{escape(words.money(w.revenue, w.currency))}.</p>"
    )
    top = table(
        ["Name", "E-mail", "Revenue", "Share", "Segment", "RFM group"],
        [
            [
                escape(p.name),
                escape(p.email or "–"),
                num(f"whale.{p.id}", p.revenue, words.money(p.revenue, w.currency)),
                escape(words.percent(_share(p.revenue, w.revenue))),
                escape(words.segment_label(p.segment) if p.segment else "–"),
                escape(p.rfm_group or "–"),
            ]
            for p in w.top
        ],
        numeric=(2, 3),
        cls="people",
    )
    title = f"The {len(w.top)} biggest whales" if len(w.top) < w.count else "The whales"
    content = lead + f"<h3>{escape(title)}</h3>" + top
    if w.at_risk:
        content += "<h3>Whales at risk: call them</h3>" + _at_risk(w.at_risk, w.currency)
        if w.at_risk_count > len(w.at_risk):
            more = words.number(w.at_risk_count - len(w.at_risk))
            content += f'<p class="note">…and {escape(more)} more.</p>'
    else:
        content += "<h3>Whales at risk</h3>" + empty("No whale shows signs of frustration.")
    return section("whales", "Whales and whales at risk", intro, content)


def _at_risk(people: Sequence[Person], currency: str) -> str:
    rows = [
        [
            escape(p.name),
            escape(p.email or "–"),
            num(f"at-risk.{p.id}", p.revenue, words.money(p.revenue, currency)),
            f'<span class="reason">{escape(p.reason)}</span>',
        ]
        for p in people
    ]
    return table(["Name", "E-mail", "Revenue", "Why"], rows, numeric=(2,), cls="people")


def _kpis(data: ReportData) -> str:
    k = data.kpis
    intro = (
        "Every sync keeps its KPIs. A KPI more than 10% worse than in the run before raises "
        "an alert."
    )
    if not k.runs:
        return section("kpis", "KPIs over runs", intro, empty(words.NO_KPIS))
    colours = dict(zip(words.KPIS, ("", *charts.SERIES_COLOURS), strict=False))
    runs = _runs_of(k)
    chart = charts.line_chart(
        "kpis",
        "Data quality over the last runs",
        words.run_labels([p.at for p in runs]),
        [
            charts.Series(words.kpi_label(s.name), _aligned(s, runs), colours[s.name])
            for s in k.series
            if s.points
        ],
        x_label="Sync run (oldest on the left)",
        y_label="Share of contacts",
        caption=f"{words.plural(k.runs, 'run')} with KPIs. Complete records should rise, "
        "the other lines fall." + (" The lines start with the second run." if k.runs == 1 else ""),
        tick=words.percent,
    )
    count = num("alerts", len(k.alerts), words.number(len(k.alerts)))
    count += " alert" if len(k.alerts) == 1 else " alerts"
    if k.alerts:
        items = "".join(
            f'<li data-alert="{escape(a.kpi)}">{escape(words.alert_sentence(a))}</li>'
            for a in k.alerts
        )
        alerts = f"<p>{count} in the last run:</p><ul class='alerts'>{items}</ul>"
    elif k.runs > 1:
        alerts = f'<p class="ok">{count}: no KPI got more than 10% worse since the run before.</p>'
    else:
        alerts = f"<p>{count}: alerts need a run before to compare with.</p>"
    flagged = {a.kpi for a in k.alerts}
    latest = _kpi_table(k.latest, flagged)
    value = ""
    clv, conversion = words.value_kpis(k.value)
    if clv or conversion:
        value = "<h3>Value per segment and channel</h3>" + pair(
            _kpi_table(clv, flagged, "Lifetime value by segment", words.kpi_short_label)
            + '<p class="chart-caption">Average won revenue per contact of the segment, in '
            f"{escape(data.whales.currency)} (the base currency).</p>",
            _kpi_table(conversion, flagged, "Conversion by channel", words.kpi_short_label)
            + '<p class="chart-caption">Share of the contacts from each source channel who '
            "became customers.</p>",
        )
    return section("kpis", "KPIs over runs", intro, pair(chart, alerts + latest) + value)


def _kpi_table(
    values: Sequence[KpiValue],
    flagged: set[str],
    title: str = "KPI",
    labels: Callable[[str], str] = words.kpi_label,
) -> str:
    def label(name: str) -> str:
        text = escape(labels(name))
        return text + (' <span class="badge">alert</span>' if name in flagged else "")

    return table(
        [title, "Last run", "Before", "Change"],
        [
            [
                label(v.name),
                num(f"kpi.{v.name}", v.current, words.kpi_value(v.name, v.current)),
                escape(words.kpi_value(v.name, v.previous)),
                escape(words.change(v.previous, v.current)),
            ]
            for v in values
        ],
        numeric=(1, 2, 3),
    )


def _runs_of(k: Kpis) -> tuple[KpiPoint, ...]:
    """The runs of the series with the most runs: the chart's x positions."""
    return max((s.points for s in k.series), key=len, default=())


def _aligned(series: KpiSeries, runs: Sequence[KpiPoint]) -> tuple[float | None, ...]:
    """The series' values on the chart's x positions (None where a run lacks it)."""
    by_run = {p.run_id: p.value for p in series.points}
    return tuple(by_run.get(p.run_id) for p in runs)


def _counts(prefix: str, counts: Mapping[str, int]) -> str:
    items = "".join(
        f"<li>{num(f'{prefix}.{name}', value, words.number(value))} "
        f"{escape(words.counted(name, value).split(' ', 1)[1])}</li>"
        for name, value in words.ordered(counts)
    )
    return f'<ul class="counts">{items}</ul>'


def _runs(data: ReportData) -> str:
    intro = "What crmsync last wrote to the CRM, and what it would write now."
    last, plan, parts = data.last_run, data.plan, []
    if last is None:
        parts.append(empty("Nothing has been written yet: no sync or apply has run."))
    else:
        parts.append(
            f"<h3>Last {escape(last.command)}, {escape(words.when(last.started_at))}</h3>"
            f'<p class="{"bad" if last.counts.get("failed") else "fine"}">'
            f"{num('last-run-status', last.status, words.status(last.status).capitalize())}"
            f" · run <code>{num('last-run-id', last.id, last.id)}</code></p>"
            + _counts("last-run", last.counts)
        )
    if plan is None and data.plan_note:
        parts.append("<h3>If you sync now</h3>" + empty(data.plan_note))
    if plan is not None:
        changed = num("plan.records", plan.records, words.plural(plan.records, "record"))
        parts.append(f"<h3>If you sync now</h3><p>{changed} would change.</p>")
        parts.append(_counts("plan", {k: v for k, v in plan.counts.items() if k != "problems"}))
        if plan.problems:
            more = plan.problem_count - len(plan.problems)
            items = "".join(f"<li>{escape(p)}</li>" for p in plan.problems)
            items += f"<li>…and {escape(words.number(more))} more</li>" if more else ""
            parts.append(
                f"<details><summary>{escape(words.counted('problems', plan.problem_count))} "
                f"(details for the admin)</summary><ul class='problems'>{items}</ul></details>"
            )
    if data.runs:
        rows = [
            [
                escape(words.when(r.started_at)),
                escape(r.command),
                escape(words.status(r.status)),
                escape(", ".join(words.counted(k, v) for k, v in r.counts.items() if v) or "–"),
            ]
            for r in data.runs
        ]
        parts.append(
            "<h3>Recent runs</h3>" + table(["Started", "Command", "Status", "Counts"], rows)
        )
    return section("runs", "Last run and pending changes", intro, "".join(parts))


def _footer(data: ReportData) -> str:
    return (
        "<footer><p>Made by crmsync from its local copy of the CRM and what its rules found; "
        "building it sent nothing anywhere, and it holds no password or token. Figures as of "
        f"{escape(words.when(data.generated_at))}: run <code>crmsync sync</code>, then "
        "<code>crmsync report</code>, for fresh ones.</p></footer>"
    )
