"""Rows of cells that the report tables draw by the thousand, written in Python.

The hours report is a table of people by weeks: up to 26 cells a row, each with its
total, a billable-share bar and the split on hover. Through the template engine each
such cell cost about 35 us (a loop turn, a dozen lookups, three filters and a tag);
``{{ person.cells|week_cells }}`` writes a whole row for about 3 us a cell, with
``format_html`` escaping every value as the template would (BENCHMARKS.md). The markup
is the one the template had; the template still owns the table around it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from reports.selectors import WeekHours
from reports.templatetags.report_numbers import hours

register = template.Library()

NO_HOURS = mark_safe('<td class="num"><span title="No hours">\N{EN DASH}</span></td>')
NO_HOURS_TOTAL = mark_safe('<td class="num"><strong>0</strong></td>')


def week_cell(week: WeekHours, *, strong: bool = False) -> SafeString:
    """One week's ``<td>``: the total, a bar as wide as its billable share, the split."""
    total = week.total
    if not total:
        return NO_HOURS_TOTAL if strong else NO_HOURS
    # widthratio's rounding: the nearest whole percent, halves to even.
    return format_html(
        '<td class="num" title="{} h billable, {} h non-billable">{}'
        '<span class="split" aria-hidden="true"><span style="width: {}%"></span></span></td>',
        hours(week.billable),
        hours(week.non_billable),
        format_html("<strong>{}</strong>", hours(total)) if strong else hours(total),
        round(week.billable * 100 / total),
    )


@register.filter
def week_cells(weeks: Iterable[WeekHours], style: str = "") -> SafeString:
    """The ``<td>`` of every week of a row; ``"total"`` sets the totals row's numbers in bold."""
    strong = style == "total"
    # Each part is already escaped by format_html: joining them keeps them safe.
    return mark_safe("".join([week_cell(week, strong=strong) for week in weeks]))
