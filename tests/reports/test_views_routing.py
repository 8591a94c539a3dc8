"""Every report reads its data from the standby, in a constant number of queries.

``queries_by_alias`` records the SQL of each connection during the request: the report
tables (timetrack_*, accounts_*) must appear on ``standby`` and never on ``default``,
which only serves the session and the login/permission lookups.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from accounts.factories import StaffFactory, UserFactory
from core.routing import status
from timetrack import services
from timetrack.factories import ClientFactory, ProjectFactory, TimecardFactory
from timetrack.periods import week_start

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

HTML_PAGES = ["reports:dashboard", "reports:hours", "reports:unbilled", "reports:invoices"]
DOMAIN_TABLES = ("timetrack_", "accounts_")


def add_data(count: int) -> None:
    """``count`` people, each with timecards in several weeks, unbilled time and invoices.

    Every timecard and invoice lands in the pages' default ranges, so each new batch
    adds rows to every table, chart and aggregate of the reports.
    """
    today = timezone.localdate()
    approver = StaffFactory()
    for _ in range(count):
        person = UserFactory(hourly_rate=Decimal("90.00"))
        client = ClientFactory()
        project = ProjectFactory(client=client)
        for weeks_back in range(3):
            day = week_start(today) - datetime.timedelta(weeks=weeks_back)
            TimecardFactory(user=person, project=project, date=day, hours=Decimal("4"))
            TimecardFactory(
                user=person, project=project, date=day, hours=Decimal("1"), billable=False
            )
        old = today - datetime.timedelta(days=45)
        TimecardFactory(user=person, project=project, date=old, approved=True)
        invoice = services.invoice_generate(
            user=person,
            client=client,
            period_start=old,
            period_end=old,
            requested_by=approver,
            issued_on=old,
        )
        services.invoice_mark_sent(invoice=invoice, sent_on=old)
        paid = today - datetime.timedelta(days=20)
        TimecardFactory(user=person, project=project, date=paid, approved=True)
        invoice = services.invoice_generate(
            user=person,
            client=client,
            period_start=paid,
            period_end=paid,
            requested_by=approver,
            issued_on=paid,
        )
        services.invoice_mark_sent(invoice=invoice, sent_on=paid)
        services.invoice_mark_paid(invoice=invoice, paid_on=paid)
        TimecardFactory(user=person, project=project, date=today, approved=True)


def fetch(client, name, queries_by_alias, **params):
    """GET the page (consuming a streamed body inside the capture) and its queries.

    The standby's replication status is cached between pages; measured afresh for each
    page, every page pays for it alike and the counts compare.
    """
    status.clear_cache()
    with queries_by_alias("default", "standby") as queries:
        response = client.get(reverse(name), params)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body, queries


def domain_queries(queries, alias: str) -> list[str]:
    return [sql for prefix in DOMAIN_TABLES for sql in queries.touching(alias, prefix)]


@pytest.fixture
def reader_client(client):
    reader = UserFactory()
    reader.user_permissions.add(
        Permission.objects.get(codename="view_reports", content_type__app_label="timetrack")
    )
    client.force_login(reader)
    return client


@pytest.mark.parametrize("name", HTML_PAGES)
def test_pages_read_the_domain_only_on_the_standby(staff_client, queries_by_alias, name):
    add_data(2)

    response, _, queries = fetch(staff_client, name, queries_by_alias)

    assert response.status_code == 200
    assert domain_queries(queries, "standby")
    assert queries.touching("standby", "timetrack_timecard") or queries.touching(
        "standby", "timetrack_invoice"
    )
    assert domain_queries(queries, "default") == []


@pytest.mark.parametrize("name", HTML_PAGES)
def test_pages_read_on_the_standby_for_a_reader_with_the_permission(
    reader_client, queries_by_alias, name
):
    add_data(1)

    response, _, queries = fetch(reader_client, name, queries_by_alias)

    assert response.status_code == 200
    assert domain_queries(queries, "standby")
    assert domain_queries(queries, "default") == []


def test_dashboard_reads_your_hours_through_the_profile_on_the_standby(client, queries_by_alias):
    staff = StaffFactory()
    TimecardFactory(user=staff, date=timezone.localdate(), hours=Decimal("3.25"))
    client.force_login(staff)

    _, body, queries = fetch(client, "reports:dashboard", queries_by_alias)

    assert queries.touching("standby", "accounts_userprofile")
    assert queries.touching("default", "accounts_userprofile") == []
    assert "3.25 h" in body.decode()


def test_csv_rows_are_streamed_from_the_standby(staff_client, queries_by_alias):
    add_data(2)

    response, body, queries = fetch(staff_client, "reports:timecards_csv", queries_by_alias)

    assert response.streaming is True
    lines = body.decode().splitlines()
    assert len(lines) == 1 + 2 * 9  # header + the 9 timecards of each person
    exports = [sql for sql in queries.sql("standby") if "timetrack_timecard" in sql]
    assert len(exports) == 1
    assert "timetrack_project" in exports[0] and "timetrack_client" in exports[0]
    assert domain_queries(queries, "default") == []


@pytest.mark.parametrize("name", HTML_PAGES)
def test_pages_show_the_database_that_served_them(staff_client, name):
    body = staff_client.get(reverse(name)).content.decode()

    assert '<p class="served-by"' in body
    served_by = body.split('<p class="served-by"', 1)[1].split("</p>", 1)[0]
    assert "<strong>standby</strong>" in served_by
    if connections["standby"].vendor == "sqlite":
        assert "read-only" in served_by
    else:
        assert "in recovery, streaming" in served_by


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("reports:dashboard", {}),
        ("reports:hours", {}),
        ("reports:hours", {"status": "approved"}),
        ("reports:unbilled", {}),
        ("reports:invoices", {}),
        ("reports:timecards_csv", {}),
    ],
)
def test_query_count_does_not_grow_with_the_data(staff_client, queries_by_alias, name, params):
    add_data(2)
    _, small_body, small = fetch(staff_client, name, queries_by_alias, **params)
    add_data(4)
    _, large_body, large = fetch(staff_client, name, queries_by_alias, **params)

    assert len(large_body) > len(small_body)  # the larger data set is really on the page
    assert len(large.sql("standby")) == len(small.sql("standby"))
    assert len(large.sql("default")) == len(small.sql("default"))
    # The hours page's most: its three report queries, the client and project lists,
    # the person list's version and, when it changed (as here), the list itself, and on
    # PostgreSQL the member's replication status.
    assert len(small.sql("standby")) <= 8
