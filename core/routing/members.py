"""Whether one member of a group may serve a scope now (rule 7 of ``decision``).

A member qualifies when (7a) its breaker lets the caller through, (7b) it answers, is a
standby (a node that leads now, a promoted standby, is never read as one, whatever the
lag policy) and replicates on the primary's timeline, (7c) its lag, measured against
the primary, is within ``STANDBY_MAX_LAG_SECONDS``, and (7d) it has replayed the
caller's last write.
:func:`refusal_of` answers ``None`` for a member that qualifies, or a :class:`Refusal`
that says why not, and what the page says if the scope reads elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import Error

from core.routing.breaker import breaker_for
from core.routing.db_errors import first_line
from core.routing.notices import (
    LAGGING,
    NOT_REPLICATING,
    NOT_REPLICATING_NOTICE,
    STALE,
    UNMEASURED,
    UNMEASURED_NOTICE,
)
from core.routing.positions import has_replayed
from core.routing.status import StandbyStatus, current_status

__all__ = [
    "BEHIND_THE_WRITE",
    "LEADING_MEMBER",
    "STALE_MEMBER",
    "UNREACHABLE_MEMBER",
    "Refusal",
    "refusal_of",
]

UNREACHABLE_MEMBER = "unreachable"
BEHIND_THE_WRITE = "behind"
STALE_MEMBER = "stale"
LEADING_MEMBER = "leading"
"""The member is no standby: it leads (every node is listed as a member, and the one
that is the primary now is left out by this)."""


@dataclass(frozen=True)
class Refusal:
    """Why one member cannot serve a scope, and what to say if the scope reads elsewhere."""

    member: str
    reason: str
    fallback_notice: str = ""
    stale_notice: str = ""
    """Set for a stale member that has the caller's writes: readable with this notice."""


def refusal_of(member: str, min_position: str | None) -> Refusal | None:
    """``None`` when ``member`` may serve the scope now (rule 7), else why it may not."""
    breaker = breaker_for(member)
    if not breaker.allow():  # 7a
        return Refusal(member, UNREACHABLE_MEMBER)
    try:
        # A probe after the cool-down must measure now; otherwise a brief cache will do.
        status = current_status(member, fresh=breaker.is_open)
        if status.error:  # 7b
            breaker.record_failure(status.error)
            return Refusal(member, UNREACHABLE_MEMBER)
        if status.replicated and status.in_recovery is False:  # 7b: it leads
            breaker.record_success(status.measured_at)
            return Refusal(member, LEADING_MEMBER)
        if status.other_timeline:  # 7b: it may hold commits the primary never had
            breaker.record_success(status.measured_at)
            return Refusal(member, STALE_MEMBER, fallback_notice=NOT_REPLICATING)
        stale = staleness(status)  # 7b, 7c
        readable_stale = settings.STANDBY_LAG_POLICY == "notice"
        if stale and not readable_stale and not status.behind_every_sample:
            breaker.record_success(status.measured_at)
            return Refusal(member, STALE_MEMBER, fallback_notice=stale[0])
        # A member behind by an unknown time that lacks the caller's write: that says more.
        caught_up = min_position is None or has_replayed(member, min_position)  # 7d
    except Error as error:  # has_replayed() on a member that has just gone away
        breaker.record_failure(first_line(error))
        return Refusal(member, UNREACHABLE_MEMBER)
    except BaseException:  # not the server's fault: never leave the breaker probing
        breaker.abandon_probe()
        raise
    breaker.record_success(status.measured_at)
    if not caught_up:
        return Refusal(member, BEHIND_THE_WRITE)
    if stale:
        stale_notice = stale[1] if readable_stale else ""
        return Refusal(member, STALE_MEMBER, fallback_notice=stale[0], stale_notice=stale_notice)
    return None


def staleness(status: StandbyStatus) -> tuple[str, str] | None:
    """For a member too far behind to read: the fallback notice and the stale notice."""
    if not status.replicated:  # the embedded SQLite: the primary's own file
        return None
    if not status.healthy:  # reachable, but not a standby that replays: stale for good
        return NOT_REPLICATING, NOT_REPLICATING_NOTICE
    lag = status.lag_now()
    if lag is None:  # replicating, but its position could not be read: not fresh
        return NOT_REPLICATING, NOT_REPLICATING_NOTICE
    if lag > settings.STANDBY_MAX_LAG_SECONDS:  # for a member behind every sample: at least
        return LAGGING.format(lag=lag), STALE.format(lag=lag)
    if status.behind_every_sample:
        return UNMEASURED, UNMEASURED_NOTICE
    return None
