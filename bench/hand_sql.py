"""Section 2's measured alternative for the view's Python: the report selectors written
as hand-written SQL read through a plain cursor.

The own-time split (``bench/own_time.py``) bounds what the ORM costs a page: its
querysets built and compiled afresh on every request, each row passed through its
converters. This module measures what a real alternative saves, on the pages over
target whose view's Python is most of their own time:

- the hours report (``reports.selectors.hours_by_person_week``): its three queries
  written in PostgreSQL's SQL, every filter of the form included;
- the unbilled report (``reports.selectors.unbilled_time``): its one grouped query.

Each hand-written selector returns the same report as the ORM's (checked before timing:
the same weeks, totals, people and lines), and builds it with the same dataclasses, so
only the queries' building and reading differ. Both are timed in turn inside the
standby's scope, as the page runs them, each split as section 2 splits a request:
statements at the driver, the rest Python. PostgreSQL only: the site does not use them,
and ``BENCHMARKS.md`` says why.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.http import QueryDict
from django.utils import timezone

from bench import own_time
from bench.stats import median
from core.routing import read_from
from reports import selectors
from reports.forms import HoursFilterForm
from reports.selectors import (
    ZERO,
    HoursReport,
    PersonWeeks,
    TimecardFilters,
    UnbilledLine,
    UnbilledReport,
    WeekHours,
)
from timetrack import periods
from timetrack.models import Timecard, TimecardStatus

__all__ = [
    "compare",
    "hours_by_person_week",
    "same_hours_report",
    "same_unbilled_report",
    "unbilled_time",
]

RUNS = 40

WEEK_HOURS = (
    "date_trunc('week', t.date)::date,"
    " SUM(t.hours) FILTER (WHERE t.billable), SUM(t.hours) FILTER (WHERE NOT t.billable)"
)


def _matching(filters: TimecardFilters) -> tuple[str, list]:
    """``FROM ... WHERE ...`` of the timecards the filters select (``t``), and its
    parameters: what ``TimecardFilters.as_q`` asks of the ORM, a client through its
    projects (a join, as the ORM writes it)."""
    joins, conditions = "", ["t.date >= %s AND t.date <= %s"]
    params: list = [filters.start, filters.end]
    if filters.client_id is not None:
        joins = " JOIN timetrack_project p ON p.id = t.project_id"
        conditions.append("p.client_id = %s")
        params.append(filters.client_id)
    for column, value in (
        ("t.user_id", filters.user_id),
        ("t.project_id", filters.project_id),
        ("t.status", filters.status or None),
    ):
        if value is not None:
            conditions.append(f"{column} = %s")
            params.append(value)
    return f"timetrack_timecard t{joins} WHERE {' AND '.join(conditions)}", params


def _cursor():
    return connections[router.db_for_read(Timecard)].cursor()


def hours_by_person_week(*, filters: TimecardFilters, page: int | str | None = 1) -> HoursReport:
    """``selectors.hours_by_person_week`` in hand-written SQL: the same three queries."""
    weeks = periods.weeks_between(filters.start, filters.end)
    matching, params = _matching(filters)
    with _cursor() as cursor:
        cursor.execute(f"SELECT {WEEK_HOURS} FROM {matching} GROUP BY 1", params)
        found = {week: WeekHours(week, b or ZERO, n or ZERO) for week, b, n in cursor.fetchall()}
        cursor.execute(
            "SELECT u.id, u.username, u.first_name, u.last_name FROM auth_user u WHERE EXISTS"
            f" (SELECT 1 FROM {matching} AND t.user_id = u.id)"
            " ORDER BY u.username",
            params,
        )
        people_page = Paginator(cursor.fetchall(), selectors.ROWS_PER_PAGE).get_page(page)
        cells_of: dict[int, dict[datetime.date, WeekHours]] = {}
        if people_page.object_list:
            cursor.execute(
                f"SELECT t.user_id, {WEEK_HOURS} FROM {matching}"
                " AND t.user_id = ANY(%s) GROUP BY 1, 2",
                [*params, [person[0] for person in people_page]],
            )
            for user_id, week, billable, non_billable in cursor.fetchall():
                cells_of.setdefault(user_id, {})[week] = WeekHours(
                    week, billable or ZERO, non_billable or ZERO
                )
    no_hours = [WeekHours(week) for week in weeks]
    rows = []
    for user_id, username, first_name, last_name in people_page:
        cells = cells_of.get(user_id, {})
        rows.append(
            PersonWeeks(
                user_id=user_id,
                username=username,
                full_name=f"{first_name} {last_name}".strip(),
                cells=[cells.get(week, empty) for week, empty in zip(weeks, no_hours, strict=True)],
            )
        )
    return HoursReport(
        filters=filters,
        weeks=weeks,
        week_totals=[found.get(week, WeekHours(week)) for week in weeks],
        page=Page(rows, people_page.number, people_page.paginator),
    )


UNBILLED_PAIRS = """
SELECT t.user_id, p.client_id, MIN(c.name), MIN(u.username), MIN(u.first_name),
       MIN(u.last_name), MIN(up.hourly_rate), SUM(t.hours), SUM(t.hours * up.hourly_rate),
       MIN(t.date), COUNT(t.id)
FROM timetrack_timecard t
JOIN timetrack_project p ON p.id = t.project_id
JOIN timetrack_client c ON c.id = p.client_id
JOIN auth_user u ON u.id = t.user_id
LEFT JOIN accounts_userprofile up ON up.user_id = u.id
WHERE t.billable AND t.invoice_id IS NULL AND t.status = %s
GROUP BY 1, 2
ORDER BY 3, 4
"""


def unbilled_time(*, today: datetime.date) -> UnbilledReport:
    """``selectors.unbilled_time`` in hand-written SQL: the same grouped query and roll-up."""
    with _cursor() as cursor:
        cursor.execute(UNBILLED_PAIRS, [TimecardStatus.APPROVED.value])
        pairs = cursor.fetchall()
    by_client_person = [
        UnbilledLine(
            hours=hours,
            value=value or ZERO,
            oldest=oldest,
            timecards=timecards,
            client_id=client_id,
            client=client,
            user_id=user_id,
            username=username,
            full_name=f"{first_name} {last_name}".strip(),
            hourly_rate=hourly_rate,
        )
        for (
            user_id, client_id, client, username, first_name, last_name,
            hourly_rate, hours, value, oldest, timecards,
        ) in pairs
    ]  # fmt: skip
    return selectors.unbilled_from_pairs(today, by_client_person)


def _timed(read: Callable[[], object]) -> tuple[float, float]:
    """Milliseconds of one call in all and in statements."""
    clock = own_time.Clock()
    with own_time.clocked(clock):
        started = time.perf_counter()
        read()
        spent = time.perf_counter() - started
    return spent * 1000, clock.statements * 1000


def _compared(orm: Callable[[], object], hand: Callable[[], object], same: Callable) -> dict:
    """Both timed in pairs, which of the two goes first alternating, so that neither is
    always the one that runs on the other's warm caches or pays for its garbage; each
    saving is the median of the pairs' differences. A disagreement is recorded, not
    timed."""
    if not same(orm(), hand()):
        return {"error": "the hand-written SQL and the ORM disagree on the report"}
    pairs: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for run in range(RUNS):
        if run % 2:
            hand_run = _timed(hand)
            pairs.append((_timed(orm), hand_run))
        else:
            pairs.append((_timed(orm), _timed(hand)))
    figures = {}
    for side, name in ((0, "orm"), (1, "hand")):
        figures[f"{name}_ms"] = median([pair[side][0] for pair in pairs])
        figures[f"{name}_python_ms"] = median([pair[side][0] - pair[side][1] for pair in pairs])
    figures["saved_ms"] = median([orm[0] - hand[0] for orm, hand in pairs])
    figures["saved_python_ms"] = median(
        [(orm[0] - orm[1]) - (hand[0] - hand[1]) for orm, hand in pairs]
    )
    return figures


def same_hours_report(one: HoursReport, other: HoursReport) -> bool:
    return (one.weeks, one.week_totals, one.people, one.page.paginator.count) == (
        other.weeks,
        other.week_totals,
        other.people,
        other.page.paginator.count,
    )


def same_unbilled_report(one: UnbilledReport, other: UnbilledReport) -> bool:
    return (one.by_client, one.by_person, one.by_client_person) == (
        other.by_client,
        other.by_person,
        other.by_client_person,
    )


def compare(hours_pages: dict[str, str]) -> dict:
    """The ORM's selectors against the hand-written ones, for the hours pages named (with
    their urls: the filters are read from the query string as the page reads them) and
    for the unbilled page: milliseconds in all and of Python, and what the hand-written
    SQL saved."""
    today = timezone.localdate()
    found = {}
    with read_from("standby"):
        for name, url in hours_pages.items():
            query = QueryDict(urlsplit(url).query)
            filters = HoursFilterForm(query or None).get_filters()
            found[name] = _compared(
                lambda f=filters: selectors.hours_by_person_week(filters=f, page=None),
                lambda f=filters: hours_by_person_week(filters=f, page=None),
                same_hours_report,
            )
        found["unbilled"] = _compared(
            lambda: selectors.unbilled_time(today=today),
            lambda: unbilled_time(today=today),
            same_unbilled_report,
        )
    return found
