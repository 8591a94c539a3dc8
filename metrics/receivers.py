"""The signals of ``core.routing``, counted.

Each receiver is a counter's increment: they run on the request's thread, inside the
routing's decisions, so they do nothing more (no query, no lock held for long).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from core.routing import signals
from core.routing.breaker import breaker_for
from core.routing.decision import NO_DATABASE, ReadDecision, Reason
from core.routing.groups import PRIMARY, all_members, members
from core.routing.retry import Outcome
from metrics.instruments import (
    BREAKER_OPEN,
    BREAKER_TRANSITIONS,
    EXPORT_ROWS,
    READ_SCOPES,
    RETRIES,
    WRITES_DETECTED,
)

__all__ = ["connect"]

FALLBACKS = (Reason.LAG, Reason.PINNED, Reason.UNREACHABLE, Reason.NO_MEMBER, Reason.RETRIED)
"""Why a scope reads the primary: each a series from the start."""
OUTCOMES = (
    Outcome.ON_PRIMARY,
    Outcome.WROTE,
    Outcome.NOT_SAFE,
    Outcome.NOT_RETRYABLE,
    Outcome.DISABLED,
)


def count_scope(sender: Any, decision: ReadDecision, **kwargs: Any) -> None:
    READ_SCOPES.labels(decision.group, decision.database, decision.reason).inc()


def count_breaker(sender: Any, member: str, is_open: bool, **kwargs: Any) -> None:
    BREAKER_TRANSITIONS.labels(member, "open" if is_open else "closed").inc()
    # The breaker's state now, not the change's: two threads' changes may be told in
    # either order, and the last told must not leave the gauge on the older state.
    BREAKER_OPEN.labels(member).set(1 if breaker_for(member).is_open else 0)


def count_write(sender: Any, **kwargs: Any) -> None:
    WRITES_DETECTED.inc()


def count_retry(sender: Any, outcome: str, **kwargs: Any) -> None:
    RETRIES.labels(outcome).inc()


def count_rows(sender: Any, rows: int, **kwargs: Any) -> None:
    EXPORT_ROWS.inc(rows)


def connect() -> None:
    """Connect the receivers (``MetricsConfig.ready``), and give every series that a
    member or an outcome will have its zero now: a rate over a series that appears only
    at its first event misses that event."""
    signals.read_scope_decided.connect(count_scope, dispatch_uid="metrics.count_scope")
    signals.breaker_changed.connect(count_breaker, dispatch_uid="metrics.count_breaker")
    signals.write_detected.connect(count_write, dispatch_uid="metrics.count_write")
    signals.retry_considered.connect(count_retry, dispatch_uid="metrics.count_retry")
    signals.rows_exported.connect(count_rows, dispatch_uid="metrics.count_rows")
    for member in sorted(all_members()):
        BREAKER_OPEN.labels(member).set(0)
        for to in ("open", "closed"):
            BREAKER_TRANSITIONS.labels(member, to)
    for outcome in OUTCOMES:
        RETRIES.labels(outcome)
    for group in settings.STANDBY_GROUPS:
        for member in members(group):
            READ_SCOPES.labels(group, member, Reason.MEMBER)
        for reason in FALLBACKS:
            READ_SCOPES.labels(group, PRIMARY, reason)
        READ_SCOPES.labels(group, NO_DATABASE, Reason.UNREACHABLE)
