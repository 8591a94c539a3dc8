"""``week_cells``, ``hours_rows`` and ``unbilled_rows`` write what the report templates'
loops would write."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.template import Context, Template
from django.test.html import parse_html

from reports.selectors import PersonWeeks, UnbilledLine, WeekHours
from reports.templatetags.report_tables import hours_rows, unbilled_rows, week_cells

MONDAY = datetime.date(2026, 11, 23)

# The hours table's cells as template loops write them, one tag and filter at a time.
PERSON_LOOP = Template(
    "{% load numbers %}{% for cell in cells %}"
    '<td class="num"{% if cell.total %} title="{{ cell.billable|hours }} h billable,'
    ' {{ cell.non_billable|hours }} h non-billable"{% endif %}>'
    "{% if cell.total %}{{ cell.total|hours }}"
    '<svg class="split" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true">'
    '<rect width="{% widthratio cell.billable cell.total 100 %}" height="1"></rect></svg>'
    '{% else %}<span title="No hours">\N{EN DASH}</span>{% endif %}</td>{% endfor %}'
)
TOTALS_LOOP = Template(
    "{% load numbers %}{% for week in cells %}"
    '<td class="num"{% if week.total %} title="{{ week.billable|hours }} h billable,'
    ' {{ week.non_billable|hours }} h non-billable"{% endif %}>'
    "<strong>{{ week.total|hours }}</strong>{% if week.total %}"
    '<svg class="split" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true">'
    '<rect width="{% widthratio week.billable week.total 100 %}" height="1"></rect></svg>'
    "{% endif %}</td>{% endfor %}"
)

WEEKS = [
    WeekHours(MONDAY, D("12.35"), D("2")),
    WeekHours(MONDAY, D("0"), D("0")),
    WeekHours(MONDAY, D("7.5"), D("0")),
    WeekHours(MONDAY, D("0"), D("3.25")),
    WeekHours(MONDAY, D("1"), D("2")),  # 33.33...%
    WeekHours(MONDAY, D("1"), D("7")),  # 12.5%: halves to even, as widthratio
    WeekHours(MONDAY, D("0.75"), D("0.25")),
    WeekHours(MONDAY, D("5.75"), D("4.25")),  # 57.5% in floats, 57.49... in decimals
    WeekHours(MONDAY, D("1200"), D("0.5")),  # everyone's week: grouped, as in the cell
    WeekHours(MONDAY, D("1234.56"), D("1000")),
]


def test_person_row_matches_the_template_loop():
    expected = PERSON_LOOP.render(Context({"cells": WEEKS}))
    assert parse_html(week_cells(WEEKS)) == parse_html(expected)


def test_totals_row_matches_the_template_loop():
    expected = TOTALS_LOOP.render(Context({"cells": WEEKS}))
    assert parse_html(week_cells(WEEKS, "total")) == parse_html(expected)


def test_cells_read_as_expected():
    html = week_cells([WeekHours(MONDAY, D("12.35"), D("2")), WeekHours(MONDAY)])
    assert 'title="12.35 h billable, 2 h non-billable">14.35<svg class="split"' in html
    assert '<rect width="86" height="1">' in html
    assert html.endswith('<td class="num"><span title="No hours">\N{EN DASH}</span></td>')


def test_the_split_reads_as_the_cells_do():
    html = week_cells([WeekHours(MONDAY, D("1200"), D("0.5"))])
    assert 'title="1,200 h billable, 0.50 h non-billable">1,200.50<svg' in html


# The per-person rows as the hours template wrote them before reports.tables did.
ROWS_LOOP = Template(
    "{% load numbers report_tables %}{% for person in people %}<tr>"
    '<th scope="row">{{ person.name }}{% if person.full_name %}<br>'
    "<small>{{ person.username }}</small>{% endif %}</th>{{ person.cells|week_cells }}"
    '<td class="num">{{ person.billable|hours }}</td>'
    '<td class="num">{{ person.non_billable|hours }}</td>'
    '<td class="num"><strong>{{ person.total|hours }}</strong></td></tr>{% endfor %}'
)
PEOPLE = [
    PersonWeeks(1, "ada", "Ada Lovelace", WEEKS),
    PersonWeeks(2, "<script>alert(1)</script>", "", WEEKS[:3]),
    PersonWeeks(3, "o'neil", 'Tom "the hammer" O\'Neil & Sons', [WeekHours(MONDAY)]),
]


def test_person_rows_match_the_template_loop_and_escape_every_name():
    expected = ROWS_LOOP.render(Context({"people": PEOPLE}))
    written = hours_rows(PEOPLE)
    assert parse_html(written) == parse_html(expected)
    assert "<script>" not in written and "&lt;script&gt;" in written
    assert "&quot;the hammer&quot; O&#x27;Neil &amp; Sons" in written


# The unbilled tables' rows as reports/_unbilled_table.html wrote them before
# reports.tables did.
UNBILLED_LOOP = Template(
    "{% load numbers dates %}{% for line in lines %}<tr>"
    '{% if by == "person" %}<th scope="row">{{ line.person }}</th>'
    '<td class="num">{{ line.hourly_rate|money }}</td>{% elif by == "client" %}'
    '<th scope="row">{{ line.client }}</th>{% else %}<td>{{ line.client }}</td>'
    '<td>{{ line.person }}</td>{% endif %}<td class="num">{{ line.timecards|count }}</td>'
    '<td class="num">{{ line.hours|hours }}</td><td class="num">{{ line.value|money }}</td>'
    "<td>{{ line.oldest|day }}</td></tr>{% endfor %}"
)
LINES = [
    UnbilledLine(
        D("1234.5"), D("98765.43"), MONDAY, 1200, 1, "Acme & <Sons>", 7, "ada", "Ada L", D("85")
    ),
    UnbilledLine(D("0.25"), D("21.25"), MONDAY, 1, 2, 'O\'Neil "Ltd"', 8, "<b>bob</b>", "", None),
]


@pytest.mark.parametrize("by", ["client", "person", "client_person"])
def test_unbilled_rows_match_the_template_loop_and_escape_every_name(by):
    expected = UNBILLED_LOOP.render(Context({"lines": LINES, "by": by}))
    written = unbilled_rows(LINES, by)
    assert parse_html(written) == parse_html(expected)
    assert "<Sons>" not in written and "<b>" not in written
