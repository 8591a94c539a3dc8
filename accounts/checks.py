"""Start-up warnings for proxies the login throttle was not told about.

Behind a TLS proxy (``BEHIND_TLS_PROXY``) every request comes from the proxy's address
unless ``TRUSTED_PROXY_COUNT`` says how many proxies' ``X-Forwarded-For`` entries to
trust (``accounts/client_address.py``). Without it every visitor shares one address,
and the throttle, which locks a user name at an address, lets anyone lock any user out
of the site with five wrong passwords. With a count and no ``TRUSTED_PROXY_ADDRESSES``,
whoever reaches the site past its proxies writes their own ``X-Forwarded-For``, and a new
address in it each try is a new pair: guesses at a password without limit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register

PROXY_NOT_COUNTED = "accounts.W001"
PROXY_NOT_NAMED = "accounts.W002"
NAMED_PROXY_NOT_COUNTED = "accounts.W003"


@register()
def proxy_is_counted(**kwargs: Any) -> list[Warning]:
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.TRUSTED_PROXY_COUNT:
        return [
            Warning(
                "BEHIND_TLS_PROXY is on but TRUSTED_PROXY_COUNT is 0: the login throttle"
                " sees every visitor at the proxy's address, so five wrong passwords for a"
                " user name from anyone lock that user out for everyone.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies of your own in front"
                " of the site (1 for one nginx or load balancer).",
                id=PROXY_NOT_COUNTED,
            )
        ]
    return []


@register()
def counted_proxies_are_named(**kwargs: Any) -> list[Warning]:
    if settings.TRUSTED_PROXY_ADDRESSES and not settings.TRUSTED_PROXY_COUNT:
        return [
            Warning(
                "TRUSTED_PROXY_ADDRESSES is set but TRUSTED_PROXY_COUNT is 0: X-Forwarded-For"
                " is ignored, and every visitor behind those proxies shares their address.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies of your own in front"
                " of the site.",
                id=NAMED_PROXY_NOT_COUNTED,
            )
        ]
    if settings.TRUSTED_PROXY_COUNT and not settings.TRUSTED_PROXY_ADDRESSES:
        return [
            Warning(
                "TRUSTED_PROXY_COUNT is set but TRUSTED_PROXY_ADDRESSES is empty: anyone who"
                " reaches the site directly can send an X-Forwarded-For of their own, and"
                " with another address in it each try, guess a password without limit.",
                hint="Set TRUSTED_PROXY_ADDRESSES to your proxies' addresses or networks"
                " (10.0.0.5 or 10.0.0.0/24; a peer on a Unix socket counts as one), or make"
                " sure the site is reachable only through them.",
                id=PROXY_NOT_NAMED,
            )
        ]
    return []
