"""The timecards CSV: streamed, filtered like the hours report, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.factories import StaffFactory, UserFactory
from reports.csv_export import csv_lines, in_chunks, neutralise
from reports.forms import RANGE_REVERSED
from reports.selectors import EXPORT_FIELDS, EXPORT_HEADER
from tests.conftest import EXPORT_DATA
from timetrack import services
from timetrack.factories import ClientFactory, ProjectFactory, TimecardFactory

pytestmark = EXPORT_DATA

DAY = datetime.date(2025, 3, 4)
URL = "reports:timecards_csv"


def rows_of(response) -> list[list[str]]:
    assert response.streaming is True
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def timecards():
    alice = UserFactory(username="alice", hourly_rate=Decimal("100"))
    bob = UserFactory(username="bob")
    acme = ClientFactory(name="Acme, Inc.")
    web = ProjectFactory(client=acme, code="web", name="Website")
    ops = ProjectFactory(code="ops")
    billed = TimecardFactory(
        user=alice,
        project=web,
        date=DAY,
        hours=Decimal("7.50"),
        description="Homepage",
        approved=True,
    )
    invoice = services.invoice_generate(
        user=alice, client=acme, period_start=DAY, period_end=DAY, requested_by=StaffFactory()
    )
    TimecardFactory(
        user=alice,
        project=web,
        date=DAY + datetime.timedelta(days=1),
        hours=Decimal("2"),
        billable=False,
        description="=SUM(A1:A9)",
    )
    TimecardFactory(
        user=bob, project=ops, date=DAY + datetime.timedelta(days=2), description="-rm everything"
    )
    TimecardFactory(user=bob, project=ops, date=DAY + datetime.timedelta(days=40))
    return {
        "alice": alice,
        "bob": bob,
        "web": web,
        "ops": ops,
        "invoice": invoice,
        "billed": billed,
    }


def test_header_and_rows_in_date_order(staff_client, timecards):
    response = staff_client.get(reverse(URL), {"start": "2025-03-01", "end": "2025-03-31"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="timecards-2025-03-01-to-2025-03-31.csv"'
    )
    rows = rows_of(response)
    assert rows[0] == list(EXPORT_HEADER)
    assert rows[1] == [
        "2025-03-04",
        "alice",
        "Acme, Inc.",
        "Website",  # the project as the pages name it
        "web",  # and its code
        "7.50",
        "yes",
        "invoiced",
        timecards["invoice"].number,
        "Homepage",
    ]
    assert [row[0] for row in rows[1:]] == ["2025-03-04", "2025-03-05", "2025-03-06"]
    assert rows[2][6] == "no"
    assert rows[2][8] == ""


def test_formula_cells_are_neutralised(staff_client, timecards):
    rows = rows_of(staff_client.get(reverse(URL), {"start": "2025-03-01", "end": "2025-03-31"}))

    descriptions = [row[9] for row in rows[1:]]
    assert "'=SUM(A1:A9)" in descriptions
    assert "'-rm everything" in descriptions
    assert "=SUM(A1:A9)" not in descriptions


@pytest.mark.parametrize(
    ("params", "expected_dates"),
    [
        ({"person": "bob"}, ["2025-03-06", "2025-04-13"]),
        ({"project": "web"}, ["2025-03-04", "2025-03-05"]),
        ({"status": "invoiced"}, ["2025-03-04"]),
        ({"start": "2025-03-05", "end": "2025-03-06"}, ["2025-03-05", "2025-03-06"]),
    ],
)
def test_filters_apply(staff_client, timecards, params, expected_dates):
    query = {"start": "2025-03-01", "end": "2025-04-30", **params}
    if "person" in params:
        query["person"] = timecards[params["person"]].pk
    if "project" in params:
        query["project"] = timecards[params["project"]].pk

    rows = rows_of(staff_client.get(reverse(URL), query))

    assert [row[0] for row in rows[1:]] == expected_dates


def test_default_range_is_the_last_nine_weeks(staff_client):
    today = timezone.localdate()
    TimecardFactory(date=today, description="recent")
    TimecardFactory(date=today - datetime.timedelta(weeks=10), description="old")

    rows = rows_of(staff_client.get(reverse(URL)))

    assert [row[9] for row in rows[1:]] == ["recent"]


def test_no_matching_rows_gives_just_the_header(staff_client):
    rows = rows_of(staff_client.get(reverse(URL), {"start": "2001-01-01", "end": "2001-01-31"}))

    assert rows == [list(EXPORT_HEADER)]


def test_bad_filters_answer_400_with_the_message(staff_client, timecards):
    response = staff_client.get(reverse(URL), {"start": "2025-03-31", "end": "2025-03-01"})

    assert response.status_code == 400
    assert response.streaming is False
    assert RANGE_REVERSED.format(start="31 Mar 2025", end="1 Mar 2025") in response.content.decode()


def test_unparseable_date_answers_400(staff_client):
    response = staff_client.get(reverse(URL), {"start": "yesterday"})

    assert response.status_code == 400
    assert "Start: Enter the start date as YYYY-MM-DD" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_lines_are_produced_lazily():
    consumed = []

    def rows():
        for n in range(3):
            consumed.append(n)
            yield (DAY, f"user{n}", None, "p", Decimal("1.25"), True, "open", None, "x")

    lines = csv_lines(EXPORT_HEADER, rows())
    assert next(lines).startswith("date,person,")
    assert consumed == []
    assert next(lines) == "2025-03-04,user0,,p,1.25,yes,open,,x\n"
    assert consumed == [0]


def test_lines_are_sent_in_chunks_of_whole_lines():
    lines = (f"{n}\n" for n in range(1201))
    chunks = list(in_chunks(lines, size=500))
    assert [chunk.count("\n") for chunk in chunks] == [500, 500, 201]
    assert "".join(chunks) == "".join(f"{n}\n" for n in range(1201))
    assert list(in_chunks([], size=500)) == []


def test_every_header_column_has_its_field():
    """The COPY names its columns after the header: one field each, in order."""
    assert len(EXPORT_FIELDS) == len(EXPORT_HEADER) == len(set(EXPORT_HEADER))
