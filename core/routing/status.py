"""How far behind the primary each reporting standby is: measured cheaply, cached briefly.

Report pages show it next to the data they read from the standby, and
``manage.py replication_status`` prints it for operators::

    from core.routing.status import standby_status

    status = standby_status("standby")  # at most a few seconds old
    status.in_recovery, status.streaming, status.lag_bytes, status.lag_seconds
    status.lag_now()                    # the lag when measured, plus the measurement's age
    status.summary                      # "in recovery, streaming; replay lag 0 bytes, 0.0 s"

**The cache only makes the check cheaper, never later.** ``StandbyStatus.lag_now()`` is
the lag when measured plus the measurement's age (the time since ``fresh_as_of``): a
member measured fresh five seconds ago may be five seconds behind by now, and counts so.
``current_status`` measures again when that crosses the lag bound.

Why a cache: every report page asks, and a standby that is down would otherwise cost each
page a connection attempt (up to the alias's connect_timeout). A failure is cached like a
success. The cache is per process and per alias, guarded by a lock because a gthread
worker serves requests on several threads. How one measurement is taken, and why lag is
measured against the primary: ``core.routing.measure``.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

from core.routing.measure import StandbyStatus
from core.routing.measure import measure as _measure
from core.routing.positions import forget_replayed, primary_positions

__all__ = [
    "CACHE_SECONDS",
    "StandbyStatus",
    "clear_cache",
    "current_status",
    "standby_status",
    "status_interval",
]

CACHE_SECONDS = 5.0
"""How long a measurement is reused: short next to any report, long next to a page view."""

UNKNOWN_SECONDS = 0.25
"""How long a member whose lag could not be bounded is left out before it is measured
again (the primary's samples kept meanwhile may bound it)."""

_cache: dict[str, tuple[float, StandbyStatus]] = {}
_cache_lock = threading.Lock()


_measuring: dict[str, threading.Lock] = {}


def standby_status(alias: str = "standby", *, max_age: float = CACHE_SECONDS) -> StandbyStatus:
    """The replication state of ``alias``, measured at most ``max_age`` seconds ago.

    ``max_age=0`` measures now. Never raises for a database that cannot be reached: the
    status carries the error instead, so a page can still render. One thread of the
    process measures a member at a time; the others waiting meanwhile take its answer.
    """
    asked_at = time.monotonic()
    with _cache_lock:
        cached = _cache.get(alias)
        measuring = _measuring.setdefault(alias, threading.Lock())
    if cached is not None and asked_at - cached[0] < max_age:
        return cached[1]
    with measuring:
        with _cache_lock:
            cached = _cache.get(alias)
        if cached is not None and cached[0] >= asked_at:  # measured while this one waited
            return cached[1]
        status = _measure(alias)
        with _cache_lock:
            _cache[alias] = (time.monotonic(), status)
    return status


def status_interval() -> float:
    """How long a member's measurement is reused: ``CACHE_SECONDS``, or half the lag
    bound when that is shorter, so that the age a measurement adds stays below it."""
    return min(CACHE_SECONDS, settings.STANDBY_MAX_LAG_SECONDS / 2)


def current_status(alias: str, *, fresh: bool = False) -> StandbyStatus:
    """``alias``'s status for a decision now: cached for ``status_interval()``, measured
    again when it was within the lag bound when measured and is past it counting its age
    (it may have kept up since: only a new measurement can say), and measured now when
    ``fresh`` (a breaker's probe)."""
    if fresh:
        return standby_status(alias, max_age=0)
    status = standby_status(alias, max_age=status_interval())
    if status.behind_every_sample and time.monotonic() - status.measured_at > UNKNOWN_SECONDS:
        return standby_status(alias, max_age=0)  # the samples kept since may cover it now
    bound = settings.STANDBY_MAX_LAG_SECONDS
    measured_lag = status.lag_now(status.measured_at)
    lag_now = status.lag_now()
    if measured_lag is not None and lag_now is not None and measured_lag <= bound < lag_now:
        status = standby_status(alias, max_age=0)
    return status


def clear_cache() -> None:
    """Forget every measurement (tests, and after a failover)."""
    with _cache_lock:
        _cache.clear()
    forget_replayed()
    primary_positions.clear()
