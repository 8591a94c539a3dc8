"""Logging in and out, and the profile page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from accounts.factories import DEFAULT_PASSWORD
from accounts.models import UserProfile
from timetrack.factories import TimecardFactory

pytestmark = pytest.mark.django_db


def test_paths():
    assert reverse("accounts:login") == "/accounts/login/"
    assert reverse("accounts:logout") == "/accounts/logout/"
    assert reverse("accounts:profile") == "/accounts/profile/"


def test_login_page_loads_for_anonymous_visitors(client):
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "<title>Log in" in content
    assert 'name="username"' in content
    assert 'name="password"' in content
    assert "demo" not in content.lower()


def test_login_then_lands_on_my_timecards(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("timetrack:timecard_list")
    assert client.session[SESSION_KEY] == str(user.pk)


def test_login_follows_next(client, user):
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": DEFAULT_PASSWORD, "next": "/invoices/"},
    )

    assert response["Location"] == "/invoices/"


def test_wrong_password_is_refused(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": "wrong"}
    )

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert "Please enter a correct username and password" in response.content.decode()


def test_logged_in_people_skip_the_login_page(user_client):
    response = user_client.get(reverse("accounts:login"))

    assert response.status_code == 302
    assert response["Location"] == reverse("timetrack:timecard_list")


def test_logout_is_post_only(user_client, user):
    assert user_client.get(reverse("accounts:logout")).status_code == 405
    assert user_client.session[SESSION_KEY] == str(user.pk)

    response = user_client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert SESSION_KEY not in user_client.session


def test_profile_requires_login(client):
    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_profile_shows_who_i_am_and_my_timecards_by_status(user_client, user, other_user):
    UserProfile.objects.filter(user=user).update(
        hourly_rate=Decimal("95.50"), weekly_hours_target=Decimal("32")
    )
    today = timezone.localdate()
    TimecardFactory(user=user, date=today, hours=Decimal("3"))
    TimecardFactory(user=user, date=today, hours=Decimal("2.5"))
    TimecardFactory(
        user=user, date=today - datetime.timedelta(days=14), hours=Decimal("8"), submitted=True
    )
    TimecardFactory(user=other_user, date=today, hours=Decimal("7"))

    response = user_client.get(reverse("accounts:profile"))

    assert response.status_code == 200
    summary = {row["status"]: (row["count"], row["hours"]) for row in response.context["summary"]}
    assert summary == {
        "open": (2, Decimal("5.5")),
        "submitted": (1, Decimal("8")),
        "approved": (0, Decimal("0")),
        "invoiced": (0, Decimal("0")),
    }
    assert response.context["week_hours"] == Decimal("5.5")
    assert response.context["week_left"] == Decimal("26.5")
    content = response.content.decode()
    assert user.get_full_name() in content
    assert user.username in content
    assert "95.50" in content
    assert "32 h" in content
    assert "No timecards yet" not in content


def test_profile_empty_state(user_client):
    response = user_client.get(reverse("accounts:profile"))

    assert response.status_code == 200
    assert "No timecards yet" in response.content.decode()
    assert all(row["count"] == 0 for row in response.context["summary"])
