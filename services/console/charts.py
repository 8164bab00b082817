"""Server-side SVG charts: an instrument's totals over time, and the outcomes report's bars.

Pure (no framework): each chart is a :class:`Figure`, the SVG and the same figures as a table (the
text alternative). The SVG uses presentation attributes only, no ``style``, so it passes a strict
CSP; it is ``role="img"`` named by its ``<title>`` and ``<desc>``. Every text it shows is given by
the caller, already translated; the bands, the scale and the reliable-change points are the
instrument's own (``shared.scoring.Instruments.scale``), never repeated here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from shared.scoring import DETERIORATED, IMPROVED, InstrumentScale

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 48, 150, 16, 64  # the right margin holds the band names
MAX_X_LABELS = 7
INK, LINE, GRID = "#1a1a1a", "#1f3a93", "#6b6b6b"
IMPROVED_INK, DETERIORATED_INK = "#146c2e", "#b3261e"
# Light tints, best to worst, dark text legible on each (contrast well above 4.5:1).
BAND_TINTS = ("#e3f2e6", "#f1f6d8", "#fff3c9", "#fde1c5", "#f8cfcf")


class Svg(str):
    """SVG markup built here from escaped text: templates insert it as it is (``__html__``)."""

    def __html__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Figure:
    chart_id: str
    svg: Svg
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class TrendPoint:
    at: datetime           # where on the time axis
    label: str             # the date as the reader sees it (site time)
    total: int | None      # None: an incomplete assessment, listed but not plotted
    band: str = ""         # the band's name as shown
    reliable_change: str | None = None  # improved / no_change / deteriorated / None (baseline)
    change_text: str = ""  # the change as shown in the table


@dataclass(frozen=True)
class TrendText:
    title: str
    description: str
    date: str
    total: str
    band: str
    change: str
    improved: str
    deteriorated: str
    threshold: str          # the reliable-change lines' legend, e.g. "Reliable change (6 points)"
    band_names: Mapping[str, str]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to show (no cohort)
    text: str            # the value as shown, e.g. "75 %"


@dataclass(frozen=True)
class BarText:
    title: str
    description: str
    category: str
    value: str


def _id(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-") or "chart"


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 12,
          fill: str = INK, extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}"{extra}>{escape(content)}</text>')


def _tints(count: int, lower_is_better: bool) -> list[str]:
    """A tint per band, ascending totals: best to worst in the instrument's direction."""
    if count == 1:
        picked = [BAND_TINTS[0]]
    else:
        step = (len(BAND_TINTS) - 1) / (count - 1)
        picked = [BAND_TINTS[round(i * step)] for i in range(count)]
    return picked if lower_is_better else picked[::-1]


def _x_positions(points: Sequence[TrendPoint], left: float, right: float) -> list[float]:
    times = [p.at.timestamp() for p in points]
    first, last = min(times), max(times)
    if last == first:
        return [(left + right) / 2 for _ in points]
    return [left + (t - first) / (last - first) * (right - left) for t in times]


def _x_label_indexes(count: int) -> list[int]:
    if count <= MAX_X_LABELS:
        return list(range(count))
    step = (count - 1) / (MAX_X_LABELS - 1)
    return sorted({round(i * step) for i in range(MAX_X_LABELS)})


def _marker(x: float, y: float, kind: str | None, name: str) -> str:
    if kind == IMPROVED:
        return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="none" stroke="{IMPROVED_INK}" '
                f'stroke-width="2.5" data-marker="{IMPROVED}"><title>{escape(name)}</title></circle>')
    if kind == DETERIORATED:
        d = 9
        return (f'<path d="M{x:.1f} {y - d:.1f} L{x + d:.1f} {y:.1f} L{x:.1f} {y + d:.1f} '
                f'L{x - d:.1f} {y:.1f} Z" fill="none" stroke="{DETERIORATED_INK}" stroke-width="2.5" '
                f'data-marker="{DETERIORATED}"><title>{escape(name)}</title></path>')
    return ""


def trend_chart(chart_id: str, scale: InstrumentScale, points: Sequence[TrendPoint],
                text: TrendText, baseline: int | None = None) -> Figure:
    """Totals over time on the instrument's scale, its severity bands shaded behind, each reliable
    change from baseline marked, and the reliable-change lines around the baseline."""
    chart_id = _id(chart_id)
    plot_left, plot_right = LEFT, WIDTH - RIGHT
    plot_top, plot_bottom = TOP, HEIGHT - BOTTOM
    span = (scale.high - scale.low) or 1

    def y_of(total: float) -> float:
        return plot_bottom - (total - scale.low) / span * (plot_bottom - plot_top)

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="{title_id} {desc_id}" id="{chart_id}" class="chart trend-chart" '
             f'font-family="sans-serif">',
             f'<title id="{title_id}">{escape(text.title)}</title>',
             f'<desc id="{desc_id}">{escape(text.description)}</desc>']

    # Bands: from each band's lowest total to the next band's (the last to the top of the scale).
    tints = _tints(len(scale.bands), scale.lower_is_better)
    ticks = {scale.low, scale.high}
    for index, band in enumerate(scale.bands):
        top_total = scale.bands[index + 1].low if index + 1 < len(scale.bands) else scale.high
        y_top, y_bottom = y_of(top_total), y_of(band.low)
        name = text.band_names.get(band.label, band.label)
        parts.append(f'<rect x="{plot_left}" y="{y_top:.1f}" width="{plot_right - plot_left}" '
                     f'height="{y_bottom - y_top:.1f}" fill="{tints[index]}" data-band="{escape(band.label)}">'
                     f'<title>{escape(f"{name}: {band.low}–{band.high}")}</title></rect>')
        parts.append(_text(plot_right + 8, (y_top + y_bottom) / 2 + 4, name, size=11))
        ticks.add(band.low)

    # Axes, with a tick at each band's edge: the numbers a clinician reads the bands by.
    parts.append(f'<line x1="{plot_left}" y1="{plot_top}" x2="{plot_left}" y2="{plot_bottom}" '
                 f'stroke="{GRID}"/>')
    parts.append(f'<line x1="{plot_left}" y1="{plot_bottom}" x2="{plot_right}" y2="{plot_bottom}" '
                 f'stroke="{GRID}"/>')
    for tick in sorted(ticks):
        y = y_of(tick)
        parts.append(f'<line x1="{plot_left - 4}" y1="{y:.1f}" x2="{plot_left}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(plot_left - 8, y + 4, str(tick), anchor="end", size=11))
    parts.append(_text(14, (plot_top + plot_bottom) / 2, text.total, anchor="middle", size=11,
                       extra=f' transform="rotate(-90 14 {(plot_top + plot_bottom) / 2:.1f})"'))

    # The reliable-change lines: a later total beyond either one is a reliable change.
    if baseline is not None and scale.reliable_change:
        for level in (baseline - scale.reliable_change, baseline + scale.reliable_change):
            if scale.low <= level <= scale.high:
                y = y_of(level)
                parts.append(f'<line x1="{plot_left}" y1="{y:.1f}" x2="{plot_right}" y2="{y:.1f}" '
                             f'stroke="{GRID}" stroke-dasharray="6 4" data-threshold="{level}"/>')

    plotted = [p for p in points if p.total is not None]
    if plotted:
        xs = _x_positions(plotted, plot_left + 16, plot_right - 16)
        coords = [(x, y_of(p.total)) for x, p in zip(xs, plotted)]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>')
        for (x, y), point in zip(coords, plotted):
            name = f"{point.label}: {point.total} ({point.band})"
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{LINE}" data-total="{point.total}">'
                         f'<title>{escape(name)}</title></circle>')
            marker_name = {IMPROVED: text.improved, DETERIORATED: text.deteriorated}.get(
                point.reliable_change or "", "")
            parts.append(_marker(x, y, point.reliable_change, f"{marker_name}: {name}"))
        for index in _x_label_indexes(len(plotted)):
            parts.append(_text(xs[index], plot_bottom + 16, plotted[index].label, anchor="middle", size=11))
    parts.append(_text((plot_left + plot_right) / 2, plot_bottom + 32, text.date, anchor="middle", size=11))

    # Legend: the two markers and the dashed line.
    legend_y = HEIGHT - 12
    parts.append(_marker(plot_left + 8, legend_y - 4, IMPROVED, text.improved))
    parts.append(_text(plot_left + 22, legend_y, text.improved, size=11))
    parts.append(_marker(plot_left + 200, legend_y - 4, DETERIORATED, text.deteriorated))
    parts.append(_text(plot_left + 214, legend_y, text.deteriorated, size=11))
    if baseline is not None and scale.reliable_change:
        parts.append(f'<line x1="{plot_left + 362}" y1="{legend_y - 4}" x2="{plot_left + 390}" '
                     f'y2="{legend_y - 4}" stroke="{GRID}" stroke-dasharray="6 4"/>')
        parts.append(_text(plot_left + 396, legend_y, text.threshold, size=11))
    parts.append("</svg>")

    rows = tuple((p.label, "" if p.total is None else str(p.total), p.band, p.change_text)
                 for p in points)
    return Figure(chart_id, Svg("".join(parts)), text.title,
                  (text.date, text.total, text.band, text.change), rows)


def bar_chart(chart_id: str, bars: Sequence[Bar], text: BarText, maximum: float = 1.0) -> Figure:
    """Horizontal bars, one per category, each with its value written at its end."""
    chart_id = _id(chart_id)
    row, label_width, value_width = 30, 220, 70
    height = TOP * 2 + row * max(len(bars), 1)
    bar_left, bar_right = label_width, WIDTH - value_width
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-labelledby="{title_id} {desc_id}" id="{chart_id}" class="chart bar-chart" '
             f'font-family="sans-serif">',
             f'<title id="{title_id}">{escape(text.title)}</title>',
             f'<desc id="{desc_id}">{escape(text.description)}</desc>',
             f'<line x1="{bar_left}" y1="{TOP}" x2="{bar_left}" y2="{height - TOP}" stroke="{GRID}"/>']
    for index, bar in enumerate(bars):
        y = TOP + index * row
        parts.append(_text(bar_left - 8, y + row / 2 + 4, bar.label, anchor="end"))
        width = 0.0
        if bar.value is not None and maximum > 0:
            width = max(0.0, min(bar.value, maximum)) / maximum * (bar_right - bar_left)
            parts.append(f'<rect x="{bar_left}" y="{y + 5}" width="{width:.1f}" height="{row - 10}" '
                         f'fill="{LINE}" data-value="{bar.value}"><title>{escape(f"{bar.label}: {bar.text}")}'
                         f'</title></rect>')
        parts.append(_text(bar_left + width + 6, y + row / 2 + 4, bar.text))
    parts.append("</svg>")
    rows = tuple((bar.label, bar.text) for bar in bars)
    return Figure(chart_id, Svg("".join(parts)), text.title, (text.category, text.value), rows)
