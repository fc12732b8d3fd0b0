"""The report's stylesheet, inlined into the HTML file: system fonts only (nothing to load),
readable on screen and on paper."""

CSS = """
:root {
  --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --paper: #ffffff; --page: #f1f5f9;
  --blue: #2563eb; --green: #15803d; --amber: #b45309; --red: #b91c1c;
  --green-bg: #f0fdf4; --amber-bg: #fffbeb; --red-bg: #fef2f2;
}
* { box-sizing: border-box; }
html { background: var(--page); }
body {
  margin: 0; color: var(--ink); line-height: 1.5; font-size: 15px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", "Liberation Sans", sans-serif;
  -webkit-font-smoothing: antialiased;
}
main { max-width: 1120px; margin: 0 auto; padding: 32px 24px 48px; }
header { padding: 8px 0 20px; }
.eyebrow {
  margin: 0; color: var(--blue); font-weight: 600; font-size: 13px;
  letter-spacing: .08em; text-transform: uppercase;
}
h1 { margin: 4px 0 6px; font-size: 32px; line-height: 1.2; letter-spacing: -.01em; }
h2 { margin: 0 0 4px; font-size: 22px; letter-spacing: -.01em; }
h3 { margin: 22px 0 8px; font-size: 16px; }
.meta, .intro, .muted, .chart-caption, .note, footer { color: var(--muted); }
.meta { margin: 0; }
.intro { margin: 0 0 18px; max-width: 760px; }
section {
  background: var(--paper); border: 1px solid var(--line); border-radius: 14px;
  padding: 24px 28px; margin: 0 0 20px; box-shadow: 0 1px 2px rgba(15, 23, 42, .04);
}
.summary h2 { margin-bottom: 10px; }
.sentences { margin: 0 0 20px; padding-left: 20px; font-size: 16px; }
.sentences li { margin: 4px 0; }
.cards { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 12px; }
.card {
  border: 1px solid var(--line); border-radius: 12px; padding: 14px 16px;
  border-top: 4px solid var(--blue);
}
.card.good { border-top-color: var(--green); }
.card.warn { border-top-color: #f59e0b; }
.card.bad { border-top-color: #ef4444; }
.card-label { color: var(--muted); font-size: 13px; font-weight: 600; }
.card-value { font-size: 28px; font-weight: 700; font-variant-numeric: tabular-nums; }
.card-value .num[data-value=""] { font-size: 16px; font-weight: 500; color: var(--muted); }
.card-note { color: var(--muted); font-size: 13px; }
.card-share { font-size: 15px; font-weight: 600; color: var(--muted); }
details { margin: 12px 0; color: #475569; }
summary { cursor: pointer; font-weight: 600; }
.pair { display: grid; grid-template-columns: minmax(0, 1.1fr) minmax(0, 1fr); gap: 28px;
  align-items: start; }
figure.chart { margin: 0 0 12px; }
.chart-title { font-weight: 600; margin-bottom: 6px; }
figure.chart svg { width: 100%; height: auto; display: block; overflow: visible; }
.chart-caption { font-size: 13px; margin: 6px 0 0; }
svg text { font-family: inherit; font-size: 13px; fill: #334155; }
svg .tick { font-size: 12px; fill: var(--muted); }
svg .value { font-weight: 600; fill: var(--ink); }
svg .axis-label { font-size: 12px; font-weight: 600; fill: #475569; }
svg .grid { stroke: #eef2f7; stroke-width: 1; }
svg .axis { stroke: #94a3b8; stroke-width: 1; }
svg .cell-light { fill: #1e293b; font-weight: 600; }
svg .cell-dark { fill: #ffffff; font-weight: 600; }
svg .legend-swatch { stroke: #cbd5e1; stroke-width: .5; }
table { width: 100%; border-collapse: collapse; font-size: 14px; margin: 4px 0 8px; }
th { text-align: left; color: var(--muted); font-size: 12px; font-weight: 600;
  text-transform: uppercase; letter-spacing: .04em; border-bottom: 2px solid var(--line);
  padding: 6px 10px 6px 0; }
td { border-bottom: 1px solid var(--line); padding: 7px 10px 7px 0; vertical-align: top; }
.r { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.people td:first-child { overflow-wrap: anywhere; }
table.people td:nth-child(2) { color: #334155; white-space: nowrap; }
.reason { color: var(--muted); font-size: 13px; }
.num { font-variant-numeric: tabular-nums; }
.empty { background: var(--page); border-radius: 10px; padding: 14px 16px; margin: 0;
  color: #475569; }
.ok { background: var(--green-bg); color: var(--green); border-radius: 10px;
  padding: 10px 14px; }
.alerts { list-style: none; padding: 0; margin: 0 0 12px; }
.alerts li { background: var(--red-bg); color: var(--red); border-radius: 10px;
  padding: 10px 14px; margin-bottom: 6px; }
.badge { background: var(--red-bg); color: var(--red); border-radius: 999px; font-size: 11px;
  font-weight: 700; padding: 1px 8px; text-transform: uppercase; letter-spacing: .04em; }
.counts { columns: 2; padding-left: 20px; margin: 6px 0; }
p.bad { color: var(--red); font-weight: 600; }
.problems { color: #475569; font-size: 14px; }
code { background: var(--page); border-radius: 4px; padding: 1px 5px; font-size: 13px; }
footer { font-size: 13px; padding: 4px 4px 0; }
@media (max-width: 860px) {
  .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .pair { grid-template-columns: minmax(0, 1fr); }
  table.people td:nth-child(2) { white-space: normal; overflow-wrap: anywhere; }
}
@media print {
  html { background: #fff; }
  main { padding: 0; max-width: none; }
  section { box-shadow: none; break-inside: avoid; border-color: #cbd5e1; }
}
"""
