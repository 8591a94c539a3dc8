"""How the site writes dates for people: one format, wherever a date appears.

"4 Dec 2026": the day, the month as a word, the year. No reader takes it for the 12th of
April, and it reads the same in a table, a message, a chart and the admin. Where the
year is already said once (a chart's bars, the weeks over a table's columns) a date is
"4 Dec"; a month is "December 2026"; a moment is "4 Dec 2026, 14:05" in the site's time
zone.

Machines get ISO 8601 instead (2026-12-04): the CSV's cells, file names, URLs' query
strings and ``<input type="date">`` values, which are not written here.

The functions are one f-string each (the report tables write hundreds of dates); the
template filters (``{% load dates %}``) call them; Django's own formats
(``presentation/formats/en/formats.py``, for ``{{ value|date }}`` and the admin) are the
same patterns, named below.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

DAY = "j M Y"
"""Django's pattern for ``day``: 4 Dec 2026."""
DAY_IN_YEAR = "j M"
"""Django's pattern for ``day_in_year``: 4 Dec."""
MONTH = "F Y"
"""Django's pattern for ``month``: December 2026."""
MOMENT = "j M Y, H:i"
"""Django's pattern for ``moment``: 4 Dec 2026, 14:05."""


def day(value: datetime.date) -> str:
    """2026-12-04 -> "4 Dec 2026"."""
    return f"{value.day} {value:%b} {value.year}"


def day_in_year(value: datetime.date) -> str:
    """2026-12-04 -> "4 Dec", where the year is said once nearby."""
    return f"{value.day} {value:%b}"


def month(value: datetime.date) -> str:
    """2026-12-04 -> "December 2026"."""
    return f"{value:%B} {value.year}"


def moment(value: datetime.datetime) -> str:
    """A time, as the site's clock reads it: "4 Dec 2026, 14:05"."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{day(value)}, {value:%H:%M}"


def span(start: datetime.date, end: datetime.date) -> str:
    """A period: its first and last days joined by an en dash, as the pages write one."""
    return f"{day(start)} \N{EN DASH} {day(end)}"
