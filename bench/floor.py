"""The fixed cost of a report request: the same stack around a page that reads nothing.

``/bench/floor/`` is a report view as the site declares one (``require_safe``, the
reports' access check, ``read_from`` the standby group) rendering the reports' frame
(``reports/_layout.html``: the layout, the navigation, "Served by" with the standby's
cached status) with no report in it. Everything a real report page pays besides its own
queries, forms and tables, it pays too: the middleware (session, authentication,
read-your-writes, CSRF, messages), the session and user reads on the primary, the
scope's choice of a member. Only the benchmark's URLconf (``bench.floor``) has it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from config.urls import urlpatterns as site_urls
from core.routing import read_from
from reports.permissions import reports_access_required
from reports.views import READ_ALIAS

FLOOR_URL = "/bench/floor/"


@require_safe
@reports_access_required
@read_from(READ_ALIAS)
def floor(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/_layout.html", {})


urlpatterns = [*site_urls, path(FLOOR_URL.strip("/") + "/", floor)]
