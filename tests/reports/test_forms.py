"""The report filter forms: the default range, the hours page's limit, and bad input shown
as a clear message next to the form, never a 500."""

from __future__ import annotations

import datetime
import html
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from presentation import dates
from reports.forms import (
    INVALID_DATE,
    PROJECT_NOT_OF_CLIENT,
    RANGE_REVERSED,
    RANGE_TOO_LONG,
    UNKNOWN_CHOICE,
    HoursFilterForm,
    TimecardFilterForm,
    default_range,
)
from tests.conftest import REPORT_DATA
from timetrack.factories import ClientFactory, ProjectFactory, TimecardFactory
from timetrack.periods import week_start

pytestmark = [*REPORT_DATA, pytest.mark.pages]

URL = "reports:hours"


def page(http, params: dict) -> tuple[int, str]:
    response = http.get(reverse(URL), params)
    return response.status_code, html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2025-02-30"}, INVALID_DATE.format(which="start")),
        ({"start": "31/01/2025"}, INVALID_DATE.format(which="start")),
        ({"end": "tomorrow"}, INVALID_DATE.format(which="end")),
        (
            {"start": "2025-03-31", "end": "2025-03-01"},
            RANGE_REVERSED.format(start="31 Mar 2025", end="1 Mar 2025"),
        ),
        ({"start": "2020-01-01", "end": "2025-01-01"}, RANGE_TOO_LONG.format(weeks=26)),
        ({"person": "999999"}, UNKNOWN_CHOICE.format(what="person")),
        ({"person": "not-a-number"}, UNKNOWN_CHOICE.format(what="person")),
        ({"project": "0"}, UNKNOWN_CHOICE.format(what="project")),
        ({"status": "deleted"}, UNKNOWN_CHOICE.format(what="status")),
    ],
)
def test_bad_filters_show_the_message_with_the_form(staff_client, params, message):
    TimecardFactory(date=timezone.localdate(), hours=Decimal("3"))

    status, body = page(staff_client, params)

    assert status == 200
    assert message in body
    assert 'role="alert"' in body
    assert "Fix the filters above to see the report." in body
    assert "<h2>Per person</h2>" not in body
    assert '<form method="get"' in body


def test_project_of_another_client_is_refused(staff_client):
    project = ProjectFactory(name="Website")
    other_client = ClientFactory(name="Globex")

    status, body = page(staff_client, {"project": project.pk, "client": other_client.pk})

    assert status == 200
    assert PROJECT_NOT_OF_CLIENT.format(project="Website", client="Globex") in body


def test_blank_filters_fall_back_to_the_default_range(staff_client):
    today = timezone.localdate()
    TimecardFactory(date=today, hours=Decimal("3.5"))

    status, body = page(staff_client, {"start": "", "end": "", "person": "", "status": ""})

    assert status == 200
    assert "<h2>Per person</h2>" in body
    assert "3.5" in body
    start, _ = default_range(today)
    assert f'value="{start:%Y-%m-%d}"' not in body  # the blank inputs stay blank...
    assert f"From <strong>{dates.day(start)}</strong>" in body  # ...and the range is said


def test_unbound_form_reports_the_default_range():
    today = datetime.date(2025, 3, 12)  # a Wednesday
    form = HoursFilterForm(today=today)

    filters = form.get_filters()

    assert filters.start == week_start(today) - datetime.timedelta(weeks=8)
    assert filters.start.weekday() == 0
    assert filters.end == today
    assert filters.user_id is None and filters.status is None


def test_form_without_limit_takes_a_long_range():
    form = TimecardFilterForm({"start": "2000-01-01", "end": "2025-01-01"})

    filters = form.get_filters()

    assert filters is not None
    assert (filters.start, filters.end) == (datetime.date(2000, 1, 1), datetime.date(2025, 1, 1))


def test_hours_form_takes_exactly_its_limit():
    start = datetime.date(2025, 1, 6)  # a Monday
    end = start + datetime.timedelta(weeks=26, days=-1)

    assert HoursFilterForm({"start": start, "end": end}).is_valid()
    assert not HoursFilterForm({"start": start, "end": end + datetime.timedelta(days=1)}).is_valid()
