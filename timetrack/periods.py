"""Calendar steps: the weeks and months that pages, reports and the demo data count in.

Weeks start on Monday and end on Sunday: ISO 8601 weeks, the weeks ``TruncWeek`` groups
by in the database, so a week a page names is the week the database added up. Every
week or month boundary of the site is derived here, so no two places disagree on where
one begins.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

WEEK = datetime.timedelta(weeks=1)


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def weeks_back(day: datetime.date, weeks: int) -> datetime.date:
    """The Monday ``weeks`` weeks before ``day``'s week (``day``'s own Monday for 0): the
    first day of a range that ends in ``day``'s week and spans ``weeks + 1`` weeks."""
    return week_start(day) - weeks * WEEK


def week_end(day: datetime.date) -> datetime.date:
    """The Sunday of ``day``'s week, the last day a week's totals count."""
    return week_start(day) + datetime.timedelta(days=6)


def weeks_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The Mondays of every week that overlaps ``start``..``end``, oldest first.

    A range that begins mid-week still has that week: a report's first column holds the
    days of it that are in the range.
    """
    weeks, monday = [], week_start(start)
    while monday <= end:
        weeks.append(monday)
        monday += WEEK
    return weeks


def month_start(day: datetime.date) -> datetime.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    """The last day of ``day``'s month."""
    return add_months(day, 1) - datetime.timedelta(days=1)


def months_between(
    start: datetime.date, end: datetime.date
) -> Iterator[tuple[datetime.date, datetime.date]]:
    """The first and last day of every month that overlaps ``start``..``end``, oldest
    first (whole months: the first may begin before ``start``, the last end after)."""
    first = month_start(start)
    while first <= end:
        yield first, month_end(first)
        first = add_months(first, 1)


def previous_month(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month before ``day``'s."""
    first = add_months(day, -1)
    return first, month_end(first)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` away from ``day``'s month (back if negative).

    A month start, not the same day of the month: there is no January 31 plus a month.
    """
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)
