"""``plot_lines_and_bars`` and ``bar_labels`` write what ``_bar_chart.html``'s loops wrote."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

from django.template import Context, Template
from django.test.html import parse_html

from reports import charts
from reports.selectors import WeekHours
from reports.templatetags.report_charts import bar_labels, plot_lines_and_bars

# The chart's loops as _bar_chart.html wrote them before reports.charts did.
PLOT_LOOPS = Template(
    "{% load l10n %}{% localize off %}"
    '{% for tick in chart.ticks %}<line class="axis" x1="0" x2="{{ chart.width }}"'
    ' y1="{{ tick.y }}" y2="{{ tick.y }}" vector-effect="non-scaling-stroke"></line>{% endfor %}'
    "{% for bar in chart.bars %}{% for segment in bar.segments %}"
    '<rect class="{{ segment.css_class }}" x="{{ bar.x }}" y="{{ segment.y }}"'
    ' width="{{ bar.width }}" height="{{ segment.height }}"><title>{{ segment.title }}</title>'
    "</rect>{% endfor %}{% endfor %}{% endlocalize %}"
)
LABELS_LOOP = Template(
    "{% for bar in chart.bars %}<li{% if bar.label_classes %}"
    ' class="{{ bar.label_classes }}"{% endif %}>{{ bar.label }}</li>{% endfor %}'
)

MONDAY = datetime.date(2026, 6, 15)


def half_a_year() -> charts.BarChart:
    weeks = [
        WeekHours(
            MONDAY + datetime.timedelta(weeks=n),
            D(1234) + n * D("17.25"),
            D(0) if n % 5 == 0 else D("3.5") * n,
        )
        for n in range(26)
    ]
    return charts.weekly_hours_chart(weeks, dom_id="weeks", title="t", description="d")


def escaping_chart() -> charts.BarChart:
    return charts.bar_chart(
        dom_id="x",
        title="t",
        description="d",
        labels=["<b>Jan</b>", 'O"Neil & Co', "Mar"],
        series=[charts.Series('Paid <"now">', "bar", [D("10.5"), D(0), D("1234567.89")])],
        x_label="x",
        y_label="y",
    )


def test_the_plot_is_what_the_template_loops_wrote():
    for chart in (half_a_year(), escaping_chart()):
        expected = PLOT_LOOPS.render(Context({"chart": chart}))
        assert parse_html(plot_lines_and_bars(chart)) == parse_html(expected)


def test_the_labels_are_what_the_template_loop_wrote_and_are_escaped():
    for chart in (half_a_year(), escaping_chart()):
        expected = LABELS_LOOP.render(Context({"chart": chart}))
        assert parse_html(bar_labels(chart)) == parse_html(expected)
    written = bar_labels(escaping_chart()) + plot_lines_and_bars(escaping_chart())
    assert "<b>" not in written and "&lt;b&gt;Jan&lt;/b&gt;" in written
    assert "O&quot;Neil &amp; Co" in written and "&lt;&quot;now&quot;&gt;" in written


def test_a_half_year_chart_has_two_segments_a_week_with_hours_of_both_kinds():
    chart = half_a_year()
    written = plot_lines_and_bars(chart)
    assert written.count("<rect") == 26 + 26 - 6  # no non-billable segment every 5th week
    assert written.count("<line") == len(chart.ticks)
