"""Running a scope once more on the primary after its member failed under it.

A report view answering GET whose member fails mid-page (replay cancelled its query, the
server went away, or the member refused a write that ``raw()`` sent it as a read) is
called again with its reads on the primary: the person gets the page, with a notice.
What is never run again: a callable that wrote anything on the primary (a second run
would write again: ``core.routing.writes``), a view answering another method, and a
plain function not declared ``read_from(..., retry=True)`` (it may have done something
outside the database, an e-mail or a file, that a second run would do again).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest

from core.routing import breaker, db_errors, signals
from core.routing.db_errors import Failure
from core.routing.decision import ReadDecision, Reason
from core.routing.groups import PRIMARY
from core.routing.notices import RETRIED, WRITES
from core.routing.scope import Scope

__all__ = ["Outcome", "may_run_again", "move_to_primary"]

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def may_run_again(retry: bool | None, args: tuple) -> bool:
    """Whether a decorated callable may be called a second time after its member failed.

    ``read_from(..., retry=True)`` or ``retry=False`` says so. Otherwise only a view
    answering a safe method may: its request says it changes nothing.
    """
    if retry is not None:
        return retry
    request = next((arg for arg in args[:2] if isinstance(arg, HttpRequest)), None)
    return request is not None and request.method in SAFE_METHODS


def move_to_primary(scope: Scope, error: DatabaseError, may_run_again: bool) -> bool:
    """After a failure in ``scope``, tell the member's breaker; move the scope's reads to
    the primary and answer True when it may be run again there.

    Only a failure of the scope's own member that another server would answer
    (``Failure.answerable_elsewhere``) is retried. A timeout would time out there too,
    a scope that wrote must not write twice, and a callable that may not run again gets
    the error page: for those the error is the caller's to raise.
    """
    decision = scope.decision
    if decision is None or decision.database == PRIMARY:
        return False
    member = connections[decision.database]
    if member.vendor != "postgresql" or not member.errors_occurred:
        return False  # the error came from another connection (the primary)
    failure = db_errors.classify(error)
    outcome = _outcome(scope, error, failure, may_run_again)
    signals.retry_considered.send_robust(__name__, member=decision.database, outcome=outcome)
    if outcome != Outcome.ON_PRIMARY:
        return False
    logger.warning(
        "Read scope on %r failed (%s); retrying on the primary.", decision.database, error
    )
    notice = WRITES if failure is Failure.WRITE_REFUSED else RETRIED
    retried = ReadDecision(decision.group, PRIMARY, notice, Reason.RETRIED)
    with scope.lock:
        scope.decision = retried
    signals.read_scope_decided.send_robust(__name__, decision=retried)
    return True


class Outcome:
    """What became of a scope whose member failed under it (for metrics and logs)."""

    ON_PRIMARY = "on_primary"  # run again with its reads on the primary
    WROTE = "wrote"  # it wrote on the primary: a second run would write twice
    NOT_SAFE = "not_safe"  # a view answering another method, or retry=False
    NOT_RETRYABLE = "not_retryable"  # the primary would fail the same way (a timeout)
    DISABLED = "disabled"  # STANDBY_RETRY_ON_PRIMARY is off


def _outcome(scope: Scope, error: DatabaseError, failure: Failure, may_run_again: bool) -> str:
    """Tell the member's breaker about a lost server, and say whether the scope runs
    again on the primary (``Outcome.ON_PRIMARY``) or why not."""
    if not settings.STANDBY_RETRY_ON_PRIMARY:
        return Outcome.DISABLED
    if not failure.answerable_elsewhere:
        return Outcome.NOT_RETRYABLE
    if failure is Failure.SERVER_GONE:  # tell the breaker, so the next pages skip it
        breaker.record_failure(scope.decision.database, error)
    connections[scope.decision.database].close_if_unusable_or_obsolete()
    if scope.writes.wrote:
        return Outcome.WROTE
    if not may_run_again:
        return Outcome.NOT_SAFE
    return Outcome.ON_PRIMARY
