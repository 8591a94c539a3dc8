"""Section 2's measured alternatives for the template: the hours page's per-person table
written three ways, and the page's template timed by part.

The hours report's table (people by weeks, up to 26 cells a row) is the part of the
page drawn by the hundred. Before choosing how to write it, the same markup is written
from the page's own context at 1M timecards by:

- **Django's template engine**, as the page wrote it (the week cells already in Python);
- **Jinja2** (Django's ``Jinja2`` backend would run it), the same template in its syntax;
- **Python**, one function writing the rows (``reports.tables``), as the page now does.

The three outputs are checked to be the same markup (whitespace aside) before they are
timed, so the figures compare like with like. ``template_parts`` then times the whole
page's template and its parts (frame, filter form, chart, rows, the rest), which says
how much of it another template engine could write at all. Run by ``bench.pages`` on
the full size."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable

import jinja2
from django.http import HttpResponse
from django.template import engines, loader
from django.test import Client
from django.test.utils import setup_test_environment, teardown_test_environment
from markupsafe import Markup

from core.routing import read_from, read_your_writes
from presentation import numbers
from reports.forms import HoursFilterForm
from reports.tables import hours_rows
from reports.templatetags.report_tables import week_cells

__all__ = ["compare", "template_parts"]

TABLE_BODY = """
{% for person in report.people %}
<tr>
  <th scope="row">{{ person.name }}{% if person.full_name %}<br>
    <small>{{ person.username }}</small>{% endif %}</th>
  {{ person.cells|week_cells }}
  <td class="num">{{ person.billable|hours }}</td>
  <td class="num">{{ person.non_billable|hours }}</td>
  <td class="num"><strong>{{ person.total|hours }}</strong></td>
</tr>
{% endfor %}
"""
"""The rows of the hours table as the page's template wrote them (``hours.html`` before
the table moved to ``reports.tables``); the same text is Jinja2 as well."""

RUNS = 40
WARM_UP = 3


def _django_rows() -> Callable[[dict], str]:
    template = engines["django"].from_string("{% load numbers report_tables %}" + TABLE_BODY)
    return lambda context: template.render(context)


def _jinja2_rows() -> Callable[[dict], str]:
    environment = jinja2.Environment(autoescape=True)
    environment.filters.update(
        hours=lambda value: "" if value is None else numbers.hours(value),
        week_cells=lambda weeks, style="": Markup(week_cells(weeks, style)),
    )
    template = environment.from_string(TABLE_BODY)
    return lambda context: template.render(context)


def _python_rows() -> Callable[[dict], str]:
    return lambda context: hours_rows(context["report"].people)


def _markup(text: str) -> str:
    return re.sub(r">\s+<", "><", text).strip()


def _rendered(client: Client, url: str) -> HttpResponse:
    """The page's response, with the context and templates it was rendered with (which
    the test client keeps only in Django's test environment)."""
    setup_test_environment()
    try:
        return client.get(url)
    finally:
        teardown_test_environment()


def compare(client: Client, url: str) -> dict:
    """Milliseconds to write the table's rows each way (median of ``RUNS``)."""
    context = _rendered(client, url).context[0].flatten()
    writers = {"django": _django_rows(), "jinja2": _jinja2_rows(), "python": _python_rows()}
    outputs = {name: _markup(str(write(context))) for name, write in writers.items()}
    if len(set(outputs.values())) != 1:
        raise RuntimeError("the three writers disagree on the table's markup")
    figures: dict = {"url": url, "rows": len(context["report"].people)}
    times: dict[str, list[float]] = {name: [] for name in writers}
    for _ in range(RUNS):  # the three in turn, so that the machine's moods fall on each
        for name, write in writers.items():
            started = time.perf_counter()
            write(context)
            times[name].append(time.perf_counter() - started)
    for name, series in times.items():
        figures[f"{name}_ms"] = statistics.median(series) * 1000
    return figures


def template_parts(client: Client, url: str) -> dict:
    """Milliseconds of the hours page's template by part, from the page's own context
    (median of ``RUNS``, the parts in turn): the whole page, the reports' frame
    (``reports/_layout.html``), the filter form (its include, a form made afresh as the
    view makes it, its choice lists read as a request reads them), the chart's include
    and the table's rows; "the rest" is the page less those four (its head, totals,
    the table's head and foot, the pager)."""
    response = _rendered(client, url)
    context, request = response.context[0].flatten(), response.wsgi_request
    template = response.templates[0].name
    query = request.GET.copy()
    query.pop("page", None)
    parts: dict[str, Callable[[], object]] = {
        "whole": lambda: loader.render_to_string(template, context, request),
        "frame": lambda: loader.render_to_string("reports/_layout.html", context, request),
        "form": lambda: loader.render_to_string(
            "reports/_filter_form.html", {"form": HoursFilterForm(query or None)}, request
        ),
        "chart": lambda: loader.render_to_string(
            "reports/_bar_chart.html", {"chart": context["chart"]}, request
        ),
        "rows": lambda: hours_rows(context["report"].people),
    }
    times: dict[str, list[float]] = {name: [] for name in parts}
    # This process logged the user in (a write): forgotten, so that the form's lists are
    # read as a request that wrote nothing reads them, kept between requests.
    read_your_writes.forget()
    with read_from("standby"):
        for _ in range(WARM_UP):
            for write in parts.values():
                write()
        for _ in range(RUNS):
            for name, write in parts.items():
                started = time.perf_counter()
                write()
                times[name].append(time.perf_counter() - started)
    figures = {f"{name}_ms": statistics.median(series) * 1000 for name, series in times.items()}
    figures["rest_ms"] = figures["whole_ms"] - sum(
        figures[f"{name}_ms"] for name in ("frame", "form", "chart", "rows")
    )
    return {"url": url, **figures}
