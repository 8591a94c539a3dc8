"""Request-wide parts of the read routing: read-your-writes, and standby failures as 503.

**Read your own writes.** Replay on a standby is fast but not instant: read straight after
a commit, it misses the new row most of the time. So a request that wrote anything
(``ScopedReadRouter.db_for_write`` marks it) gives the browser a signed cookie, and for
``READ_YOUR_WRITES_SECONDS`` every read scope of that browser reads from the primary.
A time window and not a one-shot flag: a redirect, a second tab or a slow page must not
lose the pin. Inside the request itself, a read after a write goes to the primary too.

**Clear answers instead of a 500.** A standby that is down while the site is set to
answer 503 (``STANDBY_DOWN_POLICY``), or a report stopped by its statement timeout or
by a recovery conflict that could not be retried, gets a page that says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from core.routing import WriteTracker, track_writes
from core.standby import StandbyUnavailable

PIN_COOKIE = "read_primary"
PIN_SALT = "core.middleware.read-your-writes"

REPORT_TIMED_OUT = (
    "This report ran longer than the database allows for reports and was stopped."
    " Narrow the filters (a shorter date range) and try again."
)
REPORT_CANCELLED = (
    "The reporting replica cancelled this report while it replayed changes from the"
    " primary. Try again in a moment."
)


class ReadYourWritesMiddleware:
    """Track each request's writes; pin the browser to the primary after it wrote."""

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
        with track_writes(pinned=is_pinned(request)) as writes:
            response = self.get_response(request)
        return _pin_if_written(request, response, writes)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        with track_writes(pinned=is_pinned(request)) as writes:
            response = await self.get_response(request)
        return _pin_if_written(request, response, writes)

    def process_view(self, request: HttpRequest, view: Callable, *args: Any) -> None:
        if getattr(view, "read_your_writes_exempt", False):
            request.read_your_writes_exempt = True  # type: ignore[attr-defined]

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        message = _message_for(exception)
        if message is None:
            return None
        return TemplateResponse(request, "503.html", {"message": message}, status=503)


def is_pinned(request: HttpRequest) -> bool:
    """Did this browser write within the read-your-writes window?"""
    return (
        request.get_signed_cookie(
            PIN_COOKIE, default=None, salt=PIN_SALT, max_age=settings.READ_YOUR_WRITES_SECONDS
        )
        is not None
    )


def read_your_writes_exempt(view: Callable) -> Callable:
    """Do not pin the browser after this view's writes (like ``csrf_exempt``).

    For views whose writes are bookkeeping no report shows: logging in writes the
    session and ``last_login``, and a person who just logged in saved nothing.
    """
    view.read_your_writes_exempt = True  # type: ignore[attr-defined]
    return view


def _pin_if_written(
    request: HttpRequest, response: HttpResponse, writes: WriteTracker
) -> HttpResponse:
    exempt = getattr(request, "read_your_writes_exempt", False)
    if writes.wrote and not exempt and settings.READ_YOUR_WRITES_SECONDS > 0:
        response.set_signed_cookie(
            PIN_COOKIE,
            "1",
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
        code = getattr(exception.__cause__, "pgcode", None)
        if code == "57014":
            return REPORT_TIMED_OUT
        if code == "40001":
            return REPORT_CANCELLED
    return None
