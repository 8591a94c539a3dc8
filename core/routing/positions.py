"""WAL positions: where the primary's WAL ends, and whether a member has replayed it.

The status of each member (``core.routing.measure``) is judged against the samples of the
primary's position that this process keeps (:class:`PrimaryPositions`).

Read-your-writes compares the primary's WAL position after a write with a member's replay
position: a member that has replayed up to the write's position shows it::

    position = primary_write_position()       # after the write has committed: "2/0/3000060"
    has_replayed("standby_2", position)       # may standby_2 serve this caller now?
    wait_for_replay(position, alias="standby")  # tests: wait until it does

**A position carries its timeline.** A failover starts a new timeline on the promoted
standby, and WAL positions go on from where it took over: the same number may then name
different WAL on the old and the new timeline (an asynchronous commit the old primary
never sent is past the switch, and the new primary writes other changes there). So a
position is written ``<timeline>/<lsn>`` (:func:`parse_position`), and a member has
replayed it only when it receives that same timeline and has replayed that far. A
position taken before a failover is therefore met by no member afterwards: its caller
reads the primary until the read-your-writes window ends, never longer, and never reads
a member that may lack the write. A bare ``<lsn>`` (a caller that knows no timeline)
compares as a position only.

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
    "parse_position",
    "primary_positions",
    "primary_wal_lsn",
    "primary_write_lsn",
    "primary_write_position",
    "timeline_of_walfile",
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


def parse_position(text: str) -> tuple[int | None, int]:
    """A read-your-writes position, ``"2/16/B374D848"`` (timeline 2, then the WAL
    position) or a bare ``"16/B374D848"``, as ``(timeline or None, position)``.

    Raises ``ValueError`` for anything else.
    """
    timeline, separator, lsn = text.partition("/")
    if separator and lsn.count("/") == 1:
        if not re.fullmatch(r"[0-9A-Fa-f]{1,8}", timeline) or int(timeline, 16) == 0:
            raise ValueError(f"not a timeline: {timeline!r} in {text!r}")
        return int(timeline, 16), parse_lsn(lsn)
    return None, parse_lsn(text)


def timeline_of_walfile(name: str) -> int:
    """The timeline in a WAL file's name (``pg_walfile_name()``: its first 8 hex digits)."""
    return int(name[:8], 16)


_replayed: dict[str, tuple[int | None, int]] = {}
"""The timeline received and the replay position last measured on each member (guarded
by ``_lock``)."""

REPLAY_POSITION_SQL = """
select pg_last_wal_replay_lsn(), (select received_tli from pg_stat_wal_receiver)
"""
"""A standby's replay position and the timeline it receives (no table read)."""


def note_replayed(alias: str, lsn: str | None, timeline: int | None = None) -> None:
    """Remember how far ``alias`` had replayed when measured, and the timeline it
    received then (``lsn=None``: not a standby)."""
    # The latest measurement, not the furthest: a standby cloned again (of a primary made
    # anew) starts over lower, and a measurement that arrives late only costs a query.
    with _lock:
        if lsn is None:
            _replayed.pop(alias, None)
        else:
            _replayed[alias] = (timeline, parse_lsn(lsn))


def _covers(replayed: tuple[int | None, int] | None, target: tuple[int | None, int]) -> bool:
    if replayed is None:
        return False
    if target[0] is not None and replayed[0] != target[0]:
        return False  # another timeline (or none known): the same number is other WAL
    return replayed[1] >= target[1]


def has_replayed(alias: str, position: str) -> bool:
    """Has standby ``alias`` replayed the primary's WAL up to ``position``?

    A position with a timeline needs a member that receives that timeline (see the
    module's docstring). Answered from what earlier measurements saw when that is enough
    (replay never goes back), otherwise by one query on the standby (its replay
    position and received timeline, which reads no table). A database without
    replication has nothing to replay: True. Raises the database error of a standby that
    cannot be reached.
    """
    target = parse_position(position)
    with _lock:
        if _covers(_replayed.get(alias), target):
            return True
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return True
    try:
        with connection.cursor() as cursor:
            cursor.execute(REPLAY_POSITION_SQL)
            replayed, timeline = cursor.fetchone()
    except Error:
        connection.close_if_unusable_or_obsolete()
        raise
    note_replayed(alias, replayed, timeline)
    return replayed is not None and _covers((timeline, parse_lsn(replayed)), target)


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


WRITE_POSITION = """case when current_setting('synchronous_commit') = 'off'
            then pg_current_wal_insert_lsn() else pg_current_wal_lsn() end"""

WRITE_POSITION_SQL = f"select {WRITE_POSITION}"

WRITE_POSITION_WITH_TIMELINE_SQL = f"""
select position, pg_walfile_name(position) from (select {WRITE_POSITION} as position) as taken
"""


def primary_write_position(alias: str = "default") -> str | None:
    """:func:`primary_write_lsn` with the primary's timeline: ``"<timeline>/<lsn>"``,
    what read-your-writes keeps (``None`` without PostgreSQL)."""
    row = _primary_row(alias, WRITE_POSITION_WITH_TIMELINE_SQL)
    if row is None:
        return None
    lsn, walfile = row
    return f"{timeline_of_walfile(walfile):X}/{lsn}"


def primary_wal_lsn(alias: str = "default") -> str | None:
    """The primary's WAL write position now (``None`` without PostgreSQL).

    Every transaction committed on ``alias`` so far (with synchronous commit) ends at or
    before it: a standby that has replayed up to it shows them all.
    """
    return _primary_value(alias, "select pg_current_wal_lsn()")


def _primary_value(alias: str, sql: str) -> str | None:
    row = _primary_row(alias, sql)
    return None if row is None else row[0]


def _primary_row(alias: str, sql: str) -> tuple | None:
    """The one row ``sql`` answers on the primary ``alias`` (``None`` without PostgreSQL)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def wait_for_replay(
    position: str | None = None,
    *,
    alias: str = "standby",
    primary: str = "default",
    timeout: float = 5.0,
    poll_interval: float = 0.001,
) -> bool:
    """Wait until ``alias`` has replayed the primary's WAL up to ``position`` (default:
    now).

    Read-your-writes on a replica: a commit becomes visible on the standby only once the
    standby has replayed it, so a read straight after a write may miss it. This polls
    ``pg_last_wal_replay_lsn()`` on the standby (the pause only spaces the polls out) and
    returns True once the commits up to ``position`` are visible there, False when
    ``timeout`` runs out first. Without PostgreSQL there is nothing to wait for: True at
    once.
    """
    target = position or primary_wal_lsn(primary)
    if target is None or connections[alias].vendor != "postgresql":
        return True
    _, number = parse_position(target)  # a test's own standby: its timeline is the primary's
    deadline = time.monotonic() + timeout
    with connections[alias].cursor() as cursor:
        while True:
            cursor.execute(
                "select pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0') >= %s", [number]
            )
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
    member behind every sample kept is as old as the oldest one, at least. The samples
    are of one timeline (``timeline``): the first sample of a new one (the primary
    failed over) drops the others, whose positions name another history.
    """

    SAMPLES = 512

    def __init__(self, alias: str = PRIMARY) -> None:
        self.alias = alias
        self._samples: collections.deque[tuple[float, int]] = collections.deque(maxlen=self.SAMPLES)
        self._lock = threading.Lock()
        self.timeline: int | None = None
        """The primary's timeline at the latest sample (``None`` before the first)."""

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
                cursor.execute(PRIMARY_POSITION_SQL)
                lsn, walfile = cursor.fetchone()
        except Error:
            return None
        position = parse_lsn(lsn)
        self.add(at, position, timeline_of_walfile(walfile))
        return at, position

    def add(self, at: float, lsn: int, timeline: int | None = None) -> None:
        with self._lock:
            if timeline is not None and self.timeline is not None and timeline < self.timeline:
                return  # a late answer of the old primary: timelines only grow
            if timeline is not None and timeline != self.timeline:
                self._samples.clear()
                self.timeline = timeline
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
            self.timeline = None


PRIMARY_POSITION_SQL = "select pg_current_wal_lsn(), pg_walfile_name(pg_current_wal_lsn())"


primary_positions = PrimaryPositions()
"""This process's samples of the primary's position."""
