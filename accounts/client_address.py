"""The address a request came from, for login throttling (django-axes).

Behind a reverse proxy every request comes from the proxy: ``REMOTE_ADDR`` is the
proxy's address, and the visitor's is in the ``X-Forwarded-For`` header the proxy adds.
That header is only as trustworthy as the proxies that wrote it: a visitor can send one
of their own, with any address in it. So it is read only when ``TRUSTED_PROXY_COUNT``
says how many proxies of the site's own stand in front of it, and then only the entry
the outermost of them wrote (each proxy appends the address it was reached from;
anything further left came from the visitor). Otherwise ``REMOTE_ADDR`` is the address.

A count alone trusts the header from whoever reaches the site directly, past the
proxies, as a visitor can wherever the site's own port is open. ``TRUSTED_PROXY_ADDRESSES``
names the proxies: the header is then read only from a request that came from one of them.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

__all__ = ["client_address"]


def client_address(request: HttpRequest) -> str | None:
    """The visitor's address: ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` proxies
    the address the outermost one was reached from."""
    proxies = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if proxies <= 0 or not _from_trusted_proxy(remote):
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < proxies:  # not through all of our proxies: take what reached us
        return remote
    return _address(forwarded[-proxies]) or remote


def _from_trusted_proxy(remote: str | None) -> bool:
    """Whether the request came from a proxy of the site's own: from any address when
    ``TRUSTED_PROXY_ADDRESSES`` names none (the count alone is trusted)."""
    networks = settings.TRUSTED_PROXY_ADDRESSES
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def _address(entry: str) -> str | None:
    """The IP address an X-Forwarded-For entry names (some proxies add a port, or write
    "unknown"): ``None`` when it names none, so it never reaches the database as one."""
    host = entry
    if entry.startswith("["):  # [2001:db8::1]:443
        host = entry[1:].split("]", 1)[0]
    elif entry.count(":") == 1:  # 203.0.113.7:443
        host = entry.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None
