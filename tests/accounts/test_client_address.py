"""Which hop of a request is the visitor, for login throttling (accounts/client_address.py)."""

from __future__ import annotations

import ipaddress

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.client_address import UNKNOWN_ADDRESS, client_address
from accounts.factories import DEFAULT_PASSWORD, UserFactory

CDN, BALANCER = "192.0.2.0/24", "10.0.0.0/24"


def _address(remote: str, forwarded: str | None = None) -> str:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


@pytest.fixture
def named(settings):
    """Two proxies of the site's own, named: a CDN in front of a load balancer."""
    settings.TRUSTED_PROXY_COUNT = 2
    settings.TRUSTED_PROXY_ADDRESSES = [ipaddress.ip_network(CDN), ipaddress.ip_network(BALANCER)]


@pytest.mark.parametrize(
    ("remote", "forwarded", "visitor"),
    [
        # Through the CDN and the balancer: what the CDN was reached from.
        ("10.0.0.9", "203.0.113.7, 192.0.2.10", "203.0.113.7"),
        ("10.0.0.9", "1.2.3.4, 203.0.113.7, 192.0.2.10", "203.0.113.7"),  # forged on the left
        # Straight to the balancer, a forged entry first: the address the balancer saw.
        ("10.0.0.9", "198.51.100.1, 203.0.113.66", "203.0.113.66"),
        # Straight to the site's port: the header is the visitor's own.
        ("203.0.113.50", "198.51.100.1, 192.0.2.10", "203.0.113.50"),
        # The balancer on a dual-stack socket: its IPv4 address written as IPv6.
        ("::ffff:10.0.0.9", "203.0.113.7, 192.0.2.10", "203.0.113.7"),
        # gunicorn on a Unix socket behind them: the peer is on this host.
        ("", "203.0.113.7, 192.0.2.10", "203.0.113.7"),
    ],
    ids=["through-both", "forged-left", "balancer-direct", "site-direct", "ipv4-mapped", "unix"],
)
def test_the_visitor_is_the_first_hop_that_is_no_proxy_of_ours(named, remote, forwarded, visitor):
    assert _address(remote, forwarded) == visitor


def test_an_address_written_as_ipv6_counts_as_its_ipv4(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert _address("::ffff:203.0.113.7") == "203.0.113.7"


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1])
def test_a_request_that_names_no_address_still_counts_its_failures(settings, proxies):
    """A Unix socket's peer (gunicorn gives ``REMOTE_ADDR=''``) with nothing usable
    forwarded: its failures are counted at one shared address, not at none."""
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.TRUSTED_PROXY_ADDRESSES = []
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="ada")
    login = reverse("accounts:login")
    for _ in range(3):
        Client().post(
            login,
            {"username": "ada", "password": "wrong"},
            REMOTE_ADDR="",
            HTTP_X_FORWARDED_FOR="unknown",
        )

    right = Client().post(login, {"username": "ada", "password": DEFAULT_PASSWORD}, REMOTE_ADDR="")

    assert right.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {UNKNOWN_ADDRESS}


@pytest.mark.django_db
def test_an_ipv6_host_choosing_a_new_address_each_try_is_still_locked_out(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="ada")
    login = reverse("accounts:login")
    for host in range(1, 4):
        Client().post(
            login, {"username": "ada", "password": "wrong"}, REMOTE_ADDR=f"2001:db8:1:2::{host}"
        )

    right = Client().post(
        login, {"username": "ada", "password": DEFAULT_PASSWORD}, REMOTE_ADDR="2001:db8:1:2::99"
    )
    elsewhere = Client().post(
        login, {"username": "ada", "password": DEFAULT_PASSWORD}, REMOTE_ADDR="2001:db8:1:3::1"
    )

    assert (right.status_code, elsewhere.status_code) == (429, 302)
