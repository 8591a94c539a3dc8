"""WAL positions: where the primary's WAL ends, and whether a member has replayed it.

The status of each member (``core.routing.measure``) is judged against the samples of the
primary's position that this process keeps (:class:`PrimaryPositions`).

Read-your-writes compares the primary's WAL position after a write with a member's replay
position: a member that has replayed up to the write's position shows it::

    lsn = primary_write_lsn()            # after the write has committed
    has_replayed("standby_2", lsn)       # may standby_2 serve this caller now?
    wait_for_replay(lsn, alias="standby")  # tests: wait until it does

Every status measurement of a member (``core.routing.measure``) notes how far it had
replayed; replay only moves forward, so a position reached then is reached now, and
:func:`has_replayed` asks the member again only when that falls short. Positions compare
as numbers (:func:`parse_lsn`), never as text.
"""

from __future__ import annotations

import collections
import re
import threading
import time

from django.db import Error, connections

from core.routing.groups import PRIMARY

__all__ = [
    "PrimaryPositions",
    "has_replayed",
    "note_replayed",
    "parse_lsn",
    "primary_positions",
    "primary_wal_lsn",
    "primary_write_lsn",
    "wait_for_replay",
]

_lock = threading.Lock()


def parse_lsn(text: str) -> int:
    """A WAL position as PostgreSQL writes it (``"16/B374D848"``) as a number.

    Raises ``ValueError`` for anything else, so a position can be checked on the way in.
    """
    match = _LSN.fullmatch(text)
    if match is None:
        raise ValueError(f"not a WAL position: {text!r}")
    return (int(match["high"], 16) << 32) | int(match["low"], 16)


_LSN = re.compile(r"(?P<high>[0-9A-Fa-f]{1,8})/(?P<low>[0-9A-Fa-f]{1,8})")


_replayed: dict[str, int] = {}
"""The replay position last measured on each member (guarded by ``_lock``)."""


def note_replayed(alias: str, lsn: str | None) -> None:
    """Remember how far ``alias`` had replayed when measured (``None``: not a standby)."""
    # The latest measurement, not the furthest: a standby cloned again (of a primary made
    # anew) starts over lower, and a measurement that arrives late only costs a query.
    with _lock:
        if lsn is None:
            _replayed.pop(alias, None)
        else:
            _replayed[alias] = parse_lsn(lsn)


def has_replayed(alias: str, lsn: str) -> bool:
    """Has standby ``alias`` replayed the primary's WAL up to ``lsn``?

    Answered from what earlier measurements saw when that is enough (replay never goes
    back), otherwise by one query on the standby (``pg_last_wal_replay_lsn()``, which
    reads no table). A database without replication has nothing to replay: True. Raises
    the database error of a standby that cannot be reached.
    """
    target = parse_lsn(lsn)
    with _lock:
        if _replayed.get(alias, -1) >= target:
            return True
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return True
    try:
        with connection.cursor() as cursor:
            cursor.execute("select pg_last_wal_replay_lsn()")
            replayed = cursor.fetchone()[0]
    except Error:
        connection.close_if_unusable_or_obsolete()
        raise
    note_replayed(alias, replayed)
    return replayed is not None and parse_lsn(replayed) >= target


def primary_write_lsn(alias: str = "default") -> str | None:
    """Where the primary's WAL must be replayed to for this session's commits to show.

    Read-your-writes takes it once after a request's writes committed, on the connection
    that wrote them. With synchronous commit (``on``, ``local``, ``remote_*``) a commit
    returns only once its WAL is written, so the write position covers it, and it is
    exactly what a caught-up standby reports. With ``synchronous_commit = off`` a commit
    returns before that, so the insert position is taken instead (it may run a little
    ahead of what a standby can have yet, which only costs a read on the primary until
    the WAL writer catches up). A transaction that turned it off with ``SET LOCAL`` is
    not seen here: keep such writes out of read-your-writes. ``None`` without PostgreSQL.
    """
    return _primary_value(alias, WRITE_POSITION_SQL)


WRITE_POSITION_SQL = """
select case when current_setting('synchronous_commit') = 'off'
            then pg_current_wal_insert_lsn() else pg_current_wal_lsn() end
"""


def primary_wal_lsn(alias: str = "default") -> str | None:
    """The primary's WAL write position now (``None`` without PostgreSQL).

    Every transaction committed on ``alias`` so far (with synchronous commit) ends at or
    before it: a standby that has replayed up to it shows them all.
    """
    return _primary_value(alias, "select pg_current_wal_lsn()")


def _primary_value(alias: str, sql: str) -> str | None:
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def wait_for_replay(
    lsn: str | None = None,
    *,
    alias: str = "standby",
    primary: str = "default",
    timeout: float = 5.0,
    poll_interval: float = 0.001,
) -> bool:
    """Wait until ``alias`` has replayed the primary's WAL up to ``lsn`` (default: now).

    Read-your-writes on a replica: a commit becomes visible on the standby only once the
    standby has replayed it, so a read straight after a write may miss it. This polls
    ``pg_last_wal_replay_lsn()`` on the standby (the pause only spaces the polls out) and
    returns True once the commits up to ``lsn`` are visible there, False when ``timeout``
    runs out first. Without PostgreSQL there is nothing to wait for: True at once.
    """
    target = lsn or primary_wal_lsn(primary)
    if target is None or connections[alias].vendor != "postgresql":
        return True
    deadline = time.monotonic() + timeout
    with connections[alias].cursor() as cursor:
        while True:
            cursor.execute("select pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll_interval)


def forget_replayed() -> None:
    """Forget every member's replay position (with the status cache: tests, a failover)."""
    with _lock:
        _replayed.clear()


class PrimaryPositions:
    """The primary's WAL position as this process sampled it, each with the time just
    before it was asked: the yardstick each member's replay position is held against.

    Shared by the threads of a worker; a bounded history (the newest ``SAMPLES``), so a
    member behind every sample kept is as old as the oldest one, at least.
    """

    SAMPLES = 512

    def __init__(self, alias: str = PRIMARY) -> None:
        self.alias = alias
        self._samples: collections.deque[tuple[float, int]] = collections.deque(maxlen=self.SAMPLES)
        self._lock = threading.Lock()

    def sample(self) -> tuple[float, int] | None:
        """Ask the primary where its WAL ends now; ``(time, position)``, or ``None`` when
        it cannot say (no PostgreSQL, unreachable, or inside a transaction on it, which
        a failed query would break)."""
        connection = connections[self.alias]
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            return None
        at = time.monotonic()
        try:
            # On the driver's own cursor: a probe of the routing, not one of the page's
            # statements, so no execute wrapper (write detection, a test's capture) sees it.
            connection.ensure_connection()
            with connection.wrap_database_errors, connection.connection.cursor() as cursor:
                cursor.execute("select pg_current_wal_lsn()")
                lsn = parse_lsn(cursor.fetchone()[0])
        except Error:
            return None
        self.add(at, lsn)
        return at, lsn

    def add(self, at: float, lsn: int) -> None:
        with self._lock:
            self._samples.append((at, lsn))

    def covered_since(self, replayed: int) -> float | None:
        """The latest sample time at which the primary's WAL ended at or before
        ``replayed``: a member that has replayed that far has every commit made before
        it. ``None`` when it is behind every sample kept."""
        with self._lock:
            return max((at for at, lsn in self._samples if lsn <= replayed), default=None)

    def oldest(self) -> float:
        """The time of the oldest sample kept (now, when there is none)."""
        with self._lock:
            return self._samples[0][0] if self._samples else time.monotonic()

    def clear(self) -> None:
        with self._lock:
            self._samples.clear()


primary_positions = PrimaryPositions()
"""This process's samples of the primary's position."""
