"""Logging in and out."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.pages]


def test_paths():
    assert reverse("accounts:login") == "/accounts/login/"
    assert reverse("accounts:logout") == "/accounts/logout/"


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
