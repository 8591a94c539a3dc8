"""Read your own writes: what a read scope must see of the caller's last write.

Replay on a member is fast but not instant: read straight after a commit, it may not
have the new row yet. So whoever wrote (a browser, or a shell, a command or a task
outside a request) remembers where the primary's WAL ended after the write, and for
``READ_YOUR_WRITES_SECONDS`` its read scopes use only a member that has replayed up to
there (``core.routing.decision``, rule 7d). Each member is judged on its own: one that
has caught up never releases the caller for another that has not. With
``READ_YOUR_WRITES_BY = "window"``, or when the primary cannot say its position, the
caller reads the primary for the window instead. The embedded SQLite has no WAL: its
standby reads the primary's own file and never lags, so a context there has nothing to
wait for, and only a browser keeps the window (its cookie then says "1", see
``core.routing.middleware``).

The position is taken lazily, once per batch of writes: every write marks the
:class:`LastWrite` of the current context (``core.routing.writes``), and the position is
read from the primary (``positions.primary_write_position()``, one cheap query) when a later
scope first needs it, or when the request ends and the middleware puts it in the
browser's signed cookie. Inside a request, ``core.routing.middleware`` makes one
``LastWrite`` per request from that cookie; outside one, the first write of a context
creates it, and it lives as long as the context (a thread, an asyncio task, a management
command)::

    card.save()                              # marks this context's LastWrite
    with read_from("standby"):
        card.refresh_from_db()               # a standby that has the save, or the primary
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import Error, connections

from core.routing.groups import PRIMARY
from core.routing.positions import primary_write_position

__all__ = ["LastWrite", "active", "current_requirement", "ensure", "forget", "note_write"]


@dataclass
class LastWrite:
    """Where the caller's last write ended on the primary, and until when that matters."""

    position: str | None = None
    """The primary's timeline and WAL position after the write (``"2/0/3000060"``): read
    a standby of that timeline that has replayed it (``core.routing.positions``)."""
    pinned: bool = False
    """No position to wait for, but the write must be seen: read the primary."""
    expires_at: float = 0.0
    """Wall-clock time after which reads need not see the write any more."""
    unresolved: bool = False
    """Written since ``position`` was taken: take it again before a scope relies on it."""

    def note_write(self) -> None:
        self.unresolved = True

    def resolve(self) -> None:
        """Take the primary's WAL position now, after the writes so far have committed.

        Not inside an open transaction on the primary: its commit would come after the
        position. It is taken at the next chance instead (reads go to the primary until
        then: see ``requirement``).
        """
        if not self.unresolved or connections[PRIMARY].in_atomic_block:
            return
        self.unresolved = False
        self.expires_at = time.time() + settings.READ_YOUR_WRITES_SECONDS
        self.position, self.pinned = None, True
        if settings.READ_YOUR_WRITES_BY == "wal":
            try:
                self.position = primary_write_position()
            except Error:  # the primary cannot say: reading it is never wrong
                return
            # None: the embedded SQLite, with nothing to replay (see the module's docstring).
            self.pinned = False

    def requirement(self) -> tuple[bool, str | None]:
        """``(pinned, min_position)`` for ``core.routing.decision.decide``.

        ``pinned``: read the primary (a write within the window, no position known).
        ``min_position``: read only a standby that has replayed up to it.
        """
        self.resolve()
        if self.unresolved:  # written in a transaction that is still open: the primary
            return True, None
        if time.time() >= self.expires_at:
            return False, None
        return self.pinned, self.position


_last_write: contextvars.ContextVar[LastWrite | None] = contextvars.ContextVar(
    "last_write", default=None
)


def ensure() -> LastWrite:
    """The current context's ``LastWrite``, made now if it has none.

    Outside a request, a read scope makes it before its work runs in a copy of the
    context (a generator, a streamed body): a write there marks the same object, so
    the caller's later scopes see it too.
    """
    last_write = _last_write.get()
    if last_write is None:  # outside a request: the context's own, for its whole life
        last_write = LastWrite()
        _last_write.set(last_write)
    return last_write


def note_write() -> None:
    """The current context is about to write on the primary (``core.routing.writes``)."""
    ensure().note_write()


def current_requirement() -> tuple[bool, str | None]:
    """What the current context's reads must see of its own writes (see ``LastWrite``)."""
    last_write = _last_write.get()
    return (False, None) if last_write is None else last_write.requirement()


def forget() -> None:
    """Forget the current context's last write (between tests, or a worker's jobs)."""
    _last_write.set(None)


@contextmanager
def active(last_write: LastWrite) -> Iterator[LastWrite]:
    """Make ``last_write`` the current context's for the block (one request)."""
    token = _last_write.set(last_write)
    try:
        yield last_write
    finally:
        _last_write.reset(token)
