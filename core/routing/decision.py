"""Where a read goes: every rule, in order, in one place (:func:`database_for_read`).

The router asks :func:`database_for_read` for every read. Its rules, first match wins:

1. **No scope**, or a scope that names the primary: the primary.
2. **The request (or, outside a request, the scope) wrote** anything on the primary
   (``core.routing.writes``): the primary, so that its reads see what it wrote.
3. **A transaction is open on the primary** (``transaction.atomic()``): the primary,
   which holds the transaction's own rows.
4. **The scope decided already**: the same database, so a page reads one consistent
   snapshot from one server. Otherwise it decides now, once (:func:`decide`), on its
   first read; in async code, in a worker thread before the view runs
   (``core.routing.decorators``):
5. **A group without members** (``STANDBY_DATABASE_URL=none``): the primary, nothing to
   tell.
6. **The caller wrote within the read-your-writes window with no WAL position known**
   (SQLite, ``READ_YOUR_WRITES_BY = "window"``): the primary (notice: pinned).
7. **The first member that qualifies** (``core.routing.members``), in a fresh random
   order (a uniform choice among those that qualify, found without asking every member;
   a member that is down shares its load evenly among the others, where a round-robin
   would hand it all to its neighbour). A member qualifies when
   a. its **breaker** is closed (``core.routing.breaker``), or lets this caller probe;
   b. it is **reachable** and **replicating** (in recovery, its receiver streaming the
      primary's timeline): a member that leads now (every node of a failover cluster is
      listed; the one promoted is the primary) is never read as a standby;
   c. its **lag is within** ``STANDBY_MAX_LAG_SECONDS``, measured against the primary's
      own WAL position and counting the age of the measurement
      (``core.routing.measure``);
   d. it **has replayed the caller's last write** (``min_position``, from the browser's
      cookie or the context: ``core.routing.read_your_writes``), judged for this member
      alone: one member that caught up never clears the caller for another.
8. **No member qualifies**:
   a. with ``STANDBY_LAG_POLICY = "notice"``, a lagging member that has the caller's
      write, with a stale-data notice;
   b. any member reachable but behind the caller's write: the primary (pinned);
   c. any member reachable but lagging or not replicating: the primary, saying so;
   d. every member unreachable: the primary, saying so, or with ``STANDBY_DOWN_POLICY =
      "503"`` a 503 page (for sites whose primary must be protected);
   e. every member leads (the group's only node is the primary now): the primary, saying
      there is no standby.

After a failure the scope may be moved to the primary once more (``core.routing.retry``).
Writes always go to the primary, whatever the scope.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SynchronousOnlyOperation
from django.db import connections

from core.routing import outage_log, read_your_writes, signals
from core.routing.groups import PRIMARY, members
from core.routing.members import (
    BEHIND_THE_WRITE,
    LEADING_MEMBER,
    STALE_MEMBER,
    Refusal,
    refusal_of,
)
from core.routing.notices import NO_STANDBY, PINNED, UNREACHABLE
from core.routing.scope import Scope, current_scope

__all__ = [
    "NO_DATABASE",
    "ReadDecision",
    "Reason",
    "StandbyUnavailable",
    "database_for_read",
    "decide",
    "decision_of",
    "read_decision",
    "where_reads_go",
]


class Reason:
    """Why a scope reads where it does (for logs and metrics; pages show the notice)."""

    MEMBER = "member"  # a member that qualifies (rule 7)
    NO_MEMBER = "no_member"  # the scope names the primary, or a group without members (1, 5)
    WROTE = "wrote"  # the request or scope wrote: its reads must see it (rule 2)
    TRANSACTION = "transaction"  # a transaction is open on the primary (rule 3)
    PINNED = "pinned"  # the caller's own write is on no member yet (rules 6, 8b)
    LAG = "lag"  # the members lag or do not replicate (rules 8a, 8c)
    UNREACHABLE = "unreachable"  # no member answers (rule 8d)
    RETRIED = "retried"  # the member failed, the scope ran again on the primary (retry)


NO_DATABASE = "none"
"""What a decision that refuses to read anywhere names (``STANDBY_DOWN_POLICY = "503"``):
only its signal carries it, for the metrics; the scope itself raises."""


class StandbyUnavailable(Exception):
    """No member of the group is reachable and the site is set to answer 503."""


@dataclass(frozen=True)
class ReadDecision:
    """Where a scope's reads go, why, and the notice a page shows when that is not a
    fresh member of the group it named."""

    group: str
    """The group the scope named."""
    database: str
    """The alias its reads go to: a member of the group, or the primary."""
    notice: str = ""
    reason: str = Reason.MEMBER

    @property
    def fell_back(self) -> bool:
        """A scope that named a group of standbys reads the primary."""
        return self.database == PRIMARY != self.group


def database_for_read(scope: Scope | None) -> str:
    """The alias a read in ``scope`` goes to now (what the router answers)."""
    return PRIMARY if scope is None else where_reads_go(scope).database  # 1


def where_reads_go(scope: Scope) -> ReadDecision:
    """Where the reads of ``scope`` go now, and why (rules 1-4; :func:`decide`: 5-8)."""
    return _before_deciding(scope) or decision_of(scope)  # 4


def _before_deciding(scope: Scope) -> ReadDecision | None:
    """Rules 1-3, which need no query: the primary, or ``None`` when the scope decides."""
    if scope.group == PRIMARY:  # 1
        return ReadDecision(scope.group, PRIMARY, reason=Reason.NO_MEMBER)
    if scope.writes.wrote:  # 2
        return ReadDecision(scope.group, PRIMARY, reason=Reason.WROTE)
    if connections[PRIMARY].in_atomic_block:  # 3
        return ReadDecision(scope.group, PRIMARY, reason=Reason.TRANSACTION)
    return None


def decision_of(scope: Scope) -> ReadDecision:
    """``scope``'s decision, taken now if it has none yet (rule 4).

    Under the scope's lock: threads that share a scope (``in_scope``) share its decision.
    """
    decided = scope.decision
    if decided is not None:  # once decided, never changed but by a retry: no lock needed
        return decided
    with scope.lock:
        if scope.decision is not None:  # decided by another thread meanwhile
            return scope.decision
        pinned, min_position = read_your_writes.current_requirement()
        try:
            decided = decide(scope.group, pinned=pinned, min_position=min_position)
        except StandbyUnavailable as refusal:
            outage_log.note_no_member(scope.group, Reason.UNREACHABLE, "503")
            unserved = ReadDecision(scope.group, NO_DATABASE, str(refusal), Reason.UNREACHABLE)
            signals.read_scope_decided.send_robust(__name__, decision=unserved)
            raise
        scope.decision = decided
    if decided.reason in _NO_MEMBER_SERVED and members(scope.group):
        outage_log.note_no_member(scope.group, decided.reason, decided.database)
    signals.read_scope_decided.send_robust(__name__, decision=decided)
    return decided


_NO_MEMBER_SERVED = frozenset({Reason.LAG, Reason.UNREACHABLE, Reason.NO_MEMBER})
"""The reasons of a decision that found no member of a group that has some (a member
read with a stale-data notice is reason ``lag`` too: the group's members all lag)."""


def read_decision() -> ReadDecision | None:
    """Where the current scope's reads go now and why (``None`` outside a scope): what
    the router answers, with the reason and the page's notice.

    Decides now if the scope has not read yet, which may query the members: on an event
    loop that raises ``SynchronousOnlyOperation``, as Django's own queries do. An async
    view decorated with ``read_from`` and an ``async with read_from(...)`` block have
    decided in a worker thread before their body runs.
    """
    scope = current_scope()
    if scope is None:
        return None
    early = _before_deciding(scope)
    if early is not None:
        return early
    if scope.decision is None and _on_event_loop():
        raise SynchronousOnlyOperation(
            "read_decision() would query the standbys on the event loop: use `async with"
            " read_from(...)` or decorate the async view, which decide in a worker thread."
        )
    return decision_of(scope)


def decide(group: str, *, pinned: bool = False, min_position: str | None = None) -> ReadDecision:
    """Where the reads of a scope that names ``group`` should go now (rules 5-8).

    ``pinned``: the caller wrote within the read-your-writes window and no WAL position
    is known, so only the primary will do. ``min_position``: the primary's WAL position after
    the caller's last write; only a member that has replayed up to it may serve.
    """
    order = list(members(group))
    if group not in settings.STANDBY_GROUPS and group not in settings.DATABASES:
        raise ImproperlyConfigured(
            f"read_from({group!r}) names no group of STANDBY_GROUPS and no database of"
            f" DATABASES (groups: {', '.join(settings.STANDBY_GROUPS) or 'none'})."
        )
    if group == PRIMARY or not order:  # 5
        return ReadDecision(group, PRIMARY, reason=Reason.NO_MEMBER)
    if pinned:  # 6
        return ReadDecision(group, PRIMARY, PINNED, Reason.PINNED)
    _random.shuffle(order)
    refusals: list[Refusal] = []
    for member in order:  # 7
        refusal = refusal_of(member, min_position)
        if refusal is None:
            return ReadDecision(group, member)
        refusals.append(refusal)
    return _fallback(group, refusals)  # 8


_random = random.Random()
"""Shuffles the members for each scope (an instance of its own, which a test may seed)."""


def _fallback(group: str, refusals: list[Refusal]) -> ReadDecision:
    """No member qualifies (rule 8): a stale one with a notice, if allowed, else the
    primary."""
    for refusal in refusals:  # 8a
        if refusal.stale_notice:
            return ReadDecision(group, refusal.member, refusal.stale_notice, Reason.LAG)
    reasons = {refusal.reason for refusal in refusals}
    if BEHIND_THE_WRITE in reasons:  # 8b
        return ReadDecision(group, PRIMARY, PINNED, Reason.PINNED)
    for refusal in refusals:  # 8c
        if refusal.reason == STALE_MEMBER:
            return ReadDecision(group, PRIMARY, refusal.fallback_notice, Reason.LAG)
    if reasons == {LEADING_MEMBER}:  # 8e
        return ReadDecision(group, PRIMARY, NO_STANDBY, Reason.NO_MEMBER)
    if settings.STANDBY_DOWN_POLICY == "503":  # 8d
        raise StandbyUnavailable(UNREACHABLE)
    return ReadDecision(group, PRIMARY, UNREACHABLE, Reason.UNREACHABLE)


def _on_event_loop() -> bool:
    try:
        return asyncio.get_running_loop() is not None
    except RuntimeError:
        return False
