"""Inline SVG charts, drawn here: horizontal bars, a heat-map grid and a line chart.

Each function returns one ``<figure>``: a visible title, the SVG (with its own ``<title>``
for screen readers, axis labels and tick labels) and a caption in plain words. Every text is
escaped. A chart is drawn in a ``viewBox`` of ``width`` units, shown at most ``width`` pixels
wide, so its text stays at its size on a wide page and shrinks on a narrow one. No script,
no external resource: the file opens offline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

FULL = 1000  # a chart across the page
HALF = 520  # a chart beside a table
#: colours by meaning
BLUE, GREEN, AMBER, RED, GREY = "#2563eb", "#15803d", "#d97706", "#dc2626", "#64748b"
SERIES_COLOURS = ("#15803d", "#dc2626", "#ea580c", "#7c3aed", "#475569", "#0891b2")
CHAR = 7.2  # rough width of a 13px character, to leave room for labels


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as printed next to the bar
    colour: str = BLUE


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    values: tuple[float | None, ...]  # one per x position; None: no value in that run
    colour: str


def _t(x: float, y: float, text: str, cls: str = "", anchor: str = "start", extra: str = "") -> str:
    css = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{css}{extra}>{escape(text)}</text>'


def _line(x1: float, y1: float, x2: float, y2: float, cls: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="{cls}"/>'


def _vertical_label(x: float, y: float, text: str) -> str:
    return _t(x, y, text, "axis-label", "middle", f' transform="rotate(-90 {x:.1f} {y:.1f})"')


def figure(name: str, title: str, body: str, width: float, height: float, caption: str) -> str:
    """The ``<figure>`` around a chart's SVG body (``name`` goes to ``data-chart``)."""
    ident = f"chart-{escape(name)}"
    return (
        f'<figure class="chart" data-chart="{escape(name)}">'
        f'<figcaption class="chart-title" id="{ident}-title">{escape(title)}</figcaption>'
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" style="max-width: {width:.0f}px" '
        f'role="img" aria-labelledby="{ident}-title {ident}-caption" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{body}</svg>'
        f'<p class="chart-caption" id="{ident}-caption">{escape(caption)}</p></figure>'
    )


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``maximum``."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    top = math.ceil(maximum / step - 1e-9) * step
    return [round(i * step, 10) for i in range(round(top / step) + 1)]


def bar_chart(
    name: str,
    title: str,
    bars: Sequence[Bar],
    *,
    x_label: str,
    y_label: str,
    caption: str,
    tick: Callable[[float], str],
    maximum: float | None = None,
    width: float = FULL,
) -> str:
    """Horizontal bars, one per item, with the value printed at the end of each."""
    label_width = min(0.4 * width, max(60, CHAR * max((len(b.label) for b in bars), default=8)))
    longest_value = CHAR * max((len(b.shown) for b in bars), default=4)
    left, right, top, row = 34 + label_width, 16 + longest_value, 8, 30
    plot = width - left - right
    ticks = nice_ticks(maximum if maximum is not None else max((b.value for b in bars), default=0))
    scale = plot / ticks[-1]
    bottom = top + row * len(bars)
    parts = []
    for value in ticks:
        x = left + value * scale
        parts.append(_line(x, top, x, bottom, "grid"))
        parts.append(_t(x, bottom + 17, tick(value), "tick", "middle"))
    for i, bar in enumerate(bars):
        y = top + i * row
        length = max(0.0, bar.value * scale)
        parts.append(_t(left - 8, y + row / 2 + 4, bar.label, "label", "end"))
        parts.append(
            f'<rect x="{left}" y="{y + 5}" width="{length:.1f}" height="{row - 10}" rx="3" '
            f'fill="{bar.colour}" class="bar" data-value="{bar.value:g}">'
            f"<title>{escape(bar.label)}: {escape(bar.shown)}</title></rect>"
        )
        parts.append(_t(left + length + 6, y + row / 2 + 4, bar.shown, "value"))
    parts.append(_line(left, bottom, left + plot, bottom, "axis"))
    parts.append(_line(left, top, left, bottom, "axis"))
    parts.append(_t(left + plot / 2, bottom + 40, x_label, "axis-label", "middle"))
    parts.append(_vertical_label(12, (top + bottom) / 2, y_label))
    return figure(name, title, "".join(parts), width, bottom + 50, caption)


def heat_colour(share: float) -> str:
    """Pale (0) to deep blue (1)."""
    low, high = (239, 246, 255), (30, 64, 175)
    r, g, b = (round(a + (z - a) * share) for a, z in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heat_map(
    name: str,
    title: str,
    grid: Sequence[Sequence[int]],
    *,
    row_label: str,
    column_label: str,
    caption: str,
    width: float = HALF,
) -> str:
    """``grid[r][c]`` counts as shaded cells, row 1 at the bottom, column 1 at the left."""
    rows, columns = len(grid), len(grid[0]) if grid else 0
    left, top = 64, 8
    cell = min(64, (width - left - 90) / max(columns, 1))
    peak = max((v for row in grid for v in row), default=0) or 1
    parts = []
    for r in range(rows):
        y = top + (rows - 1 - r) * cell
        parts.append(_t(left - 10, y + cell / 2 + 4, str(r + 1), "tick", "end"))
        for c in range(columns):
            x = left + c * cell
            value, share = grid[r][c], grid[r][c] / peak
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell - 3:.1f}" height="{cell - 3:.1f}" '
                f'rx="4" fill="{heat_colour(share)}" class="cell" data-r="{r + 1}" '
                f'data-f="{c + 1}" data-count="{value}"><title>recency {r + 1}, frequency '
                f"{c + 1}: {value} customers</title></rect>"
            )
            ink = "cell-dark" if share > 0.55 else "cell-light"
            parts.append(_t(x + (cell - 3) / 2, y + cell / 2 + 3, f"{value:,}", ink, "middle"))
    bottom = top + rows * cell
    for c in range(columns):
        parts.append(
            _t(left + c * cell + (cell - 3) / 2, bottom + 15, str(c + 1), "tick", "middle")
        )
    parts.append(_t(left + columns * cell / 2, bottom + 38, column_label, "axis-label", "middle"))
    parts.append(_vertical_label(left - 34, top + rows * cell / 2, row_label))
    legend_x = left + columns * cell + 20
    parts.append(_t(legend_x, top + 12, "customers", "tick"))
    for i, share in enumerate((1.0, 0.75, 0.5, 0.25, 0.0)):
        y = top + 22 + i * 24
        parts.append(
            f'<rect x="{legend_x:.1f}" y="{y}" width="18" height="18" rx="3" '
            f'fill="{heat_colour(share)}" class="legend-swatch"/>'
        )
        parts.append(_t(legend_x + 26, y + 14, f"{round(share * peak):,}", "tick"))
    return figure(name, title, "".join(parts), width, bottom + 48, caption)


def line_chart(
    name: str,
    title: str,
    x_ticks: Sequence[str],
    series: Sequence[Series],
    *,
    x_label: str,
    y_label: str,
    caption: str,
    tick: Callable[[float], str],
    width: float = HALF,
) -> str:
    """Lines over positions 0..n-1 (one per run), a dot on every value, a legend below."""
    left, right, top, plot_height = 64, 40, 10, 200
    plot = width - left - right
    values = [v for s in series for v in s.values if v is not None]
    ticks = nice_ticks(max(values, default=0))
    bottom = top + plot_height
    count = max(len(x_ticks), 1)

    def x_of(i: int) -> float:
        return left + (plot / 2 if count == 1 else i * plot / (count - 1))

    def y_of(v: float) -> float:
        return bottom - v / ticks[-1] * plot_height

    parts = []
    for value in ticks:
        parts.append(_line(left, y_of(value), left + plot, y_of(value), "grid"))
        parts.append(_t(left - 8, y_of(value) + 4, tick(value), "tick", "end"))
    every = max(1, math.ceil(count / max(1, plot // 90)))
    for i, label in enumerate(x_ticks):
        if i % every == 0 or i == count - 1:
            parts.append(_t(x_of(i), bottom + 17, label, "tick", "middle"))
    for s in series:
        points = [(x_of(i), y_of(v)) for i, v in enumerate(s.values) if v is not None]
        if not points:
            continue
        path = " ".join(f"{'L' if i else 'M'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))
        parts.append(
            f'<path d="{path}" fill="none" stroke="{s.colour}" stroke-width="2.5" '
            f'stroke-linejoin="round" class="series" data-series="{escape(s.label)}"/>'
        )
        parts += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{s.colour}" class="point"/>'
            for x, y in points
        ]
    parts.append(_line(left, bottom, left + plot, bottom, "axis"))
    parts.append(_line(left, top, left, bottom, "axis"))
    parts.append(_t(left + plot / 2, bottom + 40, x_label, "axis-label", "middle"))
    parts.append(_vertical_label(12, (top + bottom) / 2, y_label))
    legend_y, x = bottom + 66, float(left)
    for s in series:
        room = 30 + CHAR * len(s.label)
        if x + room > width and x > left:
            x, legend_y = float(left), legend_y + 22
        parts.append(
            f'<rect x="{x:.1f}" y="{legend_y - 9}" width="16" height="4" rx="2" fill="{s.colour}"/>'
        )
        parts.append(_t(x + 22, legend_y - 3, s.label, "tick"))
        x += room
    return figure(name, title, "".join(parts), width, legend_y + 8, caption)
