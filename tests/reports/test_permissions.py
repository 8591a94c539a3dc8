"""Who may open the reports: staff and holders of timetrack.view_reports; others 403."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.factories import UserFactory
from reports.permissions import can_view_reports
from tests.conftest import REPORT_DATA

pytestmark = [*REPORT_DATA, pytest.mark.pages]

REPORT_URLS = [
    "reports:dashboard",
    "reports:hours",
    "reports:unbilled",
    "reports:invoices",
    # The export commits: see tests.conftest.EXPORT_DATA.
    pytest.param("reports:timecards_csv", marks=pytest.mark.django_db(transaction=True)),
]


def grant_reports(user):
    user.user_permissions.add(
        Permission.objects.get(codename="view_reports", content_type__app_label="timetrack")
    )
    return user


@pytest.fixture
def reader_client(client):
    """A logged-in person who is not staff but was given the report permission."""
    client.force_login(grant_reports(UserFactory()))
    return client


def consume(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("name", REPORT_URLS)
def test_staff_can_open_every_report(staff_client, name):
    response = staff_client.get(reverse(name))

    assert response.status_code == 200
    assert consume(response)


@pytest.mark.parametrize("name", REPORT_URLS)
def test_report_permission_opens_every_report_without_staff(reader_client, name):
    response = reader_client.get(reverse(name))

    assert response.status_code == 200
    assert consume(response)


@pytest.mark.parametrize("name", REPORT_URLS)
def test_plain_user_is_refused(user_client, name):
    response = user_client.get(reverse(name))

    assert response.status_code == 403


@pytest.mark.parametrize("name", REPORT_URLS)
def test_anonymous_is_sent_to_log_in(client, name):
    url = reverse(name)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("name", ["reports:dashboard", "reports:timecards_csv"])
def test_reports_are_read_only(staff_client, name):
    response = staff_client.post(reverse(name))

    assert response.status_code == 405


def test_inactive_staff_cannot_view_reports(staff):
    staff.is_active = False

    assert can_view_reports(staff) is False
