"""Section 2's measured alternative for the view's Python: the report selectors written
as hand-written SQL read through a plain cursor.

The own-time split (``bench/own_time.py``) bounds what the ORM costs a page: its
querysets built and compiled afresh on every request, each row passed through its
converters. This module measures what a real alternative saves, on every report page,
each selector's queries written in PostgreSQL's SQL:

- the hours report (``reports.selectors.hours_by_person_week``): its three queries,
  every filter of the form included;
- the unbilled report (``unbilled_time``): its one grouped query;
- the dashboard (``dashboard_summary``): its six aggregates, "my" hours through the
  user's profile as the ORM reads them;
- the invoices report (``invoice_summary``): its four aggregates.

Each hand-written selector returns the same report as the ORM's (checked before timing:
the same weeks, totals, people, lines and figures), and builds it as the site does (the
selectors' own ``hours_report_from_rows`` and ``unbilled_from_rows``, the same
dataclasses), so only the queries' building and reading differ. Both are timed in turn inside the
standby's scope, as the page runs them, each split as section 2 splits a request:
statements at the driver, the rest Python. PostgreSQL only: the site does not use them,
and ``BENCHMARKS.md`` says why.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.db import connections, router
from django.http import QueryDict
from django.utils import timezone

from bench import own_time
from bench.stats import median
from core.routing import read_from, read_your_writes
from reports import selectors
from reports.forms import HoursFilterForm
from reports.selectors import (
    ZERO,
    AgingBucket,
    ClientRevenue,
    DashboardSummary,
    HoursReport,
    InvoiceReport,
    MonthRevenue,
    StatusTotal,
    TimecardFilters,
    UnbilledReport,
)
from timetrack import periods
from timetrack.models import InvoiceStatus, Timecard, TimecardStatus

__all__ = [
    "compare",
    "dashboard_summary",
    "hours_by_person_week",
    "invoice_summary",
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
        week_totals = selectors.every_week(cursor.fetchall(), weeks)
        cursor.execute(
            "SELECT u.id, u.username, u.first_name, u.last_name FROM auth_user u WHERE EXISTS"
            f" (SELECT 1 FROM {matching} AND t.user_id = u.id)"
            " ORDER BY u.username",
            params,
        )
        people_page = Paginator(cursor.fetchall(), selectors.ROWS_PER_PAGE).get_page(page)
        cells = []
        if people_page.object_list:
            cursor.execute(
                f"SELECT t.user_id, {WEEK_HOURS} FROM {matching}"
                " AND t.user_id = ANY(%s) GROUP BY 1, 2",
                [*params, [person[0] for person in people_page]],
            )
            cells = cursor.fetchall()
    return selectors.hours_report_from_rows(filters, weeks, week_totals, people_page, cells)


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
    return selectors.unbilled_from_rows(today, pairs)


def dashboard_summary(
    *, user: AbstractBaseUser, today: datetime.date, weeks: int = selectors.DASHBOARD_WEEKS
) -> DashboardSummary:
    """``selectors.dashboard_summary`` in hand-written SQL: the same six queries."""
    month_start = periods.month_start(today)
    first_week = periods.weeks_back(today, weeks - 1)
    with _cursor() as cursor:
        # The ORM reaches "my" timecards through the user's profile: read it as it does.
        cursor.execute("SELECT 1 FROM accounts_userprofile WHERE user_id = %s", [user.pk])
        my_hours = ZERO
        if cursor.fetchone() is not None:
            cursor.execute(
                "SELECT SUM(hours) FROM timetrack_timecard"
                " WHERE user_id = %s AND date >= %s AND date <= %s",
                [user.pk, month_start, today],
            )
            my_hours = cursor.fetchone()[0] or ZERO
        cursor.execute(
            "SELECT SUM(hours), SUM(hours) FILTER (WHERE billable) FROM timetrack_timecard"
            " WHERE date >= %s AND date <= %s",
            [month_start, today],
        )
        all_hours, billable_hours = cursor.fetchone()
        cursor.execute(
            "SELECT SUM(t.hours), SUM(t.hours * up.hourly_rate), COUNT(t.id)"
            " FROM timetrack_timecard t JOIN auth_user u ON u.id = t.user_id"
            " LEFT JOIN accounts_userprofile up ON up.user_id = u.id"
            " WHERE t.billable AND t.invoice_id IS NULL AND t.status = %s",
            [TimecardStatus.APPROVED.value],
        )
        unbilled_hours, unbilled_value, unbilled_count = cursor.fetchone()
        cursor.execute(
            "SELECT SUM(total), COUNT(id), SUM(total) FILTER (WHERE due_on < %s),"
            " COUNT(id) FILTER (WHERE due_on < %s) FROM timetrack_invoice WHERE status = %s",
            [today, today, InvoiceStatus.SENT.value],
        )
        outstanding_total, outstanding_count, overdue_total, overdue_count = cursor.fetchone()
        cursor.execute(
            f"SELECT {WEEK_HOURS} FROM timetrack_timecard t"
            " WHERE t.date >= %s AND t.date <= %s GROUP BY 1",
            [first_week, today],
        )
        weeks = selectors.every_week(cursor.fetchall(), periods.weeks_between(first_week, today))
    return DashboardSummary(
        today=today,
        month_start=month_start,
        my_hours_month=my_hours,
        team_hours_month=all_hours or ZERO,
        team_billable_month=billable_hours or ZERO,
        unbilled_hours=unbilled_hours or ZERO,
        unbilled_value=unbilled_value or ZERO,
        unbilled_count=unbilled_count,
        outstanding_total=outstanding_total or ZERO,
        outstanding_count=outstanding_count,
        overdue_count=overdue_count,
        overdue_total=overdue_total or ZERO,
        weeks=weeks,
    )


def invoice_summary(*, today: datetime.date) -> InvoiceReport:
    """``selectors.invoice_summary`` in hand-written SQL: the same four queries."""
    buckets, bucket_params = [], []
    for index, (_, first_day, last_day) in enumerate(selectors.AGING_BUCKETS):
        bounds = []
        if first_day > 0:
            bounds.append("issued_on <= %s")
            bucket_params.append(today - datetime.timedelta(days=first_day))
        if last_day is not None:
            bounds.append("issued_on >= %s")
            bucket_params.append(today - datetime.timedelta(days=last_day))
        buckets.append(f"WHEN {' AND '.join(bounds)} THEN {index}")
    first_month = periods.add_months(today, -(selectors.REVENUE_MONTHS - 1))
    paid = "status = %s AND paid_on >= %s AND paid_on < %s"
    paid_params = [InvoiceStatus.PAID.value, first_month, periods.add_months(today, 1)]
    with _cursor() as cursor:
        cursor.execute("SELECT status, COUNT(id), SUM(total) FROM timetrack_invoice GROUP BY 1")
        by_status = {status: (count, amount) for status, count, amount in cursor.fetchall()}
        cursor.execute(
            f"SELECT CASE {' '.join(buckets)} END, COUNT(id), SUM(total)"
            " FROM timetrack_invoice WHERE status = %s GROUP BY 1",
            [*bucket_params, InvoiceStatus.SENT.value],
        )
        by_bucket = {bucket: (count, amount) for bucket, count, amount in cursor.fetchall()}
        cursor.execute(
            "SELECT date_trunc('month', paid_on)::date, SUM(total), COUNT(id)"
            f" FROM timetrack_invoice WHERE {paid} GROUP BY 1",
            paid_params,
        )
        per_month = {month: (amount, count) for month, amount, count in cursor.fetchall()}
        cursor.execute(
            "SELECT i.client_id, c.name, SUM(i.total), COUNT(i.id) FROM timetrack_invoice i"
            " JOIN timetrack_client c ON c.id = i.client_id"
            f" WHERE {paid.replace('status', 'i.status').replace('paid_on', 'i.paid_on')}"
            " GROUP BY 1, 2 ORDER BY 3 DESC, 2 ASC LIMIT %s",
            [*paid_params, selectors.TOP_CLIENTS],
        )
        top = cursor.fetchall()
    months = []
    for n in range(selectors.REVENUE_MONTHS):
        month = periods.add_months(first_month, n)
        amount, count = per_month.get(month, (None, 0))
        months.append(MonthRevenue(month=month, total=amount or ZERO, count=count))
    revenue = sum((month.total for month in months), ZERO)
    aging = []
    for index, (label, _, _) in enumerate(selectors.AGING_BUCKETS):
        count, amount = by_bucket.get(index, (0, ZERO))
        aging.append(AgingBucket(label=label, count=count, total=amount or ZERO))
    return InvoiceReport(
        today=today,
        statuses=[
            StatusTotal(
                status=value,
                label=label,
                count=by_status.get(value, (0, None))[0],
                total=by_status.get(value, (0, None))[1] or ZERO,
            )
            for value, label in InvoiceStatus.choices
        ],
        aging=aging,
        months=months,
        top_clients=[
            ClientRevenue(
                client_id=client_id,
                client=client,
                total=amount,
                count=count,
                share=None if not revenue else amount * 100 / revenue,
            )
            for client_id, client, amount, count in top
        ],
    )


def _timed(read: Callable[[], object]) -> tuple[float, float]:
    """Milliseconds of one call in all and in statements."""
    seconds, clock = own_time.timed(read)
    return seconds * 1000, clock.statements * 1000


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


def compare(hours_pages: dict[str, str], user: AbstractBaseUser) -> dict:
    """The ORM's selectors against the hand-written ones, for the hours pages named (with
    their urls: the filters are read from the query string as the page reads them), the
    unbilled page, the dashboard (as ``user`` opens it) and the invoices page:
    milliseconds in all and of Python, and what the hand-written SQL saved."""
    today = timezone.localdate()
    found = {}
    read_your_writes.forget()  # this process logged the user in: read as a request would
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
        found["dashboard"] = _compared(
            lambda: selectors.dashboard_summary(user=user, today=today),
            lambda: dashboard_summary(user=user, today=today),
            operator.eq,
        )
        found["invoices"] = _compared(
            lambda: selectors.invoice_summary(today=today),
            lambda: invoice_summary(today=today),
            operator.eq,
        )
    return found
