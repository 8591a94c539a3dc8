"""Security defaults that hold for every page: login first, CSRF on every change."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from timetrack.factories import ProjectFactory, TimecardFactory
from timetrack.models import Timecard

pytestmark = pytest.mark.django_db

PAGES = [
    "timetrack:timecard_list",
    "timetrack:timecard_create",
    "timetrack:invoice_list",
    "timetrack:invoice_generate",
    "timetrack:approval_queue",
    "timetrack:profile",
    "reports:dashboard",
    "reports:hours",
    "reports:unbilled",
    "reports:invoices",
    "reports:timecards_csv",
]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_sends_anonymous_visitors_to_the_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_the_login_page_is_open(client):
    assert client.get(reverse("accounts:login")).status_code == 200


def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    project = ProjectFactory()
    response = browser.post(
        reverse("timetrack:timecard_create"),
        {"project": project.pk, "date": "2026-03-02", "hours": "4"},
    )
    assert response.status_code == 403
    assert not Timecard.objects.exists()


def test_submitting_someone_elses_timecard_without_csrf_is_refused(user, other_user):
    timecard = TimecardFactory(user=other_user)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post(reverse("timetrack:timecard_submit", args=[timecard.pk]))
    assert response.status_code == 403
    timecard.refresh_from_db()
    assert timecard.status == "open"
