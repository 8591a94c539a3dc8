"""The report selectors' figures, on a small hand-made data set whose answers are known.

The selectors run inside ``read_from("standby")`` as the views run them. The figures
need only the data, so the reports read the primary in the test transaction
(``REPORT_DATA``: tests/conftest.py says why a standby cannot share it).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db.models import QuerySet
from django.utils import timezone

from accounts.factories import StaffFactory, UserFactory
from core.routing import read_from
from reports import selectors
from reports.selectors import TimecardFilters
from tests.conftest import REPORT_DATA
from timetrack import services
from timetrack.factories import ClientFactory, ProjectFactory, TimecardFactory
from timetrack.models import Invoice
from timetrack.periods import add_months, week_start

pytestmark = REPORT_DATA

D = Decimal


REPORTS = "default"
"""Where the report scope reads in these tests: the primary (the site without a standby).
tests/reports/test_views_routing.py checks where they read on a real standby."""


@contextmanager
def in_a_report_scope() -> Iterator[None]:
    """``read_from("standby")``, as the report views run the selectors."""
    with read_from("standby"):
        yield


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def billed(
    *,
    user,
    client,
    hours: str,
    issued_on: datetime.date,
    sent_on: datetime.date | None = None,
    paid_on: datetime.date | None = None,
) -> Invoice:
    """An invoice made the real way: approved time, generated, then sent and paid."""
    project = ProjectFactory(client=client)
    TimecardFactory(user=user, project=project, date=issued_on, hours=D(hours), approved=True)
    invoice = services.invoice_generate(
        user=user,
        client=client,
        period_start=issued_on,
        period_end=issued_on,
        requested_by=StaffFactory(),
        issued_on=issued_on,
    )
    if sent_on is not None:
        invoice = services.invoice_mark_sent(invoice=invoice, sent_on=sent_on)
    if paid_on is not None:
        invoice = services.invoice_mark_paid(invoice=invoice, paid_on=paid_on)
    return invoice


# --- Hours per person per week ---------------------------------------------------------


@pytest.fixture
def hours_data():
    monday = week_start(timezone.localdate())
    last_week, three_weeks_ago = (monday - datetime.timedelta(weeks=n) for n in (1, 3))
    alice = UserFactory(username="alice", first_name="Alice", last_name="Archer")
    bob = UserFactory(username="bob", first_name="", last_name="")
    project = ProjectFactory()
    TimecardFactory(user=alice, project=project, date=last_week, hours=D("8.00"))
    TimecardFactory(
        user=alice,
        project=project,
        date=last_week + datetime.timedelta(days=1),
        hours=D("2.50"),
        billable=False,
    )
    TimecardFactory(user=alice, project=project, date=three_weeks_ago, hours=D("5.00"))
    TimecardFactory(user=bob, date=last_week + datetime.timedelta(days=4), hours=D("4.00"))
    # Outside the range: the week before the default start.
    TimecardFactory(user=bob, project=project, date=monday - datetime.timedelta(weeks=9))
    return {
        "monday": monday,
        "last_week": last_week,
        "three_weeks_ago": three_weeks_ago,
        "alice": alice,
        "bob": bob,
        "project": project,
    }


def test_hours_per_person_per_week(hours_data):
    monday = hours_data["monday"]
    filters = TimecardFilters(start=monday - datetime.timedelta(weeks=8), end=monday)

    with in_a_report_scope():
        report = selectors.hours_by_person_week(filters=filters)

    assert report.weeks[0] == monday - datetime.timedelta(weeks=8)
    assert report.weeks[-1] == monday
    assert len(report.weeks) == 9
    assert [person.username for person in report.people] == ["alice", "bob"]
    alice, bob = report.people
    cells = {cell.week: cell for cell in alice.cells}
    assert cells[hours_data["last_week"]].billable == D("8.00")
    assert cells[hours_data["last_week"]].non_billable == D("2.50")
    assert cells[hours_data["three_weeks_ago"]].total == D("5.00")
    assert cells[monday].total == 0
    assert (alice.billable, alice.non_billable, alice.total) == (D("13"), D("2.5"), D("15.5"))
    assert alice.name == "Alice Archer"
    assert bob.name == "bob"
    totals = {week.week: week for week in report.week_totals}
    assert totals[hours_data["last_week"]].billable == D("12.00")
    assert totals[hours_data["last_week"]].non_billable == D("2.50")
    assert report.total == D("19.50")
    assert report.billable_share == D("17") * 100 / D("19.5")


def test_hours_filters_narrow_the_report(hours_data):
    monday = hours_data["monday"]
    start = monday - datetime.timedelta(weeks=8)

    with in_a_report_scope():
        by_person = selectors.hours_by_person_week(
            filters=TimecardFilters(start=start, end=monday, user_id=hours_data["bob"].pk)
        )
        by_project = selectors.hours_by_person_week(
            filters=TimecardFilters(start=start, end=monday, project_id=hours_data["project"].pk)
        )
        by_client = selectors.hours_by_person_week(
            filters=TimecardFilters(
                start=start, end=monday, client_id=hours_data["project"].client_id
            )
        )
        approved_only = selectors.hours_by_person_week(
            filters=TimecardFilters(start=start, end=monday, status="approved")
        )

    assert [(p.username, p.total) for p in by_person.people] == [("bob", D("4"))]
    assert [(p.username, p.total) for p in by_project.people] == [("alice", D("15.5"))]
    assert by_client.total == D("15.5")
    assert approved_only.people == []
    assert approved_only.total == 0


def test_hours_per_person_come_a_page_at_a_time(hours_data, queries_by_alias):
    monday = hours_data["monday"]
    filters = TimecardFilters(start=monday - datetime.timedelta(weeks=8), end=monday)

    with in_a_report_scope(), queries_by_alias(REPORTS) as queries:
        first = selectors.hours_by_person_week(filters=filters, page=1, per_page=1)
        second = selectors.hours_by_person_week(filters=filters, page="2", per_page=1)
        past_the_end = selectors.hours_by_person_week(filters=filters, page=9, per_page=1)
        not_a_number = selectors.hours_by_person_week(filters=filters, page="x", per_page=1)

    assert [p.username for p in first.people] == ["alice"]
    assert [p.username for p in second.people] == ["bob"]
    assert second.people[0].total == D("4")
    assert [p.username for p in past_the_end.people] == ["bob"]
    assert [p.username for p in not_a_number.people] == ["alice"]
    assert (first.page.number, first.page.paginator.count, first.page.has_next()) == (1, 2, True)
    # The week totals and the report's totals are everyone's, on every page.
    for report in (first, second):
        assert report.total == D("19.50")
        totals = {week.week: week.total for week in report.week_totals}
        assert totals[hours_data["last_week"]] == D("14.50")
    # Three queries each: week totals, the people with hours, this page's weeks.
    timecard_queries = queries.touching(REPORTS, "timetrack_timecard")
    assert len(timecard_queries) == 4 * 3
    # The weeks are read for the page's people only: alice's page names alice alone.
    first_page_weeks = timecard_queries[2]
    assert '"user_id" IN (' in first_page_weeks
    assert f"IN ({hours_data['alice'].pk})" in first_page_weeks


# --- Unbilled time ---------------------------------------------------------------------


@pytest.fixture
def unbilled_data():
    alice = UserFactory(username="alice", hourly_rate=D("100.00"))
    bob = UserFactory(username="bob", hourly_rate=D("50.00"))
    acme, globex = ClientFactory(name="Acme"), ClientFactory(name="Globex")
    acme_project, globex_project = ProjectFactory(client=acme), ProjectFactory(client=globex)
    TimecardFactory(
        user=alice, project=acme_project, date=days_ago(10), hours=D("3"), approved=True
    )
    TimecardFactory(
        user=alice, project=globex_project, date=days_ago(5), hours=D("2"), approved=True
    )
    TimecardFactory(user=bob, project=acme_project, date=days_ago(20), hours=D("4"), approved=True)
    # None of these is unbilled approved billable time:
    TimecardFactory(
        user=bob, project=acme_project, date=days_ago(30), billable=False, approved=True
    )
    TimecardFactory(user=bob, project=acme_project, date=days_ago(40), submitted=True)
    TimecardFactory(user=alice, project=acme_project, date=days_ago(50))
    billed(user=alice, client=acme, hours="6", issued_on=days_ago(60))
    return {"alice": alice, "bob": bob, "acme": acme, "globex": globex}


def test_unbilled_value_by_client_and_person(unbilled_data):
    with in_a_report_scope():
        report = selectors.unbilled_time(today=timezone.localdate())

    by_client = {line.client: line for line in report.by_client}
    assert [line.client for line in report.by_client] == ["Acme", "Globex"]
    assert (by_client["Acme"].hours, by_client["Acme"].value) == (D("7"), D("500.00"))
    assert by_client["Acme"].oldest == days_ago(20)
    assert by_client["Acme"].timecards == 2
    assert (by_client["Globex"].hours, by_client["Globex"].value) == (D("2"), D("200.00"))

    by_person = {line.username: line for line in report.by_person}
    assert (by_person["alice"].hours, by_person["alice"].value) == (D("5"), D("500.00"))
    assert by_person["alice"].hourly_rate == D("100.00")
    assert (by_person["bob"].hours, by_person["bob"].value) == (D("4"), D("200.00"))
    assert by_person["bob"].oldest == days_ago(20)

    pairs = {(line.client, line.username): line.value for line in report.by_client_person}
    assert pairs == {
        ("Acme", "alice"): D("300.00"),
        ("Acme", "bob"): D("200.00"),
        ("Globex", "alice"): D("200.00"),
    }
    assert (report.hours, report.value) == (D("9"), D("700.00"))
    assert report.oldest == days_ago(20)
    assert report.oldest_age_days == 20


def test_unbilled_time_is_one_query_rolled_up(unbilled_data, queries_by_alias):
    alice = unbilled_data["alice"]
    alice.profile.delete()  # no rate: her time is still unbilled, its value 0
    with in_a_report_scope(), queries_by_alias(REPORTS) as queries:
        report = selectors.unbilled_time(today=timezone.localdate())

    assert len(queries.touching(REPORTS, "timetrack_timecard")) == 1
    by_person = {line.username: line for line in report.by_person}
    # alice's two clients roll up: their hours, counts and the earlier of their days.
    assert (by_person["alice"].hours, by_person["alice"].timecards) == (D("5"), 2)
    assert by_person["alice"].oldest == days_ago(10)
    assert (by_person["alice"].value, by_person["alice"].hourly_rate) == (D("0"), None)
    assert [line.username for line in report.by_person] == ["bob", "alice"]  # by value
    assert report.value == D("200.00")


def test_dashboard_figures(unbilled_data):
    today = timezone.localdate()
    staff = StaffFactory()
    month_start = today.replace(day=1)
    TimecardFactory(user=staff, date=month_start, hours=D("6"))
    TimecardFactory(user=staff, date=today, hours=D("1.5"), billable=False)
    TimecardFactory(user=staff, date=month_start - datetime.timedelta(days=1), hours=D("9"))
    acme = unbilled_data["acme"]
    alice = unbilled_data["alice"]
    billed(user=alice, client=acme, hours="1", issued_on=days_ago(40), sent_on=days_ago(40))
    billed(user=alice, client=acme, hours="2", issued_on=days_ago(3), sent_on=days_ago(3))

    with in_a_report_scope():
        summary = selectors.dashboard_summary(user=staff, today=today)

    assert summary.my_hours_month == D("7.5")
    assert summary.team_hours_month >= D("7.5")
    assert (summary.unbilled_hours, summary.unbilled_value) == (D("9"), D("700.00"))
    assert summary.unbilled_count == 3
    assert (summary.outstanding_count, summary.outstanding_total) == (2, D("300.00"))
    assert (summary.overdue_count, summary.overdue_total) == (1, D("100.00"))
    assert len(summary.weeks) == 12
    assert summary.weeks[-1].week == week_start(today)
    this_week = summary.weeks[-1]
    assert this_week.non_billable >= D("1.5")


def test_billable_share_of_this_month():
    today = timezone.localdate()
    TimecardFactory(date=today, hours=D("6"))
    TimecardFactory(date=today, hours=D("2"), billable=False)

    with in_a_report_scope():
        summary = selectors.dashboard_summary(user=UserFactory(), today=today)

    assert summary.team_hours_month == D("8")
    assert summary.billable_share == D("75")
    assert summary.my_hours_month == 0


# --- Invoices --------------------------------------------------------------------------


@pytest.fixture
def invoice_data():
    alice = UserFactory(hourly_rate=D("100.00"))
    acme, globex = ClientFactory(name="Acme"), ClientFactory(name="Globex")
    # Sent, unpaid: one per aging bucket edge (value 100 per hour tells them apart).
    for days, hours in [(0, "1"), (30, "2"), (31, "3"), (60, "4"), (61, "5"), (90, "6")]:
        billed(
            user=alice, client=acme, hours=hours, issued_on=days_ago(days), sent_on=days_ago(days)
        )
    billed(user=alice, client=globex, hours="7", issued_on=days_ago(91), sent_on=days_ago(91))
    billed(user=alice, client=globex, hours="8", issued_on=days_ago(400), sent_on=days_ago(400))
    # A draft is not unpaid yet.
    billed(user=alice, client=acme, hours="9", issued_on=days_ago(100))
    # Paid: this month, two months ago (twice), and twelve months ago (out of range).
    today = timezone.localdate()
    this_month, two_ago = add_months(today, 0), add_months(today, -2)
    billed(
        user=alice,
        client=acme,
        hours="1.5",
        issued_on=this_month,
        sent_on=this_month,
        paid_on=this_month,
    )
    billed(
        user=alice,
        client=globex,
        hours="2.5",
        issued_on=two_ago,
        sent_on=two_ago,
        paid_on=two_ago + datetime.timedelta(days=3),
    )
    billed(
        user=alice,
        client=globex,
        hours="0.5",
        issued_on=two_ago,
        sent_on=two_ago,
        paid_on=two_ago + datetime.timedelta(days=9),
    )
    year_ago = add_months(today, -12)
    billed(
        user=alice,
        client=acme,
        hours="10",
        issued_on=year_ago,
        sent_on=year_ago,
        paid_on=year_ago + datetime.timedelta(days=27),
    )
    return {"acme": acme, "globex": globex}


def test_invoice_totals_aging_and_revenue(invoice_data):
    today = timezone.localdate()

    with in_a_report_scope():
        report = selectors.invoice_summary(today=today)

    statuses = {status.status: (status.count, status.total) for status in report.statuses}
    assert statuses == {
        "draft": (1, D("900.00")),
        "sent": (8, D("3600.00")),
        "paid": (4, D("1450.00")),
    }
    assert [(bucket.count, bucket.total) for bucket in report.aging] == [
        (2, D("300.00")),  # issued today and 30 days ago
        (2, D("700.00")),  # 31 and 60 days ago
        (2, D("1100.00")),  # 61 and 90 days ago
        (2, D("1500.00")),  # 91 and 400 days ago
    ]
    assert report.unpaid_total == D("3600.00")

    assert len(report.months) == 12
    assert report.months[0].month == add_months(today, -11)
    assert report.months[-1].month == add_months(today, 0)
    revenue = {month.month: (month.count, month.total) for month in report.months}
    assert revenue[add_months(today, 0)] == (1, D("150.00"))
    assert revenue[add_months(today, -2)] == (2, D("300.00"))
    assert revenue[add_months(today, -1)] == (0, D("0"))
    assert report.revenue_total == D("450.00")

    assert [(c.client, c.count, c.total) for c in report.top_clients] == [
        ("Globex", 2, D("300.00")),
        ("Acme", 1, D("150.00")),
    ]
    assert report.top_clients[0].share == D("300") * 100 / D("450")


def test_invoice_report_with_no_invoices():
    with in_a_report_scope():
        report = selectors.invoice_summary(today=timezone.localdate())

    assert [(s.status, s.count, s.total) for s in report.statuses] == [
        ("draft", 0, 0),
        ("sent", 0, 0),
        ("paid", 0, 0),
    ]
    assert all(bucket.count == 0 and bucket.total == 0 for bucket in report.aging)
    assert report.revenue_total == 0
    assert report.top_clients == []


# --- Evaluated data --------------------------------------------------------------------


def test_selectors_return_evaluated_data(hours_data, unbilled_data, queries_by_alias):
    today = timezone.localdate()
    filters = TimecardFilters(start=today - datetime.timedelta(weeks=8), end=today)
    with in_a_report_scope():
        results = [
            selectors.dashboard_summary(user=hours_data["alice"], today=today),
            selectors.hours_by_person_week(filters=filters),
            selectors.unbilled_time(today=today),
            selectors.invoice_summary(today=today),
        ]

    with queries_by_alias(REPORTS) as queries:
        for result in results:
            for value in vars(result).values():
                assert not isinstance(value, QuerySet)
                if isinstance(value, list):
                    for item in value:
                        assert not isinstance(item, QuerySet)
                        str(item)
        summary, hours, unbilled, invoices = results
        assert isinstance(summary.weeks, list)
        assert isinstance(hours.people, list) and isinstance(hours.people[0].cells, list)
        assert isinstance(unbilled.by_client, list) and isinstance(unbilled.by_person, list)
        assert isinstance(invoices.months, list) and isinstance(invoices.aging, list)
        # Every property is computed from the fetched rows: nothing runs after the scope.
        _ = (summary.billable_share, hours.total, unbilled.value, invoices.revenue_total)

    assert queries.sql(REPORTS) == []


def test_export_rows_is_a_generator_that_queries_only_when_consumed(hours_data, queries_by_alias):
    monday = hours_data["monday"]
    filters = TimecardFilters(start=monday - datetime.timedelta(weeks=8), end=monday)

    with queries_by_alias(REPORTS) as queries:
        rows = selectors.timecard_export_rows(filters=filters)
        assert queries.sql(REPORTS) == []
        with in_a_report_scope():
            fetched = list(rows)

    assert not isinstance(rows, QuerySet)
    assert len(fetched) == 4
    assert fetched[0][0] == hours_data["three_weeks_ago"]
    assert len(queries.touching(REPORTS, "timetrack_timecard")) == 1
