"""The address a request came from, for login throttling (django-axes).

Behind a reverse proxy every request comes from the proxy: ``REMOTE_ADDR`` is the
proxy's address, and the visitor's is in the ``X-Forwarded-For`` header the proxy adds.
That header is only as trustworthy as the proxies that wrote it: a visitor can send one
of their own, with any address in it. So it is read only when ``TRUSTED_PROXY_COUNT``
says how many proxies of the site's own stand in front of it, and then only the entry
the outermost of them wrote (each proxy appends the address it was reached from;
anything further left came from the visitor). Otherwise ``REMOTE_ADDR`` is the address.

A count alone trusts the header from whoever reaches a proxy, or the site, directly,
past the proxies in front of it. ``TRUSTED_PROXY_ADDRESSES`` names the proxies: the
hops are then read from the right (``REMOTE_ADDR``, then the header's entries), and the
first hop that is not one of them is the visitor, as Rails' ``RemoteIp`` reads them. A
peer on a Unix socket (``REMOTE_ADDR`` empty, as gunicorn gives it) is on this host,
so a proxy of the site's own. An IPv4 address written as IPv6 (``::ffff:10.0.0.5``, a
server bound to ``[::]``) counts as the IPv4 address it is.

An IPv6 visitor is counted by its /64 network: one host is given a whole /64 and can
choose a new address in it for every try, which would make each try a new pair of user
name and address to the throttle. The answer is never empty: an address the throttle
cannot store would count no failure.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

__all__ = ["UNKNOWN_ADDRESS", "client_address"]

UNKNOWN_ADDRESS = "0.0.0.0"
"""The address of a request that names none (a Unix socket's peer with no proxy count):
such requests share it, so their failures still add up per user name."""

IPV6_VISITOR_PREFIX = 64
"""The IPv6 network one visitor is counted by: what a provider gives one host or site."""

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_address(request: HttpRequest) -> str:
    """The visitor's address: ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` proxies
    the address the outermost one was reached from (the module says how)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR") or ""
    if proxies <= 0:
        return _shown(_address(remote))
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    hops = [*forwarded, remote]  # the nearest last
    if len(hops) <= proxies:  # not through all of our proxies: take what reached us
        return _shown(_address(remote))
    if settings.TRUSTED_PROXY_ADDRESSES:
        for hop in reversed(hops[-proxies:]):
            if not _is_trusted_proxy(hop):
                return _shown(_address(hop) or _address(remote))
    return _shown(_address(hops[-proxies - 1]) or _address(remote))


def _is_trusted_proxy(hop: str) -> bool:
    """Whether ``hop`` is one of ``TRUSTED_PROXY_ADDRESSES``, or a Unix socket's peer."""
    if hop == "":
        return True
    address = _address(hop)
    return address is not None and any(
        address in network for network in settings.TRUSTED_PROXY_ADDRESSES
    )


def _address(entry: str) -> Address | None:
    """The IP address a hop names (some proxies add a port, or write "unknown"; IPv4
    written as IPv6 is IPv4): ``None`` when it names none, so it never reaches the
    database as one."""
    host = entry
    if entry.startswith("["):  # [2001:db8::1]:443
        host = entry[1:].split("]", 1)[0]
    elif entry.count(":") == 1:  # 203.0.113.7:443
        host = entry.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _shown(address: Address | None) -> str:
    """The address as the throttle counts it: IPv6 by its /64 network's first address."""
    if address is None:
        return UNKNOWN_ADDRESS
    if isinstance(address, ipaddress.IPv6Address):
        return str(
            ipaddress.IPv6Network((address, IPV6_VISITOR_PREFIX), strict=False).network_address
        )
    return str(address)
