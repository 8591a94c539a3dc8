"""Rows of cells that the hours report draws by the hundred, written in Python.

The hours report is a table of people by weeks: up to 26 cells a row, each with its
total, a billable-share bar and the split on hover. Through the template engine each
such cell is a loop turn, a dozen lookups, three filters and a tag;
``{{ person.cells|week_cells }}`` writes a whole row in one Python call, a few format
calls a cell (BENCHMARKS.md). The markup is what the template loop would write (tests
compare the two); the template still owns the table around it, and everything that
needs escaping.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe

from presentation.numbers import hours
from reports.selectors import WeekHours

register = template.Library()

SPLIT = (
    '<svg class="split" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true">'
    '<rect width="{share}" height="1"></rect></svg>'
)
"""The billable share as a bar: an SVG whose width is an attribute, not an inline style,
which the Content-Security-Policy forbids."""

NO_HOURS = mark_safe('<td class="num"><span title="No hours">\N{EN DASH}</span></td>')
NO_HOURS_TOTAL = mark_safe('<td class="num"><strong>0</strong></td>')


def week_cell(week: WeekHours, *, strong: bool = False) -> str:
    """One week's ``<td>``: the total, a bar as wide as its billable share, the split.

    Only numbers go in, each formatted here (digits, commas and a point), so there is
    nothing to escape; format_html's escaping of them would be most of the cost.
    """
    total = week.total
    if not total:
        return NO_HOURS_TOTAL if strong else NO_HOURS
    shown = f"<strong>{hours(total)}</strong>" if strong else hours(total)
    # As {% widthratio %} computes it: in floats, rounded half to even.
    share = round(float(week.billable) / float(total) * 100)
    return (
        f'<td class="num" title="{hours(week.billable)} h billable,'
        f' {hours(week.non_billable)} h non-billable">{shown}'
        f"{SPLIT.format(share=share)}</td>"
    )


@register.filter
def week_cells(weeks: Iterable[WeekHours], style: str = "") -> SafeString:
    """The ``<td>`` of every week of a row; ``"total"`` sets the totals row's numbers in bold."""
    strong = style == "total"
    # Numbers only, formatted by week_cell: safe to send as they are.
    return mark_safe("".join([week_cell(week, strong=strong) for week in weeks]))
