"""Request-wide parts of the read routing: read-your-writes, and standby failures as 503.

**Read your own writes** (``core.routing.read_your_writes``). A request that wrote anything
(``core.routing.writes`` marks it) gives the browser a signed cookie, ``read_position``,
holding the primary's timeline and WAL position after its writes (``"2/0/3000060"``),
taken with one query when the request ends. For
``READ_YOUR_WRITES_SECONDS`` the read scopes of that browser read only a standby that has
replayed up to that position on that timeline, or the primary while none has: after a
failover, until the window ends (``core.routing.positions``). Without a position (SQLite,
``READ_YOUR_WRITES_BY = "window"``) the cookie says "1" and the browser reads the primary
for the whole window, as it does for a position without a timeline (a cookie set before
positions carried one). A window and not a one-shot flag: a redirect, a second tab or a slow
page must not lose the pin. Inside the request itself, a read after a write goes to the
primary. One limit: two tabs that save at once each send back the position taken at their
own end, and the response that arrives last sets the cookie, even if its position is the
older one; the other tab's save is then covered by the window's lag bound only.

**Logging in or out pins nothing.** Its writes are bookkeeping no report shows (the
session, ``last_login``, django-axes' record of a failed attempt), so a request in which
a user logged in, logged out or failed to (Django's ``user_logged_in``,
``user_logged_out`` and ``user_login_failed`` signals, whichever view sent them: the
site's login or the admin's) sets no cookie. A cookie of the name used before
(``read_primary``) is still read, once, and replaced.

**Clear answers instead of a 500.** A standby that is down while the site is set to
answer 503 (``STANDBY_DOWN_POLICY``), a report stopped by its statement timeout or by a
recovery conflict that could not be retried, a server lost under a request that must not
run twice (the primary failing over among them), or SQLite's lock held past its wait,
gets a 503 page that says so (``core.routing.db_errors.classify`` reads the error). A
server lost outside the view (saving the session after it) reaches Django's 500
handler instead: ``server_error`` gives the same 503 there.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.views import defaults

from core.routing import db_errors
from core.routing.db_errors import Failure
from core.routing.decision import StandbyUnavailable
from core.routing.positions import parse_position
from core.routing.read_your_writes import LastWrite, active
from core.routing.retry import SAFE_METHODS
from core.routing.scope import WriteTracker, track_writes

PIN_COOKIE = "read_position"
"""The cookie holding the browser's last write: the primary's WAL position after it."""
PIN_SALT = "core.routing.read-position"
OLD_PIN_COOKIE, OLD_PIN_SALT = "read_primary", "core.middleware.read-your-writes"
"""The name and salt the cookie had before: read when the new one is missing."""
WINDOW_PIN = "1"
"""The cookie's value when no WAL position is known: the primary for the whole window."""

REPORT_TIMED_OUT = (
    "This report ran longer than the database allows for reports and was stopped."
    " Narrow the filters (a shorter date range) and try again."
)
REPORT_CANCELLED = (
    "The reporting replica cancelled this report while it replayed changes from the"
    " primary. Try again in a moment."
)
SERVER_LOST = (
    "A database server stopped answering during this page. Nothing was run twice: try"
    " again in a moment."
)
SAVE_INTERRUPTED = (
    "The database stopped answering while this change was being saved (the primary may be"
    " failing over to a standby), so it may or may not have gone through. Send it again in"
    " a moment: time sent again from the Log time form is not logged twice, and a step"
    " already taken (a submission, an approval, an invoice) says so."
)

DATABASE_BUSY = (
    "The database was busy with other changes and this page could not wait for them."
    " Try again in a moment."
)
_MESSAGES = {
    Failure.TIMED_OUT: REPORT_TIMED_OUT,
    Failure.RECOVERY_CONFLICT: REPORT_CANCELLED,
    Failure.SERVER_GONE: SERVER_LOST,
    Failure.BUSY: DATABASE_BUSY,
}
"""The 503 page's message for each failure of a database that the site expects."""


class ReadYourWritesMiddleware:
    """Track each request's writes; pin the browser to its last write's WAL position."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self.__acall__(request)
        with active(last_write_of(request)) as last_write, track_writes() as writes:
            response = self.get_response(request)
        return _pin_if_written(request, response, writes, last_write)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        with active(last_write_of(request)) as last_write, track_writes() as writes:
            response = await self.get_response(request)
        if not writes.wrote and OLD_PIN_COOKIE not in request.COOKIES:
            return response
        # Taking the position is a query: in the request's database thread, not the loop.
        return await sync_to_async(_pin_if_written)(request, response, writes, last_write)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if _lost_server(exception):
            return server_gone_page(request)
        message = _message_for(exception)
        if message is None:
            return None
        return TemplateResponse(request, "503.html", {"message": message}, status=503)


def _lost_server(exception: BaseException | None) -> bool:
    """A server that stopped answering: an OperationalError that says so, or the
    InterfaceError ("connection already closed") of the next use of its connection."""
    if isinstance(exception, InterfaceError):
        return True
    return isinstance(exception, OperationalError) and db_errors.server_gone(exception)


def server_gone_page(request: HttpRequest) -> HttpResponse:
    """The 503 for a database server that stopped answering, standby or primary.

    Rendered at once and without the site's layout, which would ask the session and the
    user of the primary that may be the server gone. A request that may have changed
    something is told to send it again: the site's changes are safe to repeat (a
    timecard form carries its own submission id, a state change refuses a second run).
    """
    resend = request.method not in SAFE_METHODS
    context = {
        "message": SAVE_INTERRUPTED if resend else SERVER_LOST,
        "resend": resend,
        "path": request.get_full_path(),
    }
    return HttpResponse(render_to_string("503_database.html", context), status=503)


def last_write_of(request: HttpRequest) -> LastWrite:
    """This browser's last write within the read-your-writes window, from its cookie.

    A missing, forged or expired cookie is no write. The window is measured from the
    request's start: a page that reads at its end still counts as within it.
    """
    max_age = settings.READ_YOUR_WRITES_SECONDS
    value = request.get_signed_cookie(PIN_COOKIE, default=None, salt=PIN_SALT, max_age=max_age)
    if value is None:  # a browser that last wrote under the cookie's old name
        value = request.get_signed_cookie(
            OLD_PIN_COOKIE, default=None, salt=OLD_PIN_SALT, max_age=max_age
        )
    if value is None:
        return LastWrite()
    expires_at = time.time() + settings.READ_YOUR_WRITES_SECONDS
    if _has_timeline(value):
        return LastWrite(position=value, expires_at=expires_at)
    return LastWrite(pinned=True, expires_at=expires_at)


def _has_timeline(value: str) -> bool:
    """A position with its timeline; a bare one cannot be told apart across a failover."""
    try:
        timeline, _ = parse_position(value)
    except ValueError:
        return False
    return timeline is not None


def logins_pin_nothing(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Receiver of the login signals: the request's writes were only a login's."""
    if request is not None:
        request.logged_in_or_out = True  # type: ignore[attr-defined]


def _pin_if_written(
    request: HttpRequest, response: HttpResponse, writes: WriteTracker, last_write: LastWrite
) -> HttpResponse:
    if OLD_PIN_COOKIE in request.COOKIES:  # read once above; the new name takes over
        response.delete_cookie(OLD_PIN_COOKIE, samesite="Lax")
    exempt = getattr(request, "logged_in_or_out", False)
    if writes.wrote and not exempt and settings.READ_YOUR_WRITES_SECONDS > 0:
        last_write.resolve()  # the view has returned: its writes have committed
        response.set_signed_cookie(
            PIN_COOKIE,
            last_write.position or WINDOW_PIN,
            salt=PIN_SALT,
            max_age=settings.READ_YOUR_WRITES_SECONDS,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


def _message_for(exception: Exception) -> str | None:
    if isinstance(exception, StandbyUnavailable):
        return str(exception)
    if isinstance(exception, OperationalError):
        return _MESSAGES.get(db_errors.classify(exception))
    return None


def server_error(request: HttpRequest) -> HttpResponse:
    """The site's 500 handler (``handler500``): a database server lost outside a view
    (the session saved after it, a middleware's query) is the 503 it is anywhere else."""
    if _lost_server(sys.exc_info()[1]):
        return server_gone_page(request)
    return defaults.server_error(request)
