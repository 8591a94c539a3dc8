"""A timecard logged through the site's form reaches the report pages, read on the standby.

The browser that saved it is pinned to the primary for a moment (read your own writes,
``core.routing.middleware``), so it sees the timecard at once; anyone else reads the report on
the standby, where the timecard arrives by replication.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.factories import StaffFactory
from core.routing.middleware import PIN_COOKIE
from tests.conftest import log_time
from timetrack.factories import ProjectFactory
from timetrack.models import Timecard

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_a_timecard_saved_through_the_form_reaches_the_hours_report_after_replay(
    staff, staff_client, wait_for_replay, queries_by_alias
):
    project = ProjectFactory()
    response = log_time(staff_client, project, hours="6.25", description="Reached the report")
    assert response.status_code == 302
    assert PIN_COOKIE in response.cookies
    timecard = Timecard.objects.using("default").get(description="Reached the report")
    assert (timecard.user, timecard.hours) == (staff, Decimal("6.25"))

    # The writer's own browser (which waits for replay) reads the standby that has it.
    response = staff_client.get(reverse("reports:hours"))
    assert response.context["read_database"]["alias"] == "standby"
    assert response.context["report"].total == Decimal("6.25")

    # A colleague's browser reads the standby once replay has brought the timecard.
    colleague = Client()
    colleague.force_login(StaffFactory())
    wait_for_replay()
    with queries_by_alias("default", "standby") as captured:
        response = colleague.get(reverse("reports:hours"))

    assert response.status_code == 200
    assert response.context["read_database"]["alias"] == "standby"
    report = response.context["report"]
    assert report.total == report.billable == Decimal("6.25")
    assert [person.username for person in report.people] == [staff.username]
    assert "Served by <strong>standby</strong>" in response.content.decode()
    # The report's domain queries ran on the standby; the primary only served the
    # session and the login and permission lookups.
    assert captured.touching("standby", '"timetrack_timecard"')
    assert not captured.touching("default", '"timetrack_')
