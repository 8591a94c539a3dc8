"""``{% load report_charts %}``: the parts of a bar chart written by the dozen, by
``reports.charts`` in Python (it says why), handed to ``_bar_chart.html`` as markup."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from reports import charts

register = template.Library()


@register.filter
def plot_lines_and_bars(chart: charts.BarChart) -> SafeString:
    """The SVG's tick lines and every bar's segments (``charts.plot_lines_and_bars``)."""
    return charts.plot_lines_and_bars(chart)


@register.filter
def bar_labels(chart: charts.BarChart) -> SafeString:
    """A ``<li>`` a bar, its label escaped (``charts.bar_labels``)."""
    return charts.bar_labels(chart)
