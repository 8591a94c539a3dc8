"""Login throttling (django-axes): failures lock a user name at an address for a while.

The test settings turn axes off (``client.login()`` sends no request, which axes needs);
these tests turn it on and log in through the forms, as a browser does.
"""

from __future__ import annotations

import datetime
import ipaddress

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


def _log_in(
    browser: Client,
    username: str,
    password: str,
    *,
    url: str = SITE_LOGIN,
    ip: str = "10.0.0.1",
    forwarded: str | None = None,
):
    """A login attempt from ``ip``, with ``forwarded`` as its X-Forwarded-For if given."""
    extra = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return browser.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


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


def test_failures_lock_that_name_from_that_address_only():
    """One person mistyping locks out nobody else on the same network (or proxy)."""
    UserFactory(username="ada")
    UserFactory(username="bob")
    for _ in range(LIMIT):
        _log_in(Client(), "ada", "wrong", ip="10.0.0.9")

    ada_there = _log_in(Client(), "ada", DEFAULT_PASSWORD, ip="10.0.0.9")
    ada_elsewhere = _log_in(Client(), "ada", DEFAULT_PASSWORD, ip="10.0.0.10")
    bob_there = _log_in(Client(), "bob", DEFAULT_PASSWORD, ip="10.0.0.9")

    assert ada_there.status_code == 429
    assert (ada_elsewhere.status_code, bob_there.status_code) == (302, 302)


def test_a_login_to_another_account_clears_no_failures():
    """Guessing a password, with a login of one's own in between, still runs out."""
    UserFactory(username="victim")
    UserFactory(username="mallory")
    for _ in range(LIMIT - 1):
        _log_in(Client(), "victim", "guess")
    assert _log_in(Client(), "mallory", DEFAULT_PASSWORD).status_code == 302

    assert _log_in(Client(), "victim", "guess").status_code == 429


def test_the_lockout_page_names_nobody():
    UserFactory(username="zebulon-q")
    for _ in range(LIMIT):
        response = _log_in(Client(), "zebulon-q", "wrong")

    assert response.status_code == 429
    assert "zebulon" not in response.content.decode()


@pytest.mark.parametrize(
    ("header", "counted_as"),
    [
        ("198.51.100.7:443", "198.51.100.7"),  # a proxy that writes the port
        ("[2001:db8::1]:443", "2001:db8::"),  # IPv6 by its /64 network
        ("2001:db8:0:7:1::2", "2001:db8:0:7::"),
        ("unknown", "10.0.0.1"),  # names no address: the one that reached us
        ("", "10.0.0.1"),
    ],
)
def test_a_forwarded_entry_counts_only_as_an_address(settings, header, counted_as):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="ada")

    response = _log_in(Client(), "ada", "wrong", forwarded=header)

    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == counted_as


def test_a_forwarded_address_counts_only_behind_a_trusted_proxy(settings):
    UserFactory(username="ada")
    # No proxy of ours: a header the visitor sends changes nothing.
    for number in range(LIMIT):
        _log_in(Client(), "ada", "wrong", forwarded=f"203.0.113.{number}")
    assert _log_in(Client(), "ada", DEFAULT_PASSWORD, ip="10.0.0.1").status_code == 429

    # Behind one proxy of ours (10.0.0.1, for everyone): the address it was reached from,
    # not what came before.
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(LIMIT):
        _log_in(Client(), "ada", "wrong", forwarded="1.2.3.4, 198.51.100.7")
    # A spoofed first entry: the same visitor.
    locked = _log_in(Client(), "ada", DEFAULT_PASSWORD, forwarded="5.6.7.8, 198.51.100.7")
    other_visitor = _log_in(Client(), "ada", DEFAULT_PASSWORD, forwarded="198.51.100.8")
    assert (locked.status_code, other_visitor.status_code) == (429, 302)


def test_with_the_proxies_named_a_visitor_past_them_cannot_choose_an_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_ADDRESSES = [ipaddress.ip_network("10.0.0.0/24")]
    UserFactory(username="ada")
    # Straight to the site's port, a new forged address each try: every try is counted at
    # the address the request really came from.
    for number in range(LIMIT):
        _log_in(Client(), "ada", "wrong", ip="192.0.2.50", forwarded=f"203.0.113.{number}")
    past_the_proxy = _log_in(
        Client(), "ada", DEFAULT_PASSWORD, ip="192.0.2.50", forwarded="203.0.113.99"
    )
    # Through the proxy, the header still names the visitor.
    through_the_proxy = _log_in(
        Client(), "ada", DEFAULT_PASSWORD, ip="10.0.0.9", forwarded="203.0.113.99"
    )

    assert (past_the_proxy.status_code, through_the_proxy.status_code) == (429, 302)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.50"}


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
