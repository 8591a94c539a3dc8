"""What a database error says about the server that raised it, by its SQLSTATE.

The router's retry, the circuit breakers and the error pages all ask one question of an
``OperationalError`` from a standby: what went wrong? :func:`classify` answers it, once,
and each of them acts on the answer::

    from core.routing import db_errors
    from core.routing.db_errors import Failure

    failure = db_errors.classify(error)
    if failure is Failure.SERVER_GONE: ...        # open the member's breaker
    if failure.answerable_elsewhere: ...          # the primary may run it again

Django wraps the driver's exception; psycopg2's own one (its ``__cause__``) carries the
SQLSTATE as ``pgcode``. A connection that drops has none: the server is gone. SQLite's
errors say nothing about a server: a lock held past the wait is ``BUSY``, anything else
the query's.

The breaker's own probes (``core.routing.measure``' query, ``has_replayed``) need
no reading: they read no table and run nothing of the page's, so any error of theirs is
the member's, and the member counts as unreachable.
"""

from __future__ import annotations

import enum

__all__ = ["Failure", "classify", "first_line", "server_gone", "sqlstate"]

RECOVERY_CONFLICT = "40001"
"""Replay on a hot standby cancelled the query ("conflict with recovery")."""

READ_ONLY_TRANSACTION = "25006"
"""A write sent to a hot standby: it runs every transaction read-only, and refuses."""

QUERY_CANCELED = "57014"
"""``statement_timeout`` stopped the query."""

_SQLITE_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")
"""SQLite's answers when another connection holds the lock it waited for (and their
extended codes, such as ``SQLITE_BUSY_SNAPSHOT``)."""

_SERVER_GONE_CLASSES = ("08", "57P")
"""Connection exceptions (08xxx) and shutdowns (57P01 admin shutdown, 57P03 ...)."""


class Failure(enum.Enum):
    """What an error says about the server, and so what may be done about it."""

    SERVER_GONE = "server gone"
    """No SQLSTATE (a dropped connection), a connection exception or a shutdown: the
    error says nothing about the query, and another server will answer it."""

    RECOVERY_CONFLICT = "recovery conflict"
    """Replay cancelled the query on this standby; the primary has no replay to wait for."""

    WRITE_REFUSED = "write refused"
    """A standby refused a write (``raw()`` routes its statement as a read, whatever it
    says): it ran nothing, and the primary would run it."""

    TIMED_OUT = "timed out"
    """The query ran past its ``statement_timeout``: it would time out on any server."""

    BUSY = "busy"
    """SQLite's lock was held past the wait (``SQLITE_BUSY``, "database is locked"):
    another writer has it, and the same request will go through in a moment."""

    QUERY = "query"
    """Anything else is about the query itself, wherever it runs."""

    @property
    def answerable_elsewhere(self) -> bool:
        """Whether another server would answer the same query."""
        return self in (Failure.SERVER_GONE, Failure.RECOVERY_CONFLICT, Failure.WRITE_REFUSED)


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a database error (``None`` when the server sent none)."""
    return getattr(error.__cause__, "pgcode", None) or getattr(error, "pgcode", None)


def classify(error: BaseException) -> Failure:
    """What ``error`` says about the server that raised it."""
    if not any(hasattr(cause, "pgcode") for cause in (error, error.__cause__)):
        busy = getattr(error.__cause__, "sqlite_errorname", "").startswith(_SQLITE_BUSY)
        return Failure.BUSY if busy else Failure.QUERY
    code = sqlstate(error)
    if code is None or code.startswith(_SERVER_GONE_CLASSES):
        return Failure.SERVER_GONE
    if code == RECOVERY_CONFLICT:
        return Failure.RECOVERY_CONFLICT
    if code == READ_ONLY_TRANSACTION:
        return Failure.WRITE_REFUSED
    if code == QUERY_CANCELED:
        return Failure.TIMED_OUT
    return Failure.QUERY


def server_gone(error: BaseException) -> bool:
    """``classify(error) is Failure.SERVER_GONE``: the breaker's question."""
    return classify(error) is Failure.SERVER_GONE


def first_line(error: BaseException) -> str:
    """The first line of the error's message, for a log line or a status (never empty)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
