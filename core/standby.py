"""Which standby of a group a read scope reads, or why it must read the primary.

``read_from("standby")`` names a *group* of standbys (``settings.STANDBY_GROUPS``; any
other alias is a group of one). Real replicas are down, lagging or behind the browser's
own last write, so the router asks :func:`decide` once per scope, on its first read, and
keeps the answer for the whole scope: a page reads one consistent snapshot, from one
server. A member qualifies when it is

- **reachable**: each member has a circuit breaker that remembers a failure for
  ``STANDBY_COOL_DOWN_SECONDS``, so later requests do not each wait for the connect
  timeout; after the cool-down one request probes that member again;
- **replicating** (in recovery, its WAL receiver streaming) and **within the lag bound**
  (``STANDBY_MAX_LAG_SECONDS``), its lag measured against the primary's own WAL position
  (``core.replication``: a stalled sender or a paused receiver cannot hide it). One
  status query per member, reused for at most half the bound (``status_interval``), and
  never past the bound: a measurement's age counts as lag, and a member whose measured
  lag plus that age crosses the bound is measured again before it serves;
- **caught up with the caller's last write** when there is one (``min_lsn``, the
  primary's WAL position after that write): the member's known replay position, or one
  query on that member when the known one falls short. Each member is judged on its own:
  one member that has caught up never clears the pin for another.

**Spreading the load.** Each scope takes the first qualifying member of the group in a
fresh random order. That is a uniform choice among the members that qualify, found
without asking every member: a member that is down or behind shares its load evenly
among the others (a round-robin would hand all of it to its neighbour), and there is no
shared counter for the threads of a worker to contend on.

A group with no members (``STANDBY_DATABASE_URL=none``: a site without a standby) reads
the primary with nothing to tell. Otherwise the scope reads the primary only when no
member qualifies, with a notice that says why: the browser wrote a moment ago, every
member is unreachable, or they lag or do not replicate. With ``STANDBY_LAG_POLICY =
"notice"`` a stale member that has the caller's write is read instead, with a stale-data
notice; with ``STANDBY_DOWN_POLICY = "503"`` a group whose members are all unreachable
answers 503 instead of moving the load to the primary (for sites where the primary must
be protected).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import Error

from core.db_errors import first_line
from core.replication import CACHE_SECONDS, StandbyStatus, has_replayed, standby_status

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


def members(group: str) -> tuple[str, ...]:
    """The aliases of the standbys that ``read_from(group)`` may read, in their order."""
    return tuple(settings.STANDBY_GROUPS.get(group, (group,)))


def all_members() -> frozenset[str]:
    """Every standby alias of every group: each holds the same data as the primary."""
    return frozenset(alias for group in settings.STANDBY_GROUPS for alias in members(group))


class StandbyUnavailable(Exception):
    """No standby of the group is reachable and the site is set to answer 503."""


@dataclass(frozen=True)
class ReadDecision:
    """Where a scope's reads go (a member of the group, or the primary), and the notice a
    page shows when that is not a fresh member."""

    requested: str
    alias: str
    notice: str = ""

    @property
    def fell_back(self) -> bool:
        """A scope that asked for standbys reads the primary."""
        return self.alias == PRIMARY != self.requested


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
                "Standby %r is unreachable (%s): reads leave it alone for %s s.",
                self.alias,
                error,
                settings.STANDBY_COOL_DOWN_SECONDS,
            )

    def abandon_probe(self) -> None:
        """The probe ended without an answer about the server: let the next caller probe."""
        with self._lock:
            self._probing = False

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


def decide(requested: str, *, pinned: bool = False, min_lsn: str | None = None) -> ReadDecision:
    """Where the reads of a scope that asked for ``requested`` should go now.

    ``pinned``: the caller wrote within the read-your-writes window and no WAL position
    is known (SQLite, ``READ_YOUR_WRITES_BY = "window"``), so only the primary will do.
    ``min_lsn``: the primary's WAL position after the caller's last write; only a member
    that has replayed up to it may serve.
    """
    order = list(members(requested))
    if requested == PRIMARY or not order:  # a site set up without a standby says nothing
        return ReadDecision(requested, PRIMARY)
    if pinned:
        return ReadDecision(requested, PRIMARY, PINNED)
    _random.shuffle(order)
    refusals: list[_Refusal] = []
    for alias in order:
        refusal = _refusal(alias, min_lsn)
        if refusal is None:
            return ReadDecision(requested, alias)
        refusals.append(refusal)
    return _fallback(requested, refusals)


def record_failure(alias: str, error: Exception) -> None:
    """A query on ``alias`` failed for a reason that says the server is gone."""
    breaker_for(alias).record_failure(first_line(error))


_random = random.Random()
"""Shuffles the members for each scope (an instance of its own, which a test may seed)."""

UNREACHABLE_MEMBER = "unreachable"
BEHIND_THE_WRITE = "behind"
STALE_MEMBER = "stale"


@dataclass(frozen=True)
class _Refusal:
    """Why one member cannot serve a scope, and what to say if the scope reads elsewhere."""

    alias: str
    reason: str
    fallback_notice: str = ""
    stale_notice: str = ""
    """Set for a stale member that has the caller's writes: readable with this notice."""


def _refusal(alias: str, min_lsn: str | None) -> _Refusal | None:
    """``None`` when ``alias`` may serve the scope now, else why it may not."""
    breaker = breaker_for(alias)
    if not breaker.allow():
        return _Refusal(alias, UNREACHABLE_MEMBER)
    try:
        # A probe after the cool-down must measure now; otherwise a brief cache will do.
        status = current_status(alias, fresh=breaker.is_open)
        if status.error:
            breaker.record_failure(status.error)
            return _Refusal(alias, UNREACHABLE_MEMBER)
        stale = _staleness(status)
        if stale and settings.STANDBY_LAG_POLICY != "notice":
            breaker.record_success()
            return _Refusal(alias, STALE_MEMBER, fallback_notice=stale[0])
        caught_up = min_lsn is None or has_replayed(alias, min_lsn)
    except Error as error:  # has_replayed() on a member that has just gone away
        breaker.record_failure(first_line(error))
        return _Refusal(alias, UNREACHABLE_MEMBER)
    except BaseException:  # not the server's fault: never leave the breaker probing
        breaker.abandon_probe()
        raise
    breaker.record_success()
    if not caught_up:
        return _Refusal(alias, BEHIND_THE_WRITE)
    if stale:
        return _Refusal(alias, STALE_MEMBER, fallback_notice=stale[0], stale_notice=stale[1])
    return None


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
    bound = settings.STANDBY_MAX_LAG_SECONDS
    measured_lag = status.lag_now(status.measured_at)
    lag_now = status.lag_now()
    if measured_lag is not None and lag_now is not None and measured_lag <= bound < lag_now:
        status = standby_status(alias, max_age=0)
    return status


def _staleness(status: StandbyStatus) -> tuple[str, str] | None:
    """For a member too far behind to read: the fallback notice and the stale notice."""
    if not status.replicated:  # the embedded SQLite: the primary's own file
        return None
    if not status.healthy:  # reachable, but not a standby that replays: stale for good
        return NOT_REPLICATING, NOT_REPLICATING_NOTICE
    lag = status.lag_now()
    if lag is None:  # replicating, but its position could not be read: not fresh
        return NOT_REPLICATING, NOT_REPLICATING_NOTICE
    if lag > settings.STANDBY_MAX_LAG_SECONDS:
        return LAGGING.format(lag=lag), STALE.format(lag=lag)
    return None


def _fallback(requested: str, refusals: list[_Refusal]) -> ReadDecision:
    """No member qualifies: a stale one with a notice, if allowed, else the primary."""
    for refusal in refusals:
        if refusal.stale_notice:
            return ReadDecision(requested, refusal.alias, refusal.stale_notice)
    reasons = {refusal.reason for refusal in refusals}
    if BEHIND_THE_WRITE in reasons:
        return ReadDecision(requested, PRIMARY, PINNED)
    for refusal in refusals:
        if refusal.reason == STALE_MEMBER:
            return ReadDecision(requested, PRIMARY, refusal.fallback_notice)
    if settings.STANDBY_DOWN_POLICY == "503":
        raise StandbyUnavailable(UNREACHABLE)
    return ReadDecision(requested, PRIMARY, UNREACHABLE)
