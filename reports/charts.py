"""Server-side SVG bar charts: the geometry is computed here, the markup is a template.

The report pages draw their charts as inline SVG with no JavaScript and nothing fetched
from a CDN, so a chart works wherever the page does (printed, offline, behind a strict
CSP). Django templates cannot do arithmetic, so this module computes every coordinate
and label; ``templates/reports/_bar_chart.html`` only writes them out.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from presentation import numbers
from presentation.numbers import Number

# Room around the plot for the tick labels (left), the x labels and the axis title
# (bottom), in SVG user units (the chart scales with the page through its viewBox).
MARGIN_LEFT = 64
MARGIN_RIGHT = 16
MARGIN_TOP = 16
MARGIN_BOTTOM = 48
MIN_LABEL_SPACING = 44
"""Below this many units per bar, only every n-th x label is written, so none overlap."""
CHAR_WIDTH = 6.6
"""About how wide one character of the 11-unit chart font is, to keep labels apart."""


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
    center: float
    total: Decimal
    segments: tuple[Segment, ...]
    show_label: bool


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
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    legend: tuple[LegendItem, ...]

    @property
    def is_empty(self) -> bool:
        return all(bar.total == 0 for bar in self.bars)

    @property
    def x_label_x(self) -> float:
        return _round((self.left + self.right) / 2)

    @property
    def x_label_y(self) -> float:
        return self.height - 6

    @property
    def x_tick_label_y(self) -> float:
        return self.bottom + 16

    @property
    def tick_label_x(self) -> float:
        return self.left - 6

    @property
    def y_label_x(self) -> float:
        return 14

    @property
    def y_label_y(self) -> float:
        return _round((self.top + self.bottom) / 2)


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
    width: int = 720,
    height: int = 260,
) -> BarChart:
    """Lay out one bar per label, each stacking the values of ``series`` bottom-up.

    The y axis starts at zero and ends on a round tick above the tallest bar.
    """
    for one in series:
        if len(one.values) != len(labels):
            raise ValueError(f"{one.label!r} has {len(one.values)} values for {len(labels)} bars")
    top, bottom = float(MARGIN_TOP), float(height - MARGIN_BOTTOM)
    totals = [sum((Decimal(s.values[i]) for s in series), Decimal(0)) for i in range(len(labels))]
    step = nice_step(max(totals, default=Decimal(0)))
    axis_max = step * max(1, math.ceil(max(totals, default=Decimal(0)) / step))
    scale = (bottom - top) / float(axis_max)
    tick_values = [step * n for n in range(int(axis_max / step) + 1)]
    # Wide tick labels ("500,000") push the plot right, clear of the y axis title.
    tick_labels = [numbers.axis_tick(value, step) for value in tick_values]
    widest_tick = max(len(label) for label in tick_labels)
    left = float(max(MARGIN_LEFT, 30 + CHAR_WIDTH * widest_tick))
    right = float(width - MARGIN_RIGHT)
    slot = (right - left) / max(1, len(labels))
    bar_width = slot * 0.64
    shown_labels = _labels_that_fit(labels, slot)
    suffix = f" {unit}" if unit else ""

    bars = []
    for index, label in enumerate(labels):
        x = left + index * slot + (slot - bar_width) / 2
        cursor = bottom
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
                x=_round(x),
                width=_round(bar_width),
                center=_round(x + bar_width / 2),
                total=totals[index],
                segments=tuple(segments),
                show_label=index in shown_labels,
            )
        )
    ticks = tuple(
        Tick(value=value, y=_round(bottom - float(value) * scale), label=label)
        for value, label in zip(tick_values, tick_labels, strict=True)
    )
    return BarChart(
        dom_id=dom_id,
        title=title,
        description=description,
        x_label=x_label,
        y_label=y_label,
        empty_message=empty_message,
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        bars=tuple(bars),
        ticks=ticks,
        legend=tuple(LegendItem(label=one.label, css_class=one.css_class) for one in series),
    )


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
        labels=[f"{week.week:%b} {week.week.day}" for week in weeks],
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
    span = f" ({months[0].month:%b %Y} to {months[-1].month:%b %Y})" if months else ""
    return bar_chart(
        dom_id=dom_id,
        title=title,
        description=description,
        labels=[f"{m.month:%b}" for m in months],
        series=[Series("Paid", "bar", [m.total for m in months])],
        x_label=f"Month paid{span}",
        y_label="Revenue",
        value_format=numbers.money,
        empty_message="No invoice was paid in the last 12 months.",
    )


def _labels_that_fit(labels: Sequence[str], slot: float) -> set[int]:
    """Indexes of the x labels to write: each one clear of the last one written."""
    shown: set[int] = set()
    last_right = -math.inf
    for index, label in enumerate(labels):
        center = (index + 0.5) * slot
        half = max(CHAR_WIDTH * len(label), MIN_LABEL_SPACING - 10) / 2
        if center - half >= last_right + 10:
            shown.add(index)
            last_right = center + half
    return shown


def _round(value: float) -> float:
    return round(value, 2)
