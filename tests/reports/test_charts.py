"""Bar chart geometry: pure Python, no database."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from reports.charts import (
    CHAR_PX,
    NARROW_PLOT_PX,
    Series,
    bar_chart,
    nice_step,
    weekly_hours_chart,
)
from reports.selectors import WeekHours

D = Decimal


def chart(values_a, values_b=None, **kwargs):
    series = [Series("Billable", "bar-billable", values_a)]
    if values_b is not None:
        series.append(Series("Non-billable", "bar-nonbillable", values_b))
    return bar_chart(
        dom_id="test",
        title="Test chart",
        description="A test.",
        labels=[f"W{n}" for n in range(len(values_a))],
        series=series,
        x_label="Week",
        y_label="Hours",
        unit="h",
        **kwargs,
    )


@pytest.mark.parametrize(
    ("maximum", "step"),
    [(0, 1), (7, 2), (40, 10), (38.5, 10), (100, 20), (12345, 2500), (0.3, D("0.1"))],
)
def test_nice_step(maximum, step):
    assert nice_step(maximum) == D(str(step))


def test_stacked_bars_share_one_scale():
    result = chart([D(30), D(10), D(0)], [D(10), D(0), D(0)])

    tallest, short, empty = result.bars
    plot_height = result.bottom - result.top
    assert result.ticks[-1].value == 40  # the axis ends on a round tick above 40
    assert [tick.label for tick in result.ticks] == ["0", "10", "20", "30", "40"]
    assert tallest.total == 40
    billable, non_billable = tallest.segments
    assert billable.height == pytest.approx(plot_height * 30 / 40, abs=0.01)
    assert billable.y + billable.height == pytest.approx(result.bottom, abs=0.01)
    assert non_billable.y == pytest.approx(result.top, abs=0.01)  # stacked on top
    assert short.segments[0].height == pytest.approx(plot_height / 4, abs=0.01)
    assert empty.segments == ()
    assert billable.title == "W0: billable 30 h"
    assert not result.is_empty


def test_bars_sit_side_by_side_inside_the_plot():
    result = chart([1] * 12)

    xs = [bar.x for bar in result.bars]
    assert xs == sorted(xs)
    assert xs[0] > 0
    assert result.bars[-1].x + result.bars[-1].width < result.width
    assert all(bar.shown_wide for bar in result.bars)  # twelve short labels fit


def test_crowded_labels_are_thinned_more_on_a_phone():
    result = chart([1] * 40)

    wide = [bar.label for bar in result.bars if bar.shown_wide]
    narrow = [bar.label for bar in result.bars if bar.shown_narrow]
    assert wide[0] == narrow[0] == "W0"
    assert len(narrow) < len(wide) < 40
    # Written at 7 px a character, no two labels shown on a phone overlap.
    slot = NARROW_PLOT_PX / 40
    centers = [(int(label[1:]) + 0.5) * slot for label in narrow]
    widths = [CHAR_PX * len(label) for label in narrow]
    for left, right, width in zip(centers, centers[1:], widths, strict=False):
        assert right - left >= width
    assert result.bars[0].label_classes == "at-wide at-narrow"


def test_all_zero_chart_is_empty():
    assert chart([0, 0, 0]).is_empty
    assert chart([]).is_empty


def test_series_must_match_labels():
    with pytest.raises(ValueError, match="values for 3 bars"):
        bar_chart(
            dom_id="x",
            title="x",
            description="x",
            labels=["a", "b", "c"],
            series=[Series("s", "bar", [1, 2])],
            x_label="x",
            y_label="y",
        )


def test_template_draws_an_accessible_svg():
    weeks = [
        WeekHours(datetime.date(2025, 3, 3), D("32.5"), D("4")),
        WeekHours(datetime.date(2025, 3, 10), D("20"), D("0")),
    ]
    result = weekly_hours_chart(weeks, dom_id="w", title="Hours <per> week", description="Desc")

    svg = render_to_string("reports/_bar_chart.html", {"chart": result})

    assert 'role="img"' in svg
    assert 'aria-labelledby="w-title w-desc"' in svg
    assert '<title id="w-title">Hours &lt;per&gt; week</title>' in svg
    assert '<desc id="w-desc">Desc</desc>' in svg
    assert svg.count('<rect class="bar-billable"') == 2
    assert svg.count('<rect class="bar-nonbillable"') == 1
    assert (
        '<li class="at-wide at-narrow">3 Mar</li><li class="at-wide at-narrow">10 Mar</li>' in svg
    )
    assert '<span class="chart-x-title" aria-hidden="true">Week starting (Monday)</span>' in svg
    assert '<span class="chart-y-title" aria-hidden="true">Hours</span>' in svg
    assert "<li>40</li><li>30</li>" in svg  # ticks listed top down beside the plot
    assert "3 Mar: billable 32.50 h" in svg  # as the tables write hours


def test_template_says_when_there_is_nothing_to_chart():
    weeks = [WeekHours(datetime.date(2025, 3, 3))]
    result = weekly_hours_chart(weeks, dom_id="w", title="t", description="d")

    out = render_to_string("reports/_bar_chart.html", {"chart": result})

    assert "<svg" not in out
    assert "No hours were logged in these weeks." in out


def test_small_steps_are_labelled_as_hours_are_written():
    result = chart([D("1.2"), D("0.5")])  # a step of 0.25: half-to-even would write 0.2

    labels = [tick.label for tick in result.ticks]
    assert labels == ["0.00", "0.25", "0.50", "0.75", "1.00", "1.25"]
