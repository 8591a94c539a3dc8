"""What a database error says about the server that raised it, by its SQLSTATE.

The router's retry, the circuit breakers and the error pages all ask the same questions
of an ``OperationalError`` from a standby: did replay cancel the query, did the query
run out of time, or is the server gone? The answers live here, once::

    from core import db_errors

    if db_errors.server_gone(error): ...        # open the member's breaker, retry
    db_errors.sqlstate(error) == db_errors.RECOVERY_CONFLICT

Django wraps the driver's exception; psycopg2's own one (its ``__cause__``) carries the
SQLSTATE as ``pgcode``. A connection that drops has none: the server is gone.
"""

from __future__ import annotations

__all__ = [
    "QUERY_CANCELED",
    "RECOVERY_CONFLICT",
    "first_line",
    "server_gone",
    "sqlstate",
]

RECOVERY_CONFLICT = "40001"
"""Replay on a hot standby cancelled the query ("conflict with recovery"): retryable."""

QUERY_CANCELED = "57014"
"""``statement_timeout`` stopped the query: it would time out on any server."""

_SERVER_GONE_CLASSES = ("08", "57P")
"""Connection exceptions (08xxx) and shutdowns (57P01 admin shutdown, 57P03 ...)."""


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a database error (``None`` when the server sent none)."""
    return getattr(error.__cause__, "pgcode", None) or getattr(error, "pgcode", None)


def server_gone(error: BaseException) -> bool:
    """No SQLSTATE (a dropped connection), a connection exception or a shutdown.

    Such an error says nothing about the query: another server will answer it.
    """
    code = sqlstate(error)
    return code is None or code.startswith(_SERVER_GONE_CLASSES)


def first_line(error: BaseException) -> str:
    """The first line of the error's message, for a log line or a status (never empty)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
