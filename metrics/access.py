"""Who may scrape ``/metrics``: an address the settings allow, or the bearer token.

The metrics name the databases and tell how the site is doing, so they are never
public, and nothing is allowed until a setting says what is:

- ``METRICS_ALLOWED_ADDRESSES``: addresses and networks (``10.0.0.0/8``, ``::1``) that
  may scrape without a token: the Prometheus server's;
- ``METRICS_TOKEN``: a secret a scraper sends as ``Authorization: Bearer <token>``
  (Prometheus' ``authorization: {credentials: ...}``), from anywhere.

A request that came through a proxy (it carries ``X-Forwarded-For``) is judged by the
visitor's address only when ``TRUSTED_PROXY_COUNT`` says which proxies to believe: else
its ``REMOTE_ADDR`` is the proxy's, and a proxy on the same host would make every
visitor look local. Such a request needs the token.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest

from accounts.client_address import client_address

__all__ = ["may_scrape"]


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
    if "HTTP_X_FORWARDED_FOR" in request.META and settings.TRUSTED_PROXY_COUNT <= 0:
        return False
    address = client_address(request)
    try:
        visitor = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(visitor in network for network in networks)
