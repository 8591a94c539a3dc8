"""Whether a read scope may use its standby right now, or must fall back to the primary.

``read_from("standby")`` names where a view *wants* to read. Real replicas are down,
lagging or behind the user's own last write, so the router asks :func:`decide` once per
scope, on its first read, and the answer says where reads really go and why:

- the request is **pinned** to the primary because this browser wrote something a
  moment ago (read your own writes, see ``core.middleware``);
- the standby is **unreachable**: a circuit breaker remembers it for
  ``STANDBY_COOL_DOWN_SECONDS``, so later requests do not each wait for the connect
  timeout; after the cool-down one request probes it again;
- the standby **lags** more than ``STANDBY_MAX_LAG_SECONDS``, or is reachable but does not
  replicate (not in recovery, or its WAL receiver is not streaming, where the lag query
  would say 0): reads go to the primary, or, with ``STANDBY_LAG_POLICY = "notice"``, stay
  on the standby with a stale-data notice.

With ``STANDBY_DOWN_POLICY = "503"`` an unreachable standby answers 503 instead of
moving the load to the primary (for sites where the primary must be protected).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from core.replication import CACHE_SECONDS, standby_status

logger = logging.getLogger(__name__)

PRIMARY = "default"
"""The alias every write goes to, and every read that cannot go to a standby."""

PINNED = "You saved something a moment ago, so this page reads from the primary database."
UNREACHABLE = "The reporting replica is unavailable, so this page reads from the primary."
LAGGING = "The reporting replica is {lag:.0f} s behind, so this page reads from the primary."
STALE = "The reporting replica is {lag:.0f} s behind: the newest changes may be missing."
NOT_REPLICATING = (
    "The reporting replica is not replicating from the primary, so this page reads from"
    " the primary."
)
NOT_REPLICATING_NOTICE = (
    "The reporting replica is not replicating from the primary: recent changes are missing."
)


class StandbyUnavailable(Exception):
    """The standby cannot serve the scope and the site is set to answer 503."""


@dataclass(frozen=True)
class ReadDecision:
    """Where a scope's reads go, and the notice a page shows when it is not the standby."""

    requested: str
    alias: str
    notice: str = ""

    @property
    def fell_back(self) -> bool:
        return self.alias != self.requested


class CircuitBreaker:
    """Open after a failure; after ``cool_down`` seconds let one caller probe again.

    Per process and per alias, shared by the threads of a worker. A state change is
    logged once, not once per request.
    """

    def __init__(self, alias: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.alias = alias
        self._clock = clock
        self._lock = threading.Lock()
        self._opened_at: float | None = None
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def allow(self) -> bool:
        """Closed: yes. Open: no, except for one probe once the cool-down has passed."""
        with self._lock:
            if self._opened_at is None:
                return True
            cooled = self._clock() - self._opened_at >= settings.STANDBY_COOL_DOWN_SECONDS
            if cooled and not self._probing:
                self._probing = True
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            was_open, self._opened_at, self._probing = self._opened_at is not None, None, False
        if was_open:
            logger.warning("Standby %r is reachable again: reads go back to it.", self.alias)

    def record_failure(self, error: str) -> None:
        with self._lock:
            was_open = self._opened_at is not None
            self._opened_at, self._probing = self._clock(), False
        if not was_open:
            logger.error(
                "Standby %r is unreachable (%s): reads fall back to the primary for %s s.",
                self.alias,
                error,
                settings.STANDBY_COOL_DOWN_SECONDS,
            )

    def reset(self) -> None:
        with self._lock:
            self._opened_at, self._probing = None, False


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(alias: str) -> CircuitBreaker:
    with _breakers_lock:
        return _breakers.setdefault(alias, CircuitBreaker(alias))


def reset_breakers() -> None:
    """Close every breaker (tests, and an operator's "the standby is back")."""
    with _breakers_lock:
        breakers = list(_breakers.values())
    for breaker in breakers:
        breaker.reset()


def decide(requested: str, *, pinned: bool = False) -> ReadDecision:
    """Where the reads of a scope that asked for ``requested`` should go now."""
    if requested == PRIMARY:
        return ReadDecision(requested, PRIMARY)
    if pinned:
        return ReadDecision(requested, PRIMARY, PINNED)
    breaker = breaker_for(requested)
    if not breaker.allow():
        return _unreachable(requested)
    # A probe after the cool-down must measure now; otherwise a brief cache will do.
    try:
        status = standby_status(requested, max_age=0 if breaker.is_open else CACHE_SECONDS)
    except BaseException as error:  # never leave the breaker waiting for its probe
        breaker.record_failure(f"{type(error).__name__}: {error}")
        raise
    if status.error:
        breaker.record_failure(status.error)
        return _unreachable(requested)
    breaker.record_success()
    if not status.replicated:
        return ReadDecision(requested, requested)
    if not status.healthy:  # reachable, but not a standby that replays: stale for good
        return _stale(requested, NOT_REPLICATING, NOT_REPLICATING_NOTICE)
    lag = status.lag_seconds or 0.0
    if lag > settings.STANDBY_MAX_LAG_SECONDS:
        return _stale(requested, LAGGING.format(lag=lag), STALE.format(lag=lag))
    return ReadDecision(requested, requested)


def record_failure(alias: str, error: Exception) -> None:
    """A query on ``alias`` failed for a reason that says the server is gone."""
    breaker_for(alias).record_failure(str(error).strip().splitlines()[0] if str(error) else "")


def _stale(requested: str, fallback_notice: str, stale_notice: str) -> ReadDecision:
    if settings.STANDBY_LAG_POLICY == "notice":
        return ReadDecision(requested, requested, stale_notice)
    return ReadDecision(requested, PRIMARY, fallback_notice)


def _unreachable(requested: str) -> ReadDecision:
    if settings.STANDBY_DOWN_POLICY == "503":
        raise StandbyUnavailable(UNREACHABLE)
    return ReadDecision(requested, PRIMARY, UNREACHABLE)
