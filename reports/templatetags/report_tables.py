"""``{% load report_tables %}``: the report tables' rows and cells, written by
``reports.tables`` in Python (it says why) and handed to the templates as markup."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe

from reports import tables
from reports.selectors import PersonWeeks, UnbilledLine, WeekHours

register = template.Library()


@register.filter
def week_cells(weeks: Iterable[WeekHours], style: str = "") -> SafeString:
    """The ``<td>`` of every week of a row; ``"total"`` sets the totals row's numbers in bold."""
    # Numbers only, formatted by tables.week_cell: safe to send as they are.
    return mark_safe(tables.week_cells(weeks, strong=style == "total"))


@register.filter
def hours_rows(people: Iterable[PersonWeeks]) -> SafeString:
    """A ``<tr>`` a person (``tables.hours_rows``, which escapes the names)."""
    return tables.hours_rows(people)


@register.filter
def unbilled_rows(lines: Iterable[UnbilledLine], by: str) -> SafeString:
    """A ``<tr>`` a line of unbilled time (``tables.unbilled_rows``, which escapes the
    names)."""
    return tables.unbilled_rows(lines, by)
