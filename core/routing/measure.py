"""One measurement of a member: its replication state, and its lag against the primary.

**Lag is measured against the primary, not on the standby alone.** A standby only knows
the WAL it has received: with the primary's WAL sender stalled, or its own receiver
paused, it reports "streaming, nothing left to replay" while the primary has moved on.
So each measurement first takes the primary's WAL position (``pg_current_wal_lsn()``,
one query that reads no table) with the time just before it, then the member's replay
position. The process keeps those samples of the primary (``positions.PrimaryPositions``):
a member that has replayed up to ``R`` has every commit the primary made before the
latest sample whose position is at or below ``R``, so its lag is at most the time since
that sample (``StandbyStatus.fresh_as_of``). This needs no clock shared with the
servers, and an idle primary does not make a healthy member look stale: its position does
not move, so the sample just taken is covered. A member a moment behind the sample just
taken (replay is not instant) is asked for its replay position again, a few times within
5 ms (``RECHECK_PAUSES``).

A member behind every sample kept (a new process has few) misses only commits made after
the last one it replayed: the time since that commit (by the servers' clocks) bounds its
lag. When that is longer than the bound it is left out, and measured again soon.

When the primary cannot be asked (down, or this thread is inside a transaction on it),
the standby's own view is used: ``0`` when it has replayed all it received, else the time
since the last commit it replayed. It cannot see WAL it never received.

**A member on another timeline than the primary is not healthy.** After a failover the
standbys that were repointed follow the new primary's timeline; one that still receives
the old one (not repointed yet, or cut off) replays WAL the new primary never had, and
its positions cannot be held against the new primary's samples. It is left out until it
follows (``StandbyStatus.timeline``). A member that is not in recovery at all leads now
(a promoted standby): ``core.routing.members`` never reads it as a standby.

The embedded SQLite mode has no replica: the status then says so instead of failing.
The ``streaming`` flag reads ``pg_stat_wal_receiver``, whose status only superusers and
members of ``pg_read_all_stats`` can see; grant that role to the site's database user if it
is neither.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import Error, connections

from core.routing.db_errors import first_line
from core.routing.positions import note_replayed, parse_lsn, primary_positions

__all__ = ["STATUS_SQL", "StandbyStatus", "measure"]

RECHECK_PAUSES = (0.0, 0.001, 0.004)
"""How long to wait before asking a member behind the primary's sample again: replay is
usually under a millisecond behind, so a healthy member passes it within these."""

STATUS_SQL = """
select pg_is_in_recovery(),
       exists (select 1 from pg_stat_wal_receiver where status = 'streaming'),
       case when not pg_is_in_recovery() then null
            when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
            else extract(epoch from now() - pg_last_xact_replay_timestamp())
       end,
       case when pg_is_in_recovery()
            then pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) end,
       case when pg_is_in_recovery() then pg_last_wal_replay_lsn() end,
       case when pg_is_in_recovery()
            then extract(epoch from now() - pg_last_xact_replay_timestamp()) end,
       (select received_tli from pg_stat_wal_receiver)
"""
"""A node that leads measures none of the replay columns: once promoted, PostgreSQL keeps
answering the last WAL it received and replayed as a standby, which is no lag."""


@dataclass(frozen=True)
class StandbyStatus:
    """One measurement of a read alias. ``None`` where it could not be measured."""

    alias: str
    replicated: bool
    """False for a database that has no replication at all (the embedded SQLite)."""
    in_recovery: bool | None = None
    streaming: bool | None = None
    lag_bytes: int | None = None
    lag_seconds: float | None = None
    replay_lsn: str | None = None
    """How far it had replayed when measured (``None`` for a server not in recovery)."""
    error: str = ""
    measured_at: float = 0.0
    """``time.monotonic()`` when it was measured."""
    fresh_as_of: float | None = None
    """``time.monotonic()`` before which every commit on the primary was on this member,
    from the primary's own positions; ``None`` when the primary could not be asked."""
    behind_every_sample: bool = False
    """Behind every position of the primary this process kept: how far behind is not
    known (a new process has kept few), so it is not fresh."""
    timeline: int | None = None
    """The timeline its WAL receiver receives (``None``: no receiver, or no privilege)."""
    primary_timeline: int | None = None
    """The primary's timeline when this member was measured (``None``: not asked)."""

    def lag_now(self, now: float | None = None) -> float | None:
        """How far behind the member may be now: its lag when measured plus the age of
        the measurement (``None`` when it could not be measured)."""
        now = time.monotonic() if now is None else now
        if self.fresh_as_of is not None:
            return max(0.0, now - self.fresh_as_of)
        if self.lag_seconds is None:
            return None
        return self.lag_seconds + max(0.0, now - self.measured_at)

    @property
    def healthy(self) -> bool:
        """A hot standby that streams from its primary (or no replication to speak of)."""
        if not self.replicated:
            return not self.error
        return bool(
            self.in_recovery and self.streaming and not self.error and not self.other_timeline
        )

    @property
    def other_timeline(self) -> bool:
        """It receives another timeline than the primary's (the primary failed over)."""
        known = self.timeline is not None and self.primary_timeline is not None
        return known and self.timeline != self.primary_timeline

    @property
    def summary(self) -> str:
        """One line for a page footer or an operator's terminal."""
        if self.error:
            return f"unreachable: {self.error}"
        if not self.replicated:
            return "embedded, no replication"
        if not self.in_recovery:
            return "not a standby: the server is not in recovery (it leads)"
        if self.other_timeline:
            return (
                f"in recovery on timeline {self.timeline}, NOT the primary's"
                f" ({self.primary_timeline})"
            )
        state = "streaming" if self.streaming else "NOT streaming from the primary"
        return f"in recovery, {state}; replay lag {self.lag_text}"

    @property
    def lag_text(self) -> str:
        size = "? bytes" if self.lag_bytes is None else f"{self.lag_bytes:,} bytes"
        seconds = "? s" if self.lag_seconds is None else f"{self.lag_seconds:.1f} s"
        return f"{size}, {seconds}"


def measure(alias: str) -> StandbyStatus:
    """Measure ``alias`` now (never raises for a member that cannot be reached)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return StandbyStatus(alias=alias, replicated=False, measured_at=time.monotonic())
    primary = primary_positions.sample()  # first: the member is judged against it
    primary_timeline = primary_positions.timeline
    try:
        with connection.cursor() as cursor:
            asked_at = time.monotonic()  # at or before the standby's now() below
            cursor.execute(STATUS_SQL)
            row = cursor.fetchone()
            in_recovery, streaming, own_lag, unreplayed, replay_lsn, since_replayed, timeline = row
            fresh_as_of = None
            if primary is not None and replay_lsn is not None:
                fresh_as_of = primary_positions.covered_since(parse_lsn(replay_lsn))
                for pause in RECHECK_PAUSES:  # a member a moment behind the sample
                    if fresh_as_of is not None and fresh_as_of >= primary[0]:
                        break
                    time.sleep(pause)
                    cursor.execute("select pg_last_wal_replay_lsn()")
                    replay_lsn = cursor.fetchone()[0]
                    fresh_as_of = primary_positions.covered_since(parse_lsn(replay_lsn))
    except Error as error:
        # A connection the server dropped would fail every later query of this thread:
        # close it, so that the next measurement connects afresh.
        connection.close_if_unusable_or_obsolete()
        return StandbyStatus(
            alias=alias, replicated=True, error=first_line(error), measured_at=time.monotonic()
        )
    measured_at = time.monotonic()
    note_replayed(alias, replay_lsn, timeline)
    own_lag = None if own_lag is None else max(0.0, float(own_lag))
    if primary is None or replay_lsn is None:  # the standby's own view: all there is
        return StandbyStatus(
            alias=alias,
            replicated=True,
            in_recovery=in_recovery,
            streaming=streaming,
            lag_bytes=None if unreplayed is None else int(unreplayed),
            lag_seconds=own_lag,
            replay_lsn=replay_lsn,
            measured_at=measured_at,
            timeline=timeline,
            primary_timeline=primary_timeline,  # the last one known: it only grows
        )
    behind_every_sample = False
    bound = settings.STANDBY_MAX_LAG_SECONDS
    if fresh_as_of is None and since_replayed is not None and float(since_replayed) <= bound:
        # Behind every sample kept (a new process has kept few): what it misses was
        # committed after the last commit it replayed, so no longer ago than that.
        fresh_as_of = asked_at - max(0.0, float(since_replayed))
    elif fresh_as_of is None:  # behind by at least the age of the oldest sample kept
        behind_every_sample = True
    oldest = primary_positions.oldest()
    return StandbyStatus(
        alias=alias,
        replicated=True,
        in_recovery=in_recovery,
        streaming=streaming,
        lag_bytes=max(0, primary[1] - parse_lsn(replay_lsn)),
        lag_seconds=max(0.0, measured_at - (oldest if fresh_as_of is None else fresh_as_of)),
        replay_lsn=replay_lsn,
        measured_at=measured_at,
        fresh_as_of=fresh_as_of,
        behind_every_sample=behind_every_sample,
        timeline=timeline,
        primary_timeline=primary_timeline,
    )
