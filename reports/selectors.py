"""The report queries.

Each report runs a fixed number of aggregate queries, whatever the number of timecards
or invoices (annotate/values with filtered sums, ``TruncWeek``/``TruncMonth``), and
returns evaluated data: dataclasses and lists, never a lazy ``QuerySet``. The report
views call these inside ``read_from("standby")``; a queryset handed back unevaluated
would run wherever it happens to be iterated, possibly after the scope ended, on the
primary. The exception is the CSV export (``timecard_export_csv``, and on SQLite the
rows of ``timecard_export_rows``), lazy by design: the view streams it, and ``read_from``
keeps the streaming body in the scope.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import connections, router, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, TruncMonth, TruncWeek

from reports.csv_copy import bound_sql, copy_csv
from reports.csv_export import FORMULA_TRIGGERS, counted, csv_lines, in_chunks
from timetrack import periods
from timetrack.models import Invoice, InvoiceStatus, Timecard, TimecardStatus

ZERO = Decimal("0")
MONEY = DecimalField(max_digits=14, decimal_places=2)
UNBILLED_VALUE = Sum(F("hours") * F("user__profile__hourly_rate"), output_field=MONEY)
"""Approved billable time priced at each owner's current hourly rate (not yet frozen)."""

AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0\N{EN DASH}30 days", 0, 30),
    ("31\N{EN DASH}60 days", 31, 60),
    ("61\N{EN DASH}90 days", 61, 90),
    ("Over 90 days", 91, None),
)
"""Days since an unpaid sent invoice was issued: (label, first day, last day or open)."""

REVENUE_MONTHS = 12
TOP_CLIENTS = 10
ROWS_PER_PAGE = 50
"""Rows on one page of a report's per-person tables (hours by person, and the unbilled
people and client-person pairs): there are hundreds of people, too many for one page to
send and draw (a person's weeks alone are a row of up to 26 cells)."""


# --- Shared shapes --------------------------------------------------------------------


@dataclass(frozen=True)
class TimecardFilters:
    """What the hours report and the CSV export are limited to."""

    start: datetime.date
    end: datetime.date
    user_id: int | None = None
    client_id: int | None = None
    project_id: int | None = None
    status: str | None = None

    def as_q(self) -> Q:
        q = Q(date__gte=self.start, date__lte=self.end)
        if self.user_id is not None:
            q &= Q(user_id=self.user_id)
        if self.client_id is not None:
            q &= Q(project__client_id=self.client_id)
        if self.project_id is not None:
            q &= Q(project_id=self.project_id)
        if self.status:
            q &= Q(status=self.status)
        return q


@dataclass(frozen=True)
class WeekHours:
    week: datetime.date
    billable: Decimal = ZERO
    non_billable: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.billable + self.non_billable


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, or ``None`` when there is no whole."""
    return None if not whole else part * 100 / whole


def _hours_split() -> dict[str, Sum]:
    # Not named "billable": an annotation of that name would shadow the field in the
    # other sum's filter.
    return {
        "billable_hours": Sum("hours", filter=Q(billable=True)),
        "non_billable_hours": Sum("hours", filter=Q(billable=False)),
    }


def _week_of(field: str) -> Cast:
    """The Monday of the week of a date ``field``, read as a date.

    ``TruncWeek`` of a date column is a timestamp with time zone on PostgreSQL, which the
    driver reads with its offset and Django turns back into a date, row by row; cast to
    a date in the query, it is read as one, and groups on a smaller key. On SQLite it
    is ``date(django_date_trunc(...))``, which Django reads as a date too.
    """
    return Cast(TruncWeek(field), DateField())


def week_hours(
    week: datetime.date, billable: Decimal | None, non_billable: Decimal | None
) -> WeekHours:
    """A week's hours as a grouped query reads them: a sum over no rows is None, here 0."""
    return WeekHours(week, billable or ZERO, non_billable or ZERO)


def every_week(rows: Iterable[tuple], weeks: list[datetime.date]) -> list[WeekHours]:
    """``weeks`` in order, each with its hours from ``rows`` of ``(week, billable,
    non-billable)``, or none: a week nobody logged has no row."""
    found = {row[0]: week_hours(*row) for row in rows}
    return [found.get(week, WeekHours(week)) for week in weeks]


def _weekly_hours(q: Q, weeks: list[datetime.date]) -> list[WeekHours]:
    """Billable and non-billable hours of the matching timecards, every week present."""
    rows = (
        Timecard.objects.filter(q)
        .annotate(week=_week_of("date"))
        .values("week")
        .annotate(**_hours_split())
        .values_list("week", *_hours_split())
        .order_by()
    )
    return every_week(rows, weeks)


# --- Dashboard ------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardSummary:
    today: datetime.date
    month_start: datetime.date
    my_hours_month: Decimal
    team_hours_month: Decimal
    team_billable_month: Decimal
    unbilled_hours: Decimal
    unbilled_value: Decimal
    unbilled_count: int
    outstanding_total: Decimal
    outstanding_count: int
    overdue_count: int
    overdue_total: Decimal
    weeks: list[WeekHours]

    @property
    def billable_share(self) -> Decimal | None:
        return _share(self.team_billable_month, self.team_hours_month)


DASHBOARD_WEEKS = 12
"""How many weeks the dashboard's chart shows, this one the last."""


def dashboard_summary(
    *, user: AbstractBaseUser, today: datetime.date, weeks: int = DASHBOARD_WEEKS
) -> DashboardSummary:
    """The dashboard's stat cards and its last ``weeks`` weeks of hours (six queries)."""
    month_start = periods.month_start(today)
    try:
        my_timecards = user.profile.timecards
    except ObjectDoesNotExist:
        my_hours = ZERO
    else:
        my_hours = my_timecards.filter(date__gte=month_start, date__lte=today).aggregate(
            total=Sum("hours")
        )["total"]

    month = Timecard.objects.filter(date__gte=month_start, date__lte=today).aggregate(
        all_hours=Sum("hours"), billable_hours=Sum("hours", filter=Q(billable=True))
    )
    unbilled = Timecard.objects.filter(
        status=TimecardStatus.APPROVED, billable=True, invoice__isnull=True
    ).aggregate(unbilled_hours=Sum("hours"), value=UNBILLED_VALUE, count=Count("id"))
    # Only sent invoices count, so only they are read (an index range, not every invoice).
    overdue = Q(due_on__lt=today)
    invoices = Invoice.objects.filter(status=InvoiceStatus.SENT).aggregate(
        outstanding_total=Sum("total"),
        outstanding_count=Count("id"),
        overdue_total=Sum("total", filter=overdue),
        overdue_count=Count("id", filter=overdue),
    )
    first_week = periods.weeks_back(today, weeks - 1)
    return DashboardSummary(
        today=today,
        month_start=month_start,
        my_hours_month=my_hours or ZERO,
        team_hours_month=month["all_hours"] or ZERO,
        team_billable_month=month["billable_hours"] or ZERO,
        unbilled_hours=unbilled["unbilled_hours"] or ZERO,
        unbilled_value=unbilled["value"] or ZERO,
        unbilled_count=unbilled["count"],
        outstanding_total=invoices["outstanding_total"] or ZERO,
        outstanding_count=invoices["outstanding_count"],
        overdue_count=invoices["overdue_count"],
        overdue_total=invoices["overdue_total"] or ZERO,
        weeks=_weekly_hours(
            Q(date__gte=first_week, date__lte=today), periods.weeks_between(first_week, today)
        ),
    )


# --- Hours per person per week --------------------------------------------------------


@dataclass(frozen=True)
class PersonWeeks:
    user_id: int
    username: str
    full_name: str
    cells: list[WeekHours]
    """One per week of the report, in the report's order."""

    @property
    def name(self) -> str:
        return self.full_name or self.username

    @property
    def billable(self) -> Decimal:
        return sum((cell.billable for cell in self.cells), ZERO)

    @property
    def non_billable(self) -> Decimal:
        return sum((cell.non_billable for cell in self.cells), ZERO)

    @property
    def total(self) -> Decimal:
        return self.billable + self.non_billable


@dataclass(frozen=True)
class HoursReport:
    filters: TimecardFilters
    weeks: list[datetime.date]
    week_totals: list[WeekHours]
    """Everyone's hours per week (every page's people, not only this page's)."""
    page: Page
    """This page of the per-person table: ``PersonWeeks`` by username, and where they
    sit among everyone with hours (number, counts, neighbours)."""

    @property
    def people(self) -> list[PersonWeeks]:
        """The people on this page of the per-person table."""
        return self.page.object_list

    @property
    def billable(self) -> Decimal:
        return sum((week.billable for week in self.week_totals), ZERO)

    @property
    def non_billable(self) -> Decimal:
        return sum((week.non_billable for week in self.week_totals), ZERO)

    @property
    def total(self) -> Decimal:
        return self.billable + self.non_billable

    @property
    def billable_share(self) -> Decimal | None:
        return _share(self.billable, self.total)


def hours_by_person_week(
    *, filters: TimecardFilters, page: int | str | None = 1, per_page: int | None = None
) -> HoursReport:
    """Hours per week of everyone, and per person per week of one page of people.

    Three queries whatever the data size: the week totals, the people with hours in
    the range (by username, for the pages), and the weeks of this page's people only.
    ``page`` is taken as ``Paginator.get_page`` takes it: a page past the end (or below
    1) gives the last one, anything not a number the first; ``per_page`` is
    ``ROWS_PER_PAGE`` unless given. Paged here, not in the view: only this page's
    people have their weeks read. The timecards are grouped by ids and
    week, never by name: grouping by names would join and sort every timecard by text.
    """
    weeks = periods.weeks_between(filters.start, filters.end)
    matching = Timecard.objects.filter(filters.as_q()).order_by()
    week_totals = _weekly_hours(filters.as_q(), weeks)
    people = (
        get_user_model()
        .objects.filter(Exists(matching.filter(user_id=OuterRef("pk"))))
        .order_by("username")
        .values_list("pk", "username", "first_name", "last_name")
    )
    people_page = Paginator(list(people), per_page or ROWS_PER_PAGE).get_page(page)
    cells = []
    if people_page.object_list:
        cells = (
            matching.filter(user_id__in=[person[0] for person in people_page])
            .annotate(week=_week_of("date"))
            .values("user_id", "week")
            .annotate(**_hours_split())
            .values_list("user_id", "week", *_hours_split())  # tuples: no dict a row
        )
    return hours_report_from_rows(filters, weeks, week_totals, people_page, cells)


def hours_report_from_rows(
    filters: TimecardFilters,
    weeks: list[datetime.date],
    week_totals: list[WeekHours],
    people_page: Page,
    cells: Iterable[tuple],
) -> HoursReport:
    """The hours report from what its queries read: a page of people as
    ``(id, username, first name, last name)`` and their weeks' hours as
    ``(user id, week, billable, non-billable)``. Apart from ``hours_by_person_week`` so
    that ``bench/hand_sql.py`` builds its report the same way."""
    cells_of: dict[int, dict[datetime.date, WeekHours]] = {}
    for user_id, week, billable, non_billable in cells:
        cells_of.setdefault(user_id, {})[week] = week_hours(week, billable, non_billable)
    no_hours = [WeekHours(week) for week in weeks]  # one per week, shared by the rows
    person_rows = []
    for user_id, username, first_name, last_name in people_page:
        person_cells = cells_of.get(user_id, {})
        person_rows.append(
            PersonWeeks(
                user_id=user_id,
                username=username,
                full_name=f"{first_name} {last_name}".strip(),
                cells=[
                    person_cells.get(week, empty)
                    for week, empty in zip(weeks, no_hours, strict=True)
                ],
            )
        )
    return HoursReport(
        filters=filters,
        weeks=weeks,
        week_totals=week_totals,
        page=Page(person_rows, people_page.number, people_page.paginator),
    )


# --- Unbilled time --------------------------------------------------------------------


@dataclass(slots=True)
class UnbilledLine:
    """Approved billable time not on any invoice yet, for one client, person or both.

    Not frozen: the report makes thousands of them per page, and a frozen dataclass
    sets each field through a call of ``object.__setattr__`` instead of a plain store.
    """

    hours: Decimal
    value: Decimal
    oldest: datetime.date
    timecards: int
    client_id: int | None = None
    client: str = ""
    user_id: int | None = None
    username: str = ""
    full_name: str = ""
    hourly_rate: Decimal | None = None

    @property
    def person(self) -> str:
        return self.full_name or self.username


@dataclass(frozen=True)
class UnbilledReport:
    today: datetime.date
    by_client: list[UnbilledLine] = field(default_factory=list)
    by_person: list[UnbilledLine] = field(default_factory=list)
    by_client_person: list[UnbilledLine] = field(default_factory=list)

    @property
    def hours(self) -> Decimal:
        return sum((line.hours for line in self.by_client), ZERO)

    @property
    def value(self) -> Decimal:
        return sum((line.value for line in self.by_client), ZERO)

    @property
    def oldest(self) -> datetime.date | None:
        return min((line.oldest for line in self.by_client), default=None)

    @property
    def oldest_age_days(self) -> int | None:
        return None if self.oldest is None else (self.today - self.oldest).days


def unbilled_time(*, today: datetime.date) -> UnbilledReport:
    """Approved billable time not invoiced yet, by client and person, by client, by person.

    One query: the timecards waiting to be billed, grouped by (person, client) pair.
    The per-client and per-person lines are added up from those pairs here, which
    is exact (sums, counts and the earliest day all roll up) and cheaper than two
    more passes over the same timecards in the database (BENCHMARKS.md). Grouped by
    ids only, the names taken with MIN() (one per id): grouping by the names would
    sort every unbilled timecard by text before adding it up.
    """
    pairs = (
        Timecard.objects.filter(status=TimecardStatus.APPROVED, billable=True, invoice__isnull=True)
        .values("user_id", client_id=F("project__client_id"))
        .annotate(
            client=Min("project__client__name"),
            username=Min("user__username"),
            first_name=Min("user__first_name"),
            last_name=Min("user__last_name"),
            hourly_rate=Min("user__profile__hourly_rate"),
            # Named apart from the model's fields: an aggregate called "hours" would
            # make the F("hours") inside UNBILLED_VALUE refer to it.
            total_hours=Sum("hours"),
            value=UNBILLED_VALUE,
            oldest=Min("date"),
            timecards=Count("id"),
        )
        .order_by("client", "username")
        .values_list(  # tuples: no dict for each of a thousand pairs
            "user_id", "client_id", "client", "username", "first_name", "last_name",
            "hourly_rate", "total_hours", "value", "oldest", "timecards",
        )
    )  # fmt: skip
    return unbilled_from_rows(today, pairs)


def unbilled_from_rows(today: datetime.date, pairs: Iterable[tuple]) -> UnbilledReport:
    """The unbilled report from its (person, client) rows, already sorted by client and
    user name, each ``(user id, client id, client, username, first name, last name,
    hourly rate, hours, value, oldest day, timecards)``: the per-client and per-person
    lines are added up from them and sorted by value. Apart from ``unbilled_time`` so
    that ``bench/hand_sql.py`` builds its report the same way."""
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
    by_client = _roll_up(by_client_person, "client_id", keep=("client_id", "client"))
    by_person = _roll_up(
        by_client_person, "user_id", keep=("user_id", "username", "full_name", "hourly_rate")
    )
    return UnbilledReport(
        today=today,
        by_client=sorted(by_client, key=lambda line: (-line.value, line.client)),
        by_person=sorted(by_person, key=lambda line: (-line.value, line.username)),
        by_client_person=by_client_person,
    )


def _roll_up(
    lines: Iterable[UnbilledLine], key: str, *, keep: tuple[str, ...]
) -> list[UnbilledLine]:
    """One line per distinct ``key`` of ``lines``: their sums, counts and earliest day."""
    totals: dict[object, list] = {}
    for line in lines:
        total = totals.get(getattr(line, key))
        if total is None:
            totals[getattr(line, key)] = [line.hours, line.value, line.oldest, line.timecards, line]
        else:
            total[0] += line.hours
            total[1] += line.value
            total[2] = min(total[2], line.oldest)
            total[3] += line.timecards
    return [
        UnbilledLine(
            hours=hours,
            value=value,
            oldest=oldest,
            timecards=timecards,
            **{name: getattr(first, name) for name in keep},
        )
        for hours, value, oldest, timecards, first in totals.values()
    ]


# --- Invoices -------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusTotal:
    status: str
    label: str
    count: int
    total: Decimal


@dataclass(frozen=True)
class AgingBucket:
    label: str
    count: int
    total: Decimal


@dataclass(frozen=True)
class MonthRevenue:
    month: datetime.date
    total: Decimal
    count: int


@dataclass(frozen=True)
class ClientRevenue:
    client_id: int
    client: str
    total: Decimal
    count: int
    share: Decimal | None


@dataclass(frozen=True)
class InvoiceReport:
    today: datetime.date
    statuses: list[StatusTotal]
    aging: list[AgingBucket]
    months: list[MonthRevenue]
    top_clients: list[ClientRevenue]

    @property
    def invoice_count(self) -> int:
        return sum(status.count for status in self.statuses)

    @property
    def invoiced_total(self) -> Decimal:
        return sum((status.total for status in self.statuses), ZERO)

    @property
    def unpaid_count(self) -> int:
        return sum(bucket.count for bucket in self.aging)

    @property
    def unpaid_total(self) -> Decimal:
        return sum((bucket.total for bucket in self.aging), ZERO)

    @property
    def revenue_total(self) -> Decimal:
        return sum((month.total for month in self.months), ZERO)

    @property
    def first_month(self) -> datetime.date:
        return self.months[0].month


def invoice_summary(*, today: datetime.date) -> InvoiceReport:
    """Totals by status, aging of unpaid invoices, monthly revenue, top clients (4 queries)."""
    by_status = {
        row["status"]: row
        for row in Invoice.objects.values("status")
        .annotate(count=Count("id"), amount=Sum("total"))
        .order_by()
    }
    statuses = [
        StatusTotal(
            status=value,
            label=label,
            count=by_status.get(value, {}).get("count", 0),
            total=by_status.get(value, {}).get("amount") or ZERO,
        )
        for value, label in InvoiceStatus.choices
    ]

    # Each unpaid sent invoice falls in one bucket (a CASE), then one row a bucket: cheaper
    # to build than a filtered count and sum per bucket, and the same scan. A CASE takes
    # the first bucket that matches, so AGING_BUCKETS must not overlap (they do not).
    in_buckets = []
    for index, (_, first_day, last_day) in enumerate(AGING_BUCKETS):
        # The first bucket has no upper bound on the date: an invoice dated ahead is new.
        in_bucket = Q()
        if first_day > 0:
            in_bucket &= Q(issued_on__lte=today - datetime.timedelta(days=first_day))
        if last_day is not None:
            in_bucket &= Q(issued_on__gte=today - datetime.timedelta(days=last_day))
        in_buckets.append(When(in_bucket, then=Value(index)))
    by_bucket = {
        bucket: (count, amount)
        for bucket, count, amount in Invoice.objects.filter(status=InvoiceStatus.SENT)
        .annotate(bucket=Case(*in_buckets, output_field=IntegerField()))
        .values("bucket")
        .annotate(count=Count("id"), amount=Sum("total"))
        .values_list("bucket", "count", "amount")
        .order_by()
    }
    aging = []
    for index, (label, _, _) in enumerate(AGING_BUCKETS):
        count, amount = by_bucket.get(index, (0, ZERO))
        aging.append(AgingBucket(label=label, count=count, total=amount or ZERO))

    first_month = periods.add_months(today, -(REVENUE_MONTHS - 1))
    paid = Invoice.objects.filter(
        status=InvoiceStatus.PAID,
        paid_on__gte=first_month,
        paid_on__lt=periods.add_months(today, 1),
    ).order_by()
    per_month = {
        row["month"]: row
        for row in paid.annotate(month=TruncMonth("paid_on"))
        .values("month")
        .annotate(amount=Sum("total"), count=Count("id"))
    }
    months = [
        MonthRevenue(
            month=month,
            total=per_month.get(month, {}).get("amount") or ZERO,
            count=per_month.get(month, {}).get("count", 0),
        )
        for month in (periods.add_months(first_month, n) for n in range(REVENUE_MONTHS))
    ]
    revenue = sum((month.total for month in months), ZERO)
    top_clients = [
        ClientRevenue(
            client_id=row["client_id"],
            client=row["client__name"],
            total=row["amount"],
            count=row["count"],
            share=_share(row["amount"], revenue),
        )
        for row in paid.values("client_id", "client__name")
        .annotate(amount=Sum("total"), count=Count("id"))
        .order_by("-amount", "client__name")[:TOP_CLIENTS]
    ]
    return InvoiceReport(
        today=today, statuses=statuses, aging=aging, months=months, top_clients=top_clients
    )


# --- CSV export -----------------------------------------------------------------------

EXPORT_HEADER = (
    "date",
    "person",
    "client",
    "project",
    "project_code",
    "hours",
    "billable",
    "status",
    "invoice",
    "description",
)
EXPORT_CHUNK_SIZE = 2000


def _export_queryset(filters: TimecardFilters):
    return (
        Timecard.objects.filter(filters.as_q()).order_by("date", "id").values_list(*EXPORT_FIELDS)
    )


EXPORT_FIELDS = (
    "date",
    "user__username",
    "project__client__name",
    "project__name",  # as every page names it; the code has a column of its own
    "project__code",
    "hours",
    "billable",
    "status",
    "invoice__number",
    "description",
)
"""The model fields behind ``EXPORT_HEADER``, in its order."""


def timecard_export_rows(*, filters: TimecardFilters) -> Iterator[tuple]:
    """The matching timecards as tuples in ``EXPORT_HEADER`` order, oldest first.

    A generator on purpose: nothing runs until the CSV response is consumed, and then
    the rows are fetched ``EXPORT_CHUNK_SIZE`` at a time, so memory stays flat however
    many rows there are. The consumer must iterate it inside the read scope (a
    streaming response returned by a ``read_from`` view is). SQLite's way; PostgreSQL
    writes the CSV itself (:func:`timecard_export_copy_sql`).
    """
    rows = _export_queryset(filters)
    # Inside a transaction the server-side cursor is WITHOUT HOLD: PostgreSQL streams
    # it, where a WITH HOLD cursor (outside one) is run to the end and stored before the
    # first row, and each fetch stays under the report statement timeout.
    with transaction.atomic(using=router.db_for_read(Timecard)):
        yield from rows.iterator(chunk_size=EXPORT_CHUNK_SIZE)


def _guarded(column: str) -> str:
    """SQL for a text cell as ``csv_export.format_cell`` writes it: empty for NULL or '',
    a leading quote before a formula trigger (``csv_export.FORMULA_TRIGGERS``)."""
    triggers = ", ".join(_sql_text(trigger) for trigger in FORMULA_TRIGGERS)
    return (
        f"case when left({column}, 1) in ({triggers}) then '''' || {column}"
        f" else nullif({column}, '') end"
    )


def _sql_text(value: str) -> str:
    """A SQL string literal (E'' form) of ``value``, tabs and carriage returns escaped."""
    escaped = value.replace("\\", "\\\\").replace("'", "''")
    return "E'" + escaped.replace("\t", "\\t").replace("\r", "\\r") + "'"


EXPORT_COPY_SELECT = f"""
select to_char(e.date, 'YYYY-MM-DD') as date, {_guarded("e.person")} as person,
       {_guarded("e.client")} as client, {_guarded("e.project")} as project,
       {_guarded("e.project_code")} as project_code, e.hours::text as hours,
       case when e.billable then 'yes' else 'no' end as billable,
       {_guarded("e.status")} as status, {_guarded("e.invoice")} as invoice,
       {_guarded("e.description")} as description
from ({{timecards}}) as e({", ".join(EXPORT_HEADER)})
"""
"""The export's cells formatted by PostgreSQL exactly as ``csv_export.format_cell``
formats them in Python: ISO dates, decimals as stored, yes/no, the formula guard."""


def timecard_export_select(*, filters: TimecardFilters, alias: str) -> str:
    """The ORM's query of :func:`timecard_export_rows` for ``alias``, parameters bound.

    Its ORDER BY holds in ``EXPORT_COPY_SELECT`` around it: PostgreSQL does not flatten a
    subquery that has one, and scans its rows in that order (the tests compare the bytes
    with the Python writer's, order included).
    """
    sql, params = _export_queryset(filters).query.get_compiler(using=alias).as_sql()
    return bound_sql(alias, sql, params)


def timecard_export_copy_sql(*, filters: TimecardFilters, alias: str) -> str:
    """The SELECT whose ``COPY ... TO STDOUT (FORMAT csv, HEADER)`` is the export, on
    ``alias``: the ORM's query (the same filters and order as the rows), its cells
    formatted in SQL (``EXPORT_COPY_SELECT``)."""
    return EXPORT_COPY_SELECT.format(timecards=timecard_export_select(filters=filters, alias=alias))


def timecard_export_csv(*, filters: TimecardFilters) -> Iterator[bytes | str]:
    """The export as CSV, chunk by chunk, oldest timecard first, header included.

    On PostgreSQL the server writes it (``COPY``, :mod:`reports.csv_copy`); elsewhere
    Python does (:mod:`reports.csv_export`). The same bytes either way. Where it reads is
    decided, and the COPY prepared on that connection, when this is called (in the
    view, inside its read scope): a standby that fails then fails the view, which runs
    again on the primary, where one that fails once the download has begun can only cut
    it short.
    """
    alias = router.db_for_read(Timecard)
    if connections[alias].vendor == "postgresql":
        return copy_csv(alias, timecard_export_copy_sql(filters=filters, alias=alias))
    rows = counted(timecard_export_rows(filters=filters), alias)
    return in_chunks(csv_lines(EXPORT_HEADER, rows))
