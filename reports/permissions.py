"""Who may see the reports: staff, and anyone granted ``timetrack.view_reports``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

REPORTS_PERMISSION = "timetrack.view_reports"
NO_REPORTS_ACCESS = "The reports are for staff and people with the report permission."


def can_view_reports(user: AbstractUser | AnonymousUser) -> bool:
    """Staff see the reports; others need the permission (a group can grant it)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or user.has_perm(REPORTS_PERMISSION)


def reports_access_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let report readers through; send anonymous users to log in, refuse the others (403).

    ``LoginRequiredMiddleware`` already redirects anonymous requests; the redirect here
    keeps the view safe on its own. Placed outside ``read_from``, the permission lookup
    reads the auth tables on the primary; inside, it would read them on the standby.
    Either is fine: they are the same data, and no report table is touched.
    """

    @functools.wraps(view)
    def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_view_reports(request.user):
            raise PermissionDenied(NO_REPORTS_ACCESS)
        return view(request, *args, **kwargs)

    return inner
