"""Login throttling (django-axes): failures lock a user name or an address for a while.

The test settings turn axes off (``client.login()`` sends no request, which axes needs);
these tests turn it on and log in through the forms, as a browser does.
"""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db(databases="__all__")]

LIMIT = 3
SITE_LOGIN = reverse("accounts:login")
ADMIN_LOGIN = reverse("admin:login")


@pytest.fixture(autouse=True)
def _throttled(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)


def _log_in(browser: Client, username: str, password: str, *, url: str = SITE_LOGIN, ip="10.0.0.1"):
    return browser.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_failures_for_a_user_name_lock_it_even_for_the_right_password():
    person = UserFactory(username="ada")
    browser = Client()
    for _ in range(LIMIT - 1):
        assert _log_in(browser, "ada", "wrong").status_code == 200  # the form, with its error

    locked = _log_in(browser, "ada", "wrong")
    after = _log_in(browser, "ada", DEFAULT_PASSWORD)

    for response in (locked, after):
        assert response.status_code == 429
        text = response.content.decode()
        assert "Too many failed logins" in text
        assert "paused for 15 minutes" in text
    assert "_auth_user_id" not in browser.session
    assert AccessAttempt.objects.using("default").filter(username="ada").exists()
    assert person.last_login is None


def test_failures_from_an_address_lock_it_for_every_user_name():
    UserFactory(username="ada")
    browser = Client()
    for number in range(LIMIT):
        _log_in(browser, f"guess{number}", "wrong", ip="10.0.0.9")

    from_there = _log_in(browser, "ada", DEFAULT_PASSWORD, ip="10.0.0.9")
    from_elsewhere = _log_in(Client(), "ada", DEFAULT_PASSWORD, ip="10.0.0.10")

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302  # logged in: only the address was locked


def test_the_admin_login_is_throttled_too():
    UserFactory(username="root", is_staff=True, is_superuser=True)
    browser = Client()
    for _ in range(LIMIT):
        _log_in(browser, "root", "wrong", url=ADMIN_LOGIN)

    response = _log_in(browser, "root", DEFAULT_PASSWORD, url=ADMIN_LOGIN)

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()


def test_a_success_before_the_limit_clears_the_failures():
    UserFactory(username="ada")
    browser = Client()
    for _ in range(LIMIT - 1):
        _log_in(browser, "ada", "wrong")
    assert _log_in(browser, "ada", DEFAULT_PASSWORD).status_code == 302

    for _ in range(LIMIT - 1):
        assert _log_in(Client(), "ada", "wrong").status_code == 200


def test_the_lock_ends_after_the_cool_off(settings):
    UserFactory(username="ada")
    for _ in range(LIMIT):
        _log_in(Client(), "ada", "wrong")
    assert _log_in(Client(), "ada", DEFAULT_PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))

    assert _log_in(Client(), "ada", DEFAULT_PASSWORD).status_code == 302
