"""How far behind the primary the reporting standby is: measured cheaply, cached briefly.

Report pages show it next to the data they read from the standby, and
``manage.py replication_status`` prints it for operators::

    from core.replication import standby_status

    status = standby_status()          # the "standby" alias, at most a few seconds old
    status.in_recovery, status.streaming, status.lag_bytes, status.lag_seconds
    status.summary                     # "in recovery, streaming; replay lag 0 bytes, 0.0 s"

One query on the standby, about 0.1 ms. Its lag in seconds uses a CASE: a caught-up standby
reports 0, where ``now() - pg_last_xact_replay_timestamp()`` alone would report the time
since the last commit it replayed, growing while nothing happens (and NULL before the
first one). ``replay_lag`` in the primary's ``pg_stat_replication`` goes NULL or stale
when idle, so it is not used.

Why a cache: every report page asks, and a standby that is down would otherwise cost each
page a connection attempt (up to the alias's connect_timeout). A failure is cached like a
success. The cache is per process and per alias, guarded by a lock because a gthread
worker serves requests on several threads.

The embedded SQLite mode has no replica: the status then says so instead of failing.
The ``streaming`` flag reads ``pg_stat_wal_receiver``, whose status only superusers and
members of ``pg_read_all_stats`` can see; grant that role to the site's database user if it
is neither.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.db import Error, connections

__all__ = [
    "CACHE_SECONDS",
    "StandbyStatus",
    "clear_cache",
    "primary_wal_lsn",
    "standby_status",
    "wait_for_replay",
]

CACHE_SECONDS = 5.0
"""How long a measurement is reused: short next to any report, long next to a page view."""

STATUS_SQL = """
select pg_is_in_recovery(),
       exists (select 1 from pg_stat_wal_receiver where status = 'streaming'),
       case when not pg_is_in_recovery() then null
            when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
            else extract(epoch from now() - pg_last_xact_replay_timestamp())
       end,
       pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())
"""


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
    error: str = ""

    @property
    def healthy(self) -> bool:
        """A hot standby that streams from its primary (or no replication to speak of)."""
        if not self.replicated:
            return not self.error
        return bool(self.in_recovery and self.streaming and not self.error)

    @property
    def summary(self) -> str:
        """One line for a page footer or an operator's terminal."""
        if self.error:
            return f"unreachable: {self.error}"
        if not self.replicated:
            return "embedded, no replication"
        if not self.in_recovery:
            return "not a standby: the server is not in recovery"
        state = "streaming" if self.streaming else "NOT streaming from the primary"
        return f"in recovery, {state}; replay lag {self.lag_text}"

    @property
    def lag_text(self) -> str:
        size = "? bytes" if self.lag_bytes is None else f"{self.lag_bytes:,} bytes"
        seconds = "? s" if self.lag_seconds is None else f"{self.lag_seconds:.1f} s"
        return f"{size}, {seconds}"


_cache: dict[str, tuple[float, StandbyStatus]] = {}
_cache_lock = threading.Lock()


def standby_status(alias: str = "standby", *, max_age: float = CACHE_SECONDS) -> StandbyStatus:
    """The replication state of ``alias``, measured at most ``max_age`` seconds ago.

    ``max_age=0`` measures now. Never raises for a database that cannot be reached: the
    status carries the error instead, so a page can still render.
    """
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(alias)
    if cached is not None and now - cached[0] < max_age:
        return cached[1]
    status = _measure(alias)
    with _cache_lock:
        _cache[alias] = (time.monotonic(), status)
    return status


def clear_cache() -> None:
    """Forget every measurement (tests, and after a failover)."""
    with _cache_lock:
        _cache.clear()


def primary_wal_lsn(alias: str = "default") -> str | None:
    """The primary's WAL position now (``None`` without PostgreSQL).

    Every transaction committed on ``alias`` so far ends at or before it: a standby that
    has replayed up to it shows them all.
    """
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("select pg_current_wal_lsn()")
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

    Read-your-writes on a replica: a commit becomes visible on the standby a fraction of
    a millisecond later, so a read straight after a write usually misses it. This polls
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


def _measure(alias: str) -> StandbyStatus:
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return StandbyStatus(alias=alias, replicated=False)
    try:
        with connection.cursor() as cursor:
            cursor.execute(STATUS_SQL)
            in_recovery, streaming, lag_seconds, lag_bytes = cursor.fetchone()
    except Error as error:
        # A connection the server dropped would fail every later query of this thread:
        # close it, so that the next measurement connects afresh.
        connection.close_if_unusable_or_obsolete()
        return StandbyStatus(alias=alias, replicated=True, error=_first_line(error))
    return StandbyStatus(
        alias=alias,
        replicated=True,
        in_recovery=in_recovery,
        streaming=streaming,
        lag_bytes=None if lag_bytes is None else int(lag_bytes),
        lag_seconds=None if lag_seconds is None else float(lag_seconds),
    )


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
