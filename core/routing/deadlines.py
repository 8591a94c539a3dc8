"""A bound on how long a database connection may wait for a server that does not answer.

``connect_timeout`` bounds a new connection, and nothing bounds a query on one that is
already open: libpq waits for the answer as long as it takes. That is right for a live
server (its ``statement_timeout`` ends a slow query), and wrong for a standby that stops
answering while its TCP connection stays up:

- its processes are stopped (``SIGSTOP``, a frozen VM): the host's kernel still
  acknowledges every byte and answers keepalives;
- a proxy or load balancer in between stops forwarding: it acknowledges the bytes itself.

libpq's ``keepalives`` and ``tcp_user_timeout`` notice a host that stops acknowledging
(set for the standbys in ``config/settings.py``); neither notices these. With persistent
connections (``CONN_MAX_AGE``) a report reuses such a connection instead of connecting,
so it would hang.

So a standby connection waits under a deadline: one thread per process watches the
deadlines and, when one passes first, shuts the connection's socket down. libpq then sees
the connection closed, the query raises ``OperationalError`` with no SQLSTATE (the
server is gone), and the caller's usual handling follows: the member's breaker opens and
the report runs again on the primary::

    with deadlines.deadline(raw_connection.fileno(), seconds=3) as watch:
        cursor.execute("SELECT 1")
    watch.expired  # True when the socket was shut down for want of an answer

Registering a deadline costs a lock and a dict entry, not a thread.
The watchdog shuts a socket down only while its deadline is registered, under the same
lock its owner takes to remove it, so it never touches a socket its owner has moved on
from (whose descriptor number may already belong to another connection).
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Watch", "deadline"]

IDLE_WAKE_SECONDS = 60.0
"""The longest the watchdog sleeps: a bound, not a schedule (a new deadline wakes it)."""


@dataclass
class Watch:
    """One registered deadline; ``expired`` once the watchdog has shut its socket down."""

    fileno: int
    at: float
    expired: bool = False

    def renew(self, seconds: float) -> None:
        """Move the deadline to ``seconds`` from now: the server is still sending."""
        _watchdog.move(self, time.monotonic() + seconds)

    @contextmanager
    def paused(self, seconds: float) -> Iterator[None]:
        """No deadline during the block (it waits on something other than the server),
        then ``seconds`` from its end."""
        _watchdog.move(self, float("inf"))
        try:
            yield
        finally:
            self.renew(seconds)


class _Watchdog:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._changed = threading.Condition(self.lock)
        self._watches: dict[int, Watch] = {}
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None
        self._wakes_at = float("inf")

    def add(self, watch: Watch) -> int:
        token = next(self._tokens)
        with self.lock:
            self._watches[token] = watch
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="database-deadlines", daemon=True
                )
                self._thread.start()
            if watch.at < self._wakes_at:
                self._changed.notify()
        return token

    def move(self, watch: Watch, at: float) -> None:
        with self.lock:
            watch.at = at
            if at < self._wakes_at:
                self._changed.notify()

    def remove(self, token: int) -> None:
        with self.lock:
            self._watches.pop(token, None)

    def _run(self) -> None:
        with self.lock:
            while True:
                now = time.monotonic()
                for token, watch in list(self._watches.items()):
                    if watch.at <= now:
                        del self._watches[token]
                        watch.expired = True
                        _shut_down(watch.fileno)
                earliest = min((watch.at for watch in self._watches.values()), default=float("inf"))
                self._wakes_at = min(earliest, now + IDLE_WAKE_SECONDS)
                self._changed.wait(self._wakes_at - now)


def _shut_down(fileno: int) -> None:
    """Shut the socket behind ``fileno`` down, so that a read blocked on it returns."""
    try:
        duplicate = socket.socket(fileno=os.dup(fileno))
    except OSError:
        return  # already closed by its owner
    with duplicate:
        try:
            duplicate.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # not connected any more: nothing is waiting on it


_watchdog = _Watchdog()


@contextmanager
def deadline(fileno: int, seconds: float) -> Iterator[Watch]:
    """Shut the socket ``fileno`` down if the block is still running after ``seconds``."""
    watch = Watch(fileno, time.monotonic() + seconds)
    token = _watchdog.add(watch)
    try:
        yield watch
    finally:
        _watchdog.remove(token)
