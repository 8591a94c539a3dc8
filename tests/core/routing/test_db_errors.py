"""core.routing.db_errors: one reading of a database error for the retry, breaker and 503."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import InterfaceError, OperationalError

from core.routing import db_errors
from core.routing.backends.postgresql_standby.base import ServerSilent
from core.routing.db_errors import Failure
from core.routing.middleware import (
    DATABASE_BUSY,
    REPORT_CANCELLED,
    REPORT_TIMED_OUT,
    SAVE_INTERRUPTED,
    SERVER_LOST,
    ReadYourWritesMiddleware,
    _message_for,
    server_error,
)


class DriverError(Exception):
    """What psycopg2 raises: the SQLSTATE as ``pgcode`` (``None`` when none was sent)."""

    def __init__(self, message: str, pgcode: str | None) -> None:
        super().__init__(message)
        self.pgcode = pgcode


def django_error(pgcode: str | None, message: str = "ERROR: it failed") -> OperationalError:
    """The error as Django raises it: wrapping the driver's, as its ``__cause__``."""
    try:
        try:
            raise DriverError(message, pgcode)
        except DriverError as driver_error:
            raise OperationalError(message) from driver_error
    except OperationalError as error:
        return error


@pytest.mark.parametrize(
    ("pgcode", "failure", "message"),
    [
        (None, Failure.SERVER_GONE, SERVER_LOST),
        ("08006", Failure.SERVER_GONE, SERVER_LOST),
        ("57P01", Failure.SERVER_GONE, SERVER_LOST),
        ("40001", Failure.RECOVERY_CONFLICT, REPORT_CANCELLED),
        ("57014", Failure.TIMED_OUT, REPORT_TIMED_OUT),
        ("25006", Failure.WRITE_REFUSED, None),
        ("42P01", Failure.QUERY, None),
    ],
)
def test_each_sqlstate_has_one_reading_and_one_page(pgcode, failure, message):
    error = django_error(pgcode)
    assert db_errors.sqlstate(error) == pgcode
    assert db_errors.classify(error) is failure
    assert db_errors.server_gone(error) is (failure is Failure.SERVER_GONE)
    assert _message_for(error) == message


@pytest.mark.parametrize(
    ("method", "message", "resend"),
    [("get", SERVER_LOST, False), ("post", SAVE_INTERRUPTED, True)],
)
def test_a_server_gone_is_a_503_that_needs_no_database(rf, method, message, resend):
    """The server gone may be the primary: the page asks nothing of the session or user
    (a request without either would fail rendering the site's layout)."""
    request = getattr(rf, method)("/timecards/new/")
    gone = django_error(None, "server closed the connection unexpectedly")

    in_view = ReadYourWritesMiddleware(lambda request: None).process_exception(request, gone)
    try:  # outside a view (the session saved after it): Django's 500 handler
        raise gone
    except OperationalError:
        outside_view = server_error(request)

    for response in (in_view, outside_view):
        content = response.content.decode()
        assert response.status_code == 503
        assert message in content
        assert ("send the form again" in content) is resend
        assert "Log out" not in content, "not the layout, which would ask for the user"


def test_a_connection_already_closed_is_a_server_gone_too(rf):
    """The next use of a connection psycopg2 lost raises InterfaceError, not
    OperationalError: after a view's 503, the session saved in the middleware does."""
    try:
        raise InterfaceError("connection already closed")
    except InterfaceError as closed:
        in_view = ReadYourWritesMiddleware(lambda request: None).process_exception(
            rf.post("/"), closed
        )
        outside_view = server_error(rf.post("/"))
    assert (in_view.status_code, outside_view.status_code) == (503, 503)
    assert SAVE_INTERRUPTED in outside_view.content.decode()


def test_any_other_error_outside_a_view_is_the_500_page(rf):
    try:
        raise django_error("42P01")
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    # Styled by the stylesheet, not inline (the site's CSP blocks inline style).
    assert "<style" not in page and "style=" not in page
    assert '<link rel="stylesheet" href="/static/css/site.css">' in page


def sqlite_error(tmp_path, *, locked: bool) -> OperationalError:
    """A real SQLite error as Django raises it: "database is locked" (a second connection
    holds the write lock and this one does not wait), or a query SQLite refuses."""
    path = tmp_path / f"locked-{locked}.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    waiter = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        if locked:
            holder.execute("BEGIN IMMEDIATE")
        try:
            waiter.execute("BEGIN IMMEDIATE" if locked else "SELECT nothing FROM t")
        except sqlite3.OperationalError as driver_error:
            try:
                raise OperationalError(str(driver_error)) from driver_error
            except OperationalError as error:
                return error
        raise AssertionError("SQLite raised nothing")
    finally:
        waiter.close()
        holder.close()


def test_sqlite_busy_gets_its_own_page_and_any_other_sqlite_error_is_the_querys(tmp_path):
    busy = sqlite_error(tmp_path, locked=True)
    assert str(busy) == "database is locked"
    assert db_errors.classify(busy) is Failure.BUSY
    assert _message_for(busy) == DATABASE_BUSY  # not "a server stopped answering"

    refused = sqlite_error(tmp_path, locked=False)
    assert db_errors.classify(refused) is Failure.QUERY
    assert _message_for(refused) is None  # Django's own error handling


def test_a_standby_that_did_not_answer_is_gone():
    """The standby backend's own error when a deadline passes (its ServerSilent)."""
    silent = ServerSilent("standby 'standby' did not answer its health check within 3 s")

    assert db_errors.classify(silent) is Failure.SERVER_GONE
    assert _message_for(silent) == SERVER_LOST


def test_only_a_lost_server_a_conflict_or_a_refused_write_is_answered_elsewhere():
    assert {failure for failure in Failure if failure.answerable_elsewhere} == {
        Failure.SERVER_GONE,
        Failure.RECOVERY_CONFLICT,
        Failure.WRITE_REFUSED,
    }


def test_first_line_is_never_empty():
    assert db_errors.first_line(django_error(None, "FATAL: gone\nDETAIL: more")) == "FATAL: gone"
    assert db_errors.first_line(OperationalError()) == "OperationalError"
