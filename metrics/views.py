"""``/metrics``: the routing's metrics in Prometheus' text format, to scrapers only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from metrics.access import may_scrape
from metrics.registry import scrape_registry


@login_not_required  # a scraper has no session: the address or the token stands in
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not may_scrape(request):
        return HttpResponseForbidden(
            "Metrics are served to METRICS_ALLOWED_ADDRESSES, or with the METRICS_TOKEN as"
            " a bearer token.\n",
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
