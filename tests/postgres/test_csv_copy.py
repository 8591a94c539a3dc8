"""The CSV export written by PostgreSQL (COPY) against the Python writer, on the real standby.

The same bytes on the same data, whatever the cells hold (formula triggers, quotes,
commas, line breaks, tabs, empty text, no invoice); a download the client abandons stops
the COPY and leaves the connection usable; a standby lost mid-download raises Django's
own error, for the breaker.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from accounts.factories import StaffFactory, UserFactory
from core.routing import read_from
from reports import selectors
from reports.csv_copy import CHUNK_BYTES, copy_csv
from reports.csv_export import csv_lines, in_chunks
from reports.selectors import EXPORT_HEADER, TimecardFilters
from timetrack import services
from timetrack.factories import ClientFactory, ProjectFactory, TimecardFactory
from timetrack.models import Timecard

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

DAY = datetime.date(2025, 3, 4)
ROWS = 40 * CHUNK_BYTES // 200
"""About forty chunks of CSV."""
EVERYTHING = TimecardFilters(start=datetime.date(2000, 1, 1), end=timezone.localdate())
EVERYTHING_URL = f"/reports/timecards.csv?start={EVERYTHING.start}&end={EVERYTHING.end}"
AWKWARD_TEXT = (
    "=SUM(A1:A9)",
    "+1 555 0100",
    "-rm everything",
    "@mention",
    "\tindented",
    "\rreturn first",
    'He said "hi", then left',
    "two\nlines",
    "two\r\nlines",
    "carriage\rinside",
    "comma, inside",
    "",
    "naïve café ✓",
    "'already quoted",
    " spaced ",
    "\\. alone",
)


def _python_writer(filters: TimecardFilters) -> bytes:
    with read_from("standby"):
        lines = csv_lines(EXPORT_HEADER, selectors.timecard_export_rows(filters=filters))
        return "".join(in_chunks(lines)).encode()


def _export_sql(filters: TimecardFilters = EVERYTHING) -> str:
    return selectors.timecard_export_copy_sql(filters=filters, alias="standby")


def _copy_writer(filters: TimecardFilters) -> bytes:
    return b"".join(copy_csv("standby", _export_sql(filters)))


@pytest.fixture
def awkward_timecards(wait_for_replay):
    people = [UserFactory(username=name) for name in ("alice", "-bob", "@carol", "+dave")]
    clients = [ClientFactory(name=name) for name in ("Acme, Inc.", "=Evil Corp", 'The "Q"')]
    projects = [
        ProjectFactory(client=client, code=code)
        for client, code in zip(clients, ("web", "+p1", "-ops"), strict=True)
    ]
    for number, text in enumerate(AWKWARD_TEXT):
        TimecardFactory(
            user=people[number % len(people)],
            project=projects[number % len(projects)],
            date=DAY + datetime.timedelta(days=number % 5),
            hours=Decimal("0.25") * (number + 1),
            billable=number % 2 == 0,
            description=text,
            approved=number % 3 == 0,
        )
    services.invoice_generate(
        user=people[0],
        client=clients[0],
        period_start=DAY,
        period_end=DAY + datetime.timedelta(days=5),
        requested_by=StaffFactory(),
    )
    wait_for_replay()


def test_copy_writes_the_same_bytes_as_the_python_writer(awkward_timecards):
    python, copy = _python_writer(EVERYTHING), _copy_writer(EVERYTHING)
    assert python.count(b"\n") > len(AWKWARD_TEXT)
    assert b"INV-" in python, "an invoice number among the cells"
    assert copy == python


def test_filters_narrow_the_copy_as_they_narrow_the_rows(awkward_timecards):
    one_day = TimecardFilters(start=DAY, end=DAY, status="approved")
    copy = _copy_writer(one_day)
    assert copy == _python_writer(one_day)
    assert copy.startswith(b"date,person,client,project,project_code,hours,billable,status,")
    assert 1 < copy.count(b"\n") < len(AWKWARD_TEXT)


def test_the_export_page_is_the_copy(staff_client, awkward_timecards):
    response = staff_client.get(EVERYTHING_URL)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == _python_writer(EVERYTHING)


@pytest.fixture
def many_timecards(wait_for_replay):
    """Far more CSV than the queue holds (``QUEUE_CHUNKS``) and the sockets buffer."""
    timecard = TimecardFactory(description="x" * 200)
    with connection.cursor() as cursor:  # made on the server: a tenth of bulk_create's time
        cursor.execute(
            "insert into timetrack_timecard (user_id, project_id, date, hours, description,"
            " billable, status, created_at, updated_at)"
            " select %s, %s, %s, 1, repeat('y', 200), true, 'open', now(), now()"
            " from generate_series(1, %s)",
            [timecard.user_id, timecard.project_id, DAY, ROWS],
        )
    wait_for_replay()


def test_an_abandoned_download_stops_the_copy_and_the_connection_goes_on(many_timecards):
    chunks = copy_csv("standby", _export_sql())
    first = next(chunks)
    assert len(first) >= CHUNK_BYTES
    chunks.close()
    with connections["standby"].cursor() as cursor:
        cursor.execute("select count(*) from timetrack_timecard")
        assert cursor.fetchone()[0] > ROWS
    with connections["standby"].cursor() as cursor:
        cursor.execute(
            "select count(*) from pg_stat_activity"
            " where query like 'COPY (%' and pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] == 0, "no COPY is left running"


def test_a_standby_lost_mid_download_raises_djangos_error(many_timecards):
    with connections["standby"].cursor() as cursor:
        cursor.execute("select pg_backend_pid()")
        pid = cursor.fetchone()[0]
    chunks = copy_csv("standby", _export_sql())
    next(chunks)
    killer = connections.create_connection("standby")  # a second session on the standby
    try:
        with killer.cursor() as cursor:
            cursor.execute("select pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()
    with pytest.raises(OperationalError):
        for _ in chunks:
            pass
    assert connections["standby"].errors_occurred
    connections["standby"].close()


def _standby_setting(name: str) -> str:
    with connections["standby"].cursor() as cursor:
        cursor.execute(f"show {name}")
        return cursor.fetchone()[0]


def test_the_copy_leaves_the_connection_as_it_found_it(many_timecards):
    before = {name: _standby_setting(name) for name in ("statement_timeout", "enable_sort")}
    for abandon in (False, True):
        chunks = copy_csv("standby", _export_sql())
        if abandon:
            next(chunks)
            chunks.close()
        else:
            assert sum(len(chunk) for chunk in chunks) > ROWS * 200
        raw = connections["standby"].connection
        assert raw is None or raw.info.transaction_status == TRANSACTION_STATUS_IDLE
        assert {name: _standby_setting(name) for name in before} == before
        assert connections["standby"].get_autocommit()


def test_queries_on_the_alias_wait_for_the_download(many_timecards):
    chunks = copy_csv("standby", _export_sql())
    next(chunks)
    with pytest.raises(RuntimeError, match="A CSV download"):
        Timecard.objects.using("standby").count()
    chunks.close()
    assert Timecard.objects.using("standby").count() > ROWS


def test_the_view_runs_the_copy_on_the_standby(staff_client, awkward_timecards, queries_by_alias):
    with queries_by_alias("default", "standby") as captured:
        response = staff_client.get(EVERYTHING_URL)
        b"".join(response.streaming_content)
    copies = [sql for sql in captured.sql("standby") if sql.startswith("COPY (")]
    assert len(copies) == 1 and "timetrack_timecard" in copies[0]
    assert not captured.touching("default", "timetrack_timecard")


def test_a_copy_inside_a_transaction_is_refused():
    with transaction.atomic(using="standby"), pytest.raises(RuntimeError, match="outside atomic"):
        next(copy_csv("standby", _export_sql()))
