"""Dates are held to EARLIEST_DATE .. a year from today: forms, services, the database."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from timetrack import services
from timetrack.date_bounds import DATABASE_FLOOR, latest_date, out_of_range_message
from timetrack.factories import ClientFactory, ProjectFactory, TimecardFactory
from timetrack.models import Timecard

pytestmark = pytest.mark.django_db(databases="__all__")

TOO_EARLY = ["0001-01-01", "1900-01-01", "1999-12-31"]


def log_time_on(browser, project, day: str):
    """The "Log time" form sent for ``day`` as typed (ISO), two hours."""
    return browser.post(
        reverse("timetrack:timecard_create"),
        {"project": project.pk, "date": day, "hours": "2", "description": "x", "billable": "on"},
    )


@pytest.mark.parametrize("day", TOO_EARLY)
def test_the_log_time_form_refuses_a_date_before_the_earliest_and_says_which(
    user_client, user, day
):
    project = ProjectFactory()

    response = log_time_on(user_client, project, day)

    assert response.status_code == 200  # the form again, with its error
    assert "Enter a date from 1 Jan 2000 to" in response.content.decode()
    assert not Timecard.objects.exists()


def test_the_earliest_date_is_a_setting(user_client, settings):
    settings.EARLIEST_DATE = datetime.date(2020, 1, 1)
    project = ProjectFactory()

    response = log_time_on(user_client, project, "2019-06-30")

    assert "Enter a date from 1 Jan 2020 to" in response.content.decode()
    assert not Timecard.objects.exists()
    assert log_time_on(user_client, project, "2020-01-02").status_code == 302


def test_the_service_refuses_a_date_before_the_earliest(user):
    with pytest.raises(ValidationError) as refused:
        services.timecard_create(
            user=user,
            project=ProjectFactory(),
            date=datetime.date(1, 1, 1),
            hours=Decimal("1"),
            description="Work",
        )
    assert refused.value.message_dict == {"date": [out_of_range_message()]}
    assert not Timecard.objects.exists()


def test_a_date_out_of_range_is_the_first_thing_the_services_say(user):
    """Before the project's state or the timecard's: the date is checked before anything
    is read or locked."""
    closed = ProjectFactory(is_active=False)
    submitted = TimecardFactory(user=user, submitted=True)
    far = datetime.date(1, 1, 1)
    with pytest.raises(ValidationError) as creating:
        services.timecard_create(
            user=user, project=closed, date=far, hours=Decimal("1"), description="Work"
        )
    with pytest.raises(ValidationError) as updating:
        services.timecard_update(
            timecard=submitted, project=closed, date=far, hours=Decimal("1"), description="Work"
        )
    for refused in (creating, updating):
        assert refused.value.message_dict == {"date": [out_of_range_message()]}


def test_the_database_refuses_a_timecard_before_the_floor(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        TimecardFactory(user=user, date=DATABASE_FLOOR - datetime.timedelta(days=1))


def test_an_invoice_period_out_of_range_is_refused(staff):
    client = ClientFactory()
    with pytest.raises(ValidationError) as refused:
        services.invoice_generate(
            user=staff,
            client=client,
            period_start=datetime.date(1900, 1, 1),
            period_end=datetime.date(1900, 1, 31),
            requested_by=staff,
        )
    assert "period_start" in refused.value.message_dict


@pytest.mark.parametrize(
    "query",
    [
        "start=9999-12-27&end=9999-12-31",
        "start=2026-01-01&end=9999-12-31",
        "start=0001-01-01&end=0001-01-31",
    ],
)
def test_a_report_for_dates_out_of_range_says_so_instead_of_failing(staff_client, query):
    response = staff_client.get(f"/reports/hours/?{query}")

    assert response.status_code == 200
    assert "Enter a date from 1 Jan 2000 to" in response.content.decode()


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1999-12"])
def test_the_timecard_month_filter_out_of_range_says_so(user_client, month):
    response = user_client.get(f"/timecards/?month={month}")

    assert response.status_code == 200
    assert "Enter a date from 1 Jan 2000 to" in response.content.decode()


def test_the_range_ends_a_year_from_today():
    today = timezone.localdate()
    assert latest_date(today) == today + datetime.timedelta(days=366)
