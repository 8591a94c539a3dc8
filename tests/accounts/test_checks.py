"""The start-up warnings for proxies the login throttle was not told about."""

from __future__ import annotations

import ipaddress

import pytest

from accounts.checks import (
    NAMED_PROXY_NOT_COUNTED,
    PROXY_NOT_COUNTED,
    PROXY_NOT_NAMED,
    counted_proxies_are_named,
    proxy_is_counted,
)

PROXY_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # what BEHIND_TLS_PROXY sets


@pytest.mark.parametrize(
    ("proxy_header", "proxies", "warned"),
    [(PROXY_HEADER, 0, True), (PROXY_HEADER, 1, False), (None, 0, False)],
    ids=["proxy-not-counted", "proxy-counted", "no-proxy"],
)
def test_a_tls_proxy_needs_its_count(settings, proxy_header, proxies, warned):
    settings.SECURE_PROXY_SSL_HEADER = proxy_header
    settings.TRUSTED_PROXY_COUNT = proxies

    found = proxy_is_counted()

    assert [warning.id for warning in found] == ([PROXY_NOT_COUNTED] if warned else [])
    if warned:
        assert "TRUSTED_PROXY_COUNT" in found[0].hint


@pytest.mark.parametrize(
    ("proxies", "addresses", "warning"),
    [
        (1, [], PROXY_NOT_NAMED),
        (1, [ipaddress.ip_network("10.0.0.5/32")], None),
        (0, [], None),
        (0, [ipaddress.ip_network("10.0.0.5/32")], NAMED_PROXY_NOT_COUNTED),
    ],
    ids=["counted-not-named", "counted-and-named", "no-proxy", "named-not-counted"],
)
def test_counted_proxies_need_their_addresses(settings, proxies, addresses, warning):
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.TRUSTED_PROXY_ADDRESSES = addresses

    found = counted_proxies_are_named()

    assert [found_one.id for found_one in found] == ([warning] if warning else [])
