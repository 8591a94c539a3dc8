"""core.routing.middleware: after a request wrote, its browser never misses the write.

A saved timecard must never be missing from the next report, even though replay on the
standby is not instant: the middleware pins the browser with a signed cookie. Through
the real middleware and views, on real connections. The WAL-position pin against a real
standby is in ``tests/postgres/test_read_your_writes.py``; here the window, which is
SQLite's way and PostgreSQL's by choice, and the cookie itself.
"""

from __future__ import annotations

import datetime
import time

import pytest
from django.core import signing
from django.db import connections
from django.http import HttpResponse
from django.urls import reverse

from accounts.factories import DEFAULT_PASSWORD
from core.routing.middleware import (
    OLD_PIN_COOKIE,
    OLD_PIN_SALT,
    PIN_COOKIE,
    PIN_SALT,
    last_write_of,
)
from core.routing.notices import PINNED
from tests.conftest import log_time, pinned_position
from timetrack.factories import ProjectFactory, TimecardFactory
from timetrack.models import Timecard

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

DASHBOARD = "/reports/"


def _timecard_reads(captured, alias):
    return captured.touching(alias, "timetrack_timecard")


def test_a_write_pins_the_browser_to_the_primary_for_the_window(
    staff_client, queries_by_alias, settings
):
    settings.READ_YOUR_WRITES_BY = "window"  # SQLite's only way; PostgreSQL's by choice
    response = log_time(
        staff_client,
        ProjectFactory(),
        hours="6.5",
        description="Read-your-writes check",
        date=datetime.date(2026, 3, 2),
    )
    assert response.status_code == 302, response.content
    assert PIN_COOKIE in staff_client.cookies
    assert staff_client.cookies[PIN_COOKIE]["httponly"]
    assert pinned_position(staff_client) is None, "no WAL position: the window"

    with queries_by_alias("default", "standby") as captured:
        response = staff_client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["read_database"]["alias"] == "default"
    assert PINNED in response.content.decode()
    assert _timecard_reads(captured, "standby") == []
    assert _timecard_reads(captured, "default")


def test_without_a_write_reports_read_the_standby(staff_client, queries_by_alias):
    TimecardFactory()
    staff_client.get(reverse("timetrack:timecard_list"))  # a read-only page
    assert PIN_COOKIE not in staff_client.cookies

    with queries_by_alias("default", "standby") as captured:
        response = staff_client.get(DASHBOARD)
    assert response.context["read_database"]["alias"] == "standby"
    assert PINNED not in response.content.decode()
    assert _timecard_reads(captured, "default") == []


def test_a_bad_form_writes_nothing_and_pins_nothing(staff_client):
    response = staff_client.post(
        reverse("timetrack:timecard_create"),
        {"project": ProjectFactory().pk, "date": "2026-03-02", "hours": "25"},
    )
    assert response.status_code == 200
    assert not Timecard.objects.exists()
    assert PIN_COOKIE not in staff_client.cookies


def test_a_forged_pin_is_ignored(staff_client):
    staff_client.cookies[PIN_COOKIE] = "1:forged:signature"
    response = staff_client.get(DASHBOARD)
    assert response.context["read_database"]["alias"] == "standby"


def _pin_signed_seconds_ago(seconds: float, value: str, monkeypatch) -> str:
    signed_then = time.time() - seconds
    monkeypatch.setattr(signing.time, "time", lambda: signed_then)
    response = HttpResponse()
    response.set_signed_cookie(PIN_COOKIE, value, salt=PIN_SALT)
    monkeypatch.undo()
    return response.cookies[PIN_COOKIE].value


def test_the_pin_expires_after_its_window(staff_client, settings, monkeypatch):
    # Margins of seconds either side: a loaded machine (make test runs three passes on
    # two cores) once took more than the one second a 9 s old pin had left.
    settings.READ_YOUR_WRITES_SECONDS = 10
    staff_client.cookies[PIN_COOKIE] = _pin_signed_seconds_ago(5, "1", monkeypatch)
    response = staff_client.get(DASHBOARD)
    assert response.context["read_database"]["alias"] == "default", "still within it"

    staff_client.cookies[PIN_COOKIE] = _pin_signed_seconds_ago(15, "1", monkeypatch)
    response = staff_client.get(DASHBOARD)
    assert response.context["read_database"]["alias"] == "standby"


def test_logging_in_does_not_pin_the_browser(client, staff):
    response = client.post(
        reverse("accounts:login"), {"username": staff.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert PIN_COOKIE not in response.cookies
    assert client.get(DASHBOARD).context["read_database"]["alias"] == "standby"


@pytest.mark.parametrize("login_page", ["accounts:login", "admin:login"])
def test_no_request_that_only_logs_in_or_out_pins_the_browser(client, staff, login_page, settings):
    """The site's login and the admin's, a failed attempt (which django-axes records: a
    write) and logging out: their writes are a login's bookkeeping, no report shows them."""
    settings.AXES_ENABLED = True
    page = reverse(login_page)
    failed = client.post(page, {"username": staff.username, "password": "wrong password"})
    assert failed.status_code == 200
    assert PIN_COOKIE not in failed.cookies

    response = client.post(page, {"username": staff.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert PIN_COOKIE not in response.cookies
    assert client.get(DASHBOARD).context["read_database"]["alias"] == "standby"

    logout = client.post(reverse("accounts:logout"))
    assert logout.status_code == 302
    assert PIN_COOKIE not in logout.cookies


def test_a_save_after_logging_in_still_pins(client, staff):
    """Logging in exempts its own request only: the browser's next save pins as usual."""
    client.post(reverse("admin:login"), {"username": staff.username, "password": DEFAULT_PASSWORD})
    log_time(client, ProjectFactory(), hours="1", description="After logging in")
    assert PIN_COOKIE in client.cookies


def test_the_cookie_under_its_old_name_is_read_once_and_replaced(staff_client, rf):
    old = HttpResponse()
    old.set_signed_cookie(OLD_PIN_COOKIE, "1", salt=OLD_PIN_SALT)
    request = rf.get("/")
    request.COOKIES[OLD_PIN_COOKIE] = old.cookies[OLD_PIN_COOKIE].value
    assert last_write_of(request).requirement() == (True, None)

    staff_client.cookies[OLD_PIN_COOKIE] = old.cookies[OLD_PIN_COOKIE].value
    response = staff_client.get(DASHBOARD)
    assert response.context["read_database"]["alias"] == "default", "its write is honoured"
    assert response.cookies[OLD_PIN_COOKIE]["max-age"] == 0, "and the old cookie is gone"
    assert staff_client.get(DASHBOARD).context["read_database"]["alias"] == "standby"


def test_without_a_wal_the_pin_is_the_window(staff_client):
    """The embedded SQLite has no WAL position, so "wal" keeps the window there."""
    if connections["default"].vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL pins to the WAL position (tests/postgres)")
    log_time(staff_client, ProjectFactory(), hours="2", description="Without a WAL")
    assert PIN_COOKIE in staff_client.cookies
    assert pinned_position(staff_client) is None
    response = staff_client.get(DASHBOARD)
    assert response.context["read_database"]["alias"] == "default"
    assert PINNED in response.content.decode()


def _signed_pin(value: str) -> str:
    response = HttpResponse()
    response.set_signed_cookie(PIN_COOKIE, value, salt=PIN_SALT)
    return response.cookies[PIN_COOKIE].value


@pytest.mark.parametrize(
    ("value", "position", "pinned"),
    [
        ("2/16/B374D848", "2/16/B374D848", False),  # timeline 2: wait for it on a standby
        ("1", None, True),  # the window (SQLite, or READ_YOUR_WRITES_BY=window)
        ("16/B374D848", None, True),  # no timeline (an older cookie): the window
        ("0/16/B374D848", None, True),  # no timeline 0: signed but unknown, the window
        ("not-a-position", None, True),  # signed but unknown: the safe side, the window
    ],
)
def test_the_cookie_says_what_the_reads_must_see(rf, value, position, pinned):
    request = rf.get("/")
    request.COOKIES[PIN_COOKIE] = _signed_pin(value)
    last_write = last_write_of(request)
    assert (last_write.position, last_write.pinned) == (position, pinned)
    assert last_write.requirement() == (pinned, position)


def test_no_cookie_and_a_forged_one_require_nothing(rf):
    request = rf.get("/")
    assert last_write_of(request).requirement() == (False, None)
    request.COOKIES[PIN_COOKIE] = "0/1:forged:signature"
    assert last_write_of(request).requirement() == (False, None)
