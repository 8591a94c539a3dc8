"""Who may scrape ``/metrics``: an address the settings allow, or the bearer token.

The metrics name the databases and tell how the site is doing, so they are never
public, and nothing is allowed until a setting says what is:

- ``METRICS_ALLOWED_ADDRESSES``: addresses and networks (``10.0.0.0/8``, ``::1``) that
  may scrape without a token: the Prometheus server's;
- ``METRICS_TOKEN``: a secret a scraper sends as ``Authorization: Bearer <token>``
  (Prometheus' ``authorization: {credentials: ...}``), from anywhere.

An address counts only for a request made straight to the site: one that carries a
proxy's header (``Forwarded``, ``X-Forwarded-For``, ``X-Real-IP``, ...) needs the token,
since its ``REMOTE_ADDR`` is the proxy's, and a proxy on the same host would make every
visitor look local. Never list the address of a proxy in front of the site: one that
adds no header at all cannot be told from a scraper.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest

__all__ = ["PROXY_HEADERS", "may_scrape"]

PROXY_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_REAL_IP",
)
"""Headers a reverse proxy adds: a request carrying one did not come straight to the site."""


def may_scrape(request: HttpRequest) -> bool:
    """Whether ``request`` may read the metrics."""
    return _has_token(request) or _from_allowed_address(request)


def _has_token(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, sent = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(sent.strip().encode(), token.encode())


def _from_allowed_address(request: HttpRequest) -> bool:
    networks = settings.METRICS_ALLOWED_ADDRESSES
    if not networks:
        return False
    if any(header in request.META for header in PROXY_HEADERS):
        return False
    try:
        visitor = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(visitor in network for network in networks)
