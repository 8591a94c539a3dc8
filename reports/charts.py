"""Server-side bar charts: the geometry is computed here, the markup is a template.

The report pages draw their charts with no JavaScript and nothing fetched from a CDN,
so a chart works wherever the page does (printed, offline, behind a strict CSP). The
bars are an SVG that stretches to its box (``preserveAspectRatio="none"``); every
word and number around them (the ticks, the bars' labels, the axis titles) is HTML
laid out by the stylesheet beside the SVG, so text keeps its size on a phone as on a
wide screen instead of shrinking with the drawing. Django templates cannot do
arithmetic, so this module computes every coordinate and which labels fit;
``templates/reports/_bar_chart.html`` writes them out. The parts drawn by the dozen
(a ``<rect>`` a segment, two a week for half a year, and a label a bar) are written
by ``plot_lines_and_bars`` and ``bar_labels`` below, as the report tables' rows are
(``reports/tables.py``): through the template's loops they cost a page more than the
rest of its chart (BENCHMARKS.md, section 2).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from presentation import dates, numbers
from presentation.numbers import Number

SLOT = 10
"""Width of one bar's slot in the SVG's units; the bar takes the middle BAR_SHARE of it."""
BAR_SHARE = 0.64
PLOT_HEIGHT = 100
"""The SVG's height in its units: a value's bar is ``value / axis maximum`` of it."""

# Which bar labels fit is decided for two widths of the plot, in CSS pixels: the
# narrowest plot of the wide layout and a phone's (a 320 px screen). The stylesheet
# switches from one set to the other with the chart's own width (a container query).
WIDE_PLOT_PX = 480
NARROW_PLOT_PX = 170
CHAR_PX = 7.0
"""About how wide one character of the charts' 12 px labels is."""
LABEL_GAP_PX = 8


@dataclass(frozen=True)
class Series:
    """One stacked layer of every bar: its legend label, CSS class and values."""

    label: str
    css_class: str
    values: Sequence[Number]


@dataclass(frozen=True)
class Segment:
    label: str
    css_class: str
    value: Decimal
    y: float
    height: float
    title: str


@dataclass(frozen=True)
class Bar:
    label: str
    x: float
    width: float
    total: Decimal
    segments: tuple[Segment, ...]
    shown_wide: bool
    """Whether the label is written when the chart is wide, clear of its neighbours."""
    shown_narrow: bool
    """The same on a phone, where a bar's slot is a few pixels wide."""

    @property
    def label_classes(self) -> str:
        return " ".join(
            name
            for name, shown in (("at-wide", self.shown_wide), ("at-narrow", self.shown_narrow))
            if shown
        )


@dataclass(frozen=True)
class Tick:
    value: Decimal
    y: float
    label: str


@dataclass(frozen=True)
class LegendItem:
    label: str
    css_class: str
    """The class of the series' bars: the stylesheet colours its swatch the same."""


@dataclass(frozen=True)
class BarChart:
    """Everything the template needs to draw one (optionally stacked) bar chart."""

    dom_id: str
    title: str
    description: str
    x_label: str
    y_label: str
    empty_message: str
    width: int
    """The SVG's width in its units: one SLOT per bar."""
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    """From zero up; the template lists them top down, beside the plot."""
    legend: tuple[LegendItem, ...]

    height = PLOT_HEIGHT
    """The SVG's height in its units; a value's bar rises from ``bottom`` towards ``top``."""
    top = 0.0
    bottom = float(PLOT_HEIGHT)

    @property
    def is_empty(self) -> bool:
        return all(bar.total == 0 for bar in self.bars)

    @property
    def ticks_top_down(self) -> tuple[Tick, ...]:
        return self.ticks[::-1]


def bar_chart(
    *,
    dom_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    value_format: Callable[[Number], str] = numbers.hours,
    unit: str = "",
    empty_message: str = "Nothing to chart yet.",
) -> BarChart:
    """Lay out one bar per label, each stacking the values of ``series`` bottom-up.

    The y axis starts at zero and ends on a round tick above the tallest bar.
    """
    for one in series:
        if len(one.values) != len(labels):
            raise ValueError(f"{one.label!r} has {len(one.values)} values for {len(labels)} bars")
    totals = [sum((Decimal(s.values[i]) for s in series), Decimal(0)) for i in range(len(labels))]
    step = nice_step(max(totals, default=Decimal(0)))
    axis_max = step * max(1, math.ceil(max(totals, default=Decimal(0)) / step))
    scale = PLOT_HEIGHT / float(axis_max)
    tick_values = [step * n for n in range(int(axis_max / step) + 1)]
    tick_labels = [numbers.axis_tick(value, step) for value in tick_values]
    slots = max(1, len(labels))
    shown_wide = _labels_that_fit(labels, WIDE_PLOT_PX / slots)
    shown_narrow = _labels_that_fit(labels, NARROW_PLOT_PX / slots)
    bar_width = SLOT * BAR_SHARE
    suffix = f" {unit}" if unit else ""

    bars = []
    for index, label in enumerate(labels):
        cursor = float(PLOT_HEIGHT)
        segments = []
        for one in series:
            value = Decimal(one.values[index])
            if value <= 0:
                continue
            height_units = float(value) * scale
            cursor -= height_units
            segments.append(
                Segment(
                    label=one.label,
                    css_class=one.css_class,
                    value=value,
                    y=_round(cursor),
                    height=_round(height_units),
                    title=f"{label}: {one.label.lower()} {value_format(value)}{suffix}",
                )
            )
        bars.append(
            Bar(
                label=label,
                x=_round(index * SLOT + (SLOT - bar_width) / 2),
                width=_round(bar_width),
                total=totals[index],
                segments=tuple(segments),
                shown_wide=index in shown_wide,
                shown_narrow=index in shown_narrow,
            )
        )
    ticks = tuple(
        Tick(value=value, y=_round(PLOT_HEIGHT - float(value) * scale), label=label)
        for value, label in zip(tick_values, tick_labels, strict=True)
    )
    return BarChart(
        dom_id=dom_id,
        title=title,
        description=description,
        x_label=x_label,
        y_label=y_label,
        empty_message=empty_message,
        width=slots * SLOT,
        bars=tuple(bars),
        ticks=ticks,
        legend=tuple(LegendItem(label=one.label, css_class=one.css_class) for one in series),
    )


def plot_lines_and_bars(chart: BarChart) -> SafeString:
    """The SVG's tick lines, then each bar's segments bottom-up with their titles.

    Coordinates are written as Python writes a float, as the template wrote them with
    localization off: a decimal comma would break the SVG. Texts are escaped as the
    template escaped them: unless marked safe.
    """
    lines = "".join(
        f'<line class="axis" x1="0" x2="{int(chart.width)}" y1="{float(tick.y)}"'
        f' y2="{float(tick.y)}" vector-effect="non-scaling-stroke"></line>'
        for tick in chart.ticks
    )
    rects = "".join(
        f'<rect class="{conditional_escape(segment.css_class)}" x="{float(bar.x)}"'
        f' y="{float(segment.y)}" width="{float(bar.width)}" height="{float(segment.height)}">'
        f"<title>{conditional_escape(segment.title)}</title></rect>"
        for bar in chart.bars
        for segment in bar.segments
    )
    # Numbers written by float(); the class and title escaped above.
    return mark_safe(lines + rects)


def bar_labels(chart: BarChart) -> SafeString:
    """A ``<li>`` a bar: its label, with the classes that say at which widths it shows."""
    items = []
    for bar in chart.bars:
        classes = bar.label_classes
        attribute = f' class="{classes}"' if classes else ""
        items.append(f"<li{attribute}>{conditional_escape(bar.label)}</li>")
    # The classes are this module's names; the labels escaped above.
    return mark_safe("".join(items))


def nice_step(maximum: Number, *, max_ticks: int = 5) -> Decimal:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving at most ``max_ticks``."""
    maximum = Decimal(maximum)
    if maximum <= 0:
        return Decimal(1)
    raw = maximum / max_ticks
    magnitude = Decimal(10) ** math.floor(math.log10(raw))
    for multiple in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        step = multiple * magnitude
        if step >= raw:
            return step
    return Decimal(10) * magnitude  # pragma: no cover - the loop always returns


class _WeekHours(Protocol):
    week: object
    billable: Decimal
    non_billable: Decimal


def weekly_hours_chart(
    weeks: Sequence[_WeekHours], *, dom_id: str, title: str, description: str
) -> BarChart:
    """Billable hours stacked under non-billable hours, one bar per week."""
    return bar_chart(
        dom_id=dom_id,
        title=title,
        description=description,
        labels=[dates.day_in_year(week.week) for week in weeks],
        series=[
            Series("Billable", "bar-billable", [w.billable for w in weeks]),
            Series(
                "Non-billable",
                "bar-nonbillable",
                [w.non_billable for w in weeks],
            ),
        ],
        x_label="Week starting (Monday)",
        y_label="Hours",
        unit="h",
        empty_message="No hours were logged in these weeks.",
    )


class _MonthTotal(Protocol):
    month: datetime.date
    total: Decimal


def monthly_revenue_chart(
    months: Sequence[_MonthTotal], *, dom_id: str, title: str, description: str
) -> BarChart:
    """Revenue per month: short month names on the bars, the years in the axis title."""
    span = f" ({dates.month(months[0].month)} to {dates.month(months[-1].month)})" if months else ""
    return bar_chart(
        dom_id=dom_id,
        title=title,
        description=description,
        labels=[f"{m.month:%b}" for m in months],
        series=[Series("Paid", "bar", [m.total for m in months])],
        x_label=f"Month paid{span}",
        y_label=f"Revenue ({settings.CURRENCY})",
        value_format=numbers.amount,
        empty_message="No invoice was paid in the last 12 months.",
    )


def _labels_that_fit(labels: Sequence[str], slot_px: float) -> set[int]:
    """Indexes of the labels to write when a bar's slot is ``slot_px`` wide: each clear
    of the last one written, the first always."""
    shown: set[int] = set()
    last_right = -math.inf
    for index, label in enumerate(labels):
        center = (index + 0.5) * slot_px
        half = CHAR_PX * len(label) / 2
        if not shown:  # the first is written from the plot's left edge when wider than its slot
            shown.add(index)
            last_right = max(center + half, 2 * half)
        elif center - half >= last_right + LABEL_GAP_PX:
            shown.add(index)
            last_right = center + half
    return shown


def _round(value: float) -> float:
    return round(value, 2)
