"""A fast date filter for the report tables, which write a date in every row.

``{{ day|date:"M j, Y" }}`` parses its format string and formats through Django's
``DateFormat`` for every cell; ``{{ day|short_date }}`` writes the same text
("Mar 4, 2026") with one format call (BENCHMARKS.md).
"""

from __future__ import annotations

import datetime

from django import template
from django.utils.dates import MONTHS_3

register = template.Library()


@register.filter
def short_date(value: datetime.date | None) -> str:
    """2026-03-04 -> "Mar 4, 2026", as ``date:"M j, Y"`` writes it."""
    if not isinstance(value, datetime.date):
        return ""
    return f"{str(MONTHS_3[value.month]).title()} {value.day}, {value.year}"
