"""The report tables' rows, written in Python.

The hours page is a table of people by weeks: fifty rows of up to 26 cells on a page;
the unbilled page has three tables of up to fifty rows. Through Django's template
engine each row is a loop turn with a dozen lookups and filters, which cost the page
more than its SQL; Jinja2 writes the same rows faster, Python faster still
(BENCHMARKS.md, section 2, measures the three on the hours page's own data). So
``{{ report.people|hours_rows }}`` and ``{{ lines|unbilled_rows:"client" }}`` write the
rows here, and the templates keep the tables around them: heads, totals, classes.

Every text that comes from a person (a name, a user name) is escaped here; every number
is formatted by ``presentation.numbers`` and needs none.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from presentation import dates
from presentation.numbers import amount, count, hours
from reports.selectors import PersonWeeks, UnbilledLine, WeekHours

__all__ = ["NO_HOURS", "hours_rows", "unbilled_rows", "week_cell", "week_cells"]

SPLIT = (
    '<svg class="split" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true">'
    '<rect width="{share}" height="1"></rect></svg>'
)
"""The billable share as a bar: an SVG whose width is an attribute, not an inline style,
which the Content-Security-Policy forbids."""

NO_HOURS = '<td class="num"><span title="No hours">\N{EN DASH}</span></td>'
NO_HOURS_TOTAL = '<td class="num"><strong>0</strong></td>'


def week_cell(week: WeekHours, *, strong: bool = False) -> str:
    """One week's ``<td>``: the total, a bar as wide as its billable share, the split.

    Only numbers go in, each formatted here (digits, commas and a point), so there is
    nothing to escape; escaping them would be most of the cost.
    """
    return _cell(week.billable, week.non_billable, strong)


@functools.lru_cache(maxsize=8192)
def _cell(billable: Decimal, non_billable: Decimal, strong: bool) -> str:
    """A cell, remembered: people's weeks repeat (40 h billable, 0 non-billable), so a
    page of 1,300 cells holds far fewer different ones."""
    total = billable + non_billable
    if not total:
        return NO_HOURS_TOTAL if strong else NO_HOURS
    shown = f"<strong>{hours(total)}</strong>" if strong else hours(total)
    # As {% widthratio %} computes it: in floats, rounded half to even.
    share = round(float(billable) / float(total) * 100)
    return (
        f'<td class="num" title="{hours(billable)} h billable,'
        f' {hours(non_billable)} h non-billable">{shown}'
        f"{SPLIT.format(share=share)}</td>"
    )


def week_cells(weeks: Iterable[WeekHours], *, strong: bool = False) -> str:
    """The ``<td>`` of every week of a row."""
    return "".join([week_cell(week, strong=strong) for week in weeks])


def hours_rows(people: Iterable[PersonWeeks]) -> SafeString:
    """One ``<tr>`` a person: the name (and user name under a full name), a cell a week,
    then billable, non-billable and total hours."""
    rows = []
    for person in people:
        billable, non_billable = person.billable, person.non_billable
        name = escape(person.name, quote=True)
        if person.full_name:
            name += f"<br><small>{escape(person.username, quote=True)}</small>"
        rows.append(
            f'<tr><th scope="row">{name}</th>{week_cells(person.cells)}'
            f'<td class="num">{hours(billable)}</td>'
            f'<td class="num">{hours(non_billable)}</td>'
            f'<td class="num"><strong>{hours(billable + non_billable)}</strong></td></tr>'
        )
    # Names escaped above, numbers formatted by presentation.numbers: safe as they are.
    return mark_safe("".join(rows))


def unbilled_rows(lines: Iterable[UnbilledLine], by: str) -> SafeString:
    """One ``<tr>`` a line of unbilled time: who it is for (``by``: "client", "person"
    with the hourly rate, or "client_person"), then its timecards, hours, value and
    oldest day, as ``reports/_unbilled_table.html``'s head names them."""
    rows = []
    for line in lines:
        if by == "person":
            rate = "" if line.hourly_rate is None else amount(line.hourly_rate)
            who = f'<th scope="row">{escape(line.person)}</th><td class="num">{rate}</td>'
        elif by == "client":
            who = f'<th scope="row">{escape(line.client)}</th>'
        else:
            who = f"<td>{escape(line.client)}</td><td>{escape(line.person)}</td>"
        rows.append(
            f'<tr>{who}<td class="num">{count(line.timecards)}</td>'
            f'<td class="num">{hours(line.hours)}</td>'
            f'<td class="num">{amount(line.value)}</td>'
            f"<td>{dates.day(line.oldest) if line.oldest else ''}</td></tr>"
        )
    # Names escaped above; numbers and dates written by presentation: safe as they are.
    return mark_safe("".join(rows))
