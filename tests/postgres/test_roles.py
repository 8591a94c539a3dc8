"""Roles that move (a failover): a member that leads is never read as a standby, and a
read-your-writes position is held against its own timeline.

Against the real primary and standby: the primary itself, listed as a member (as every
node of a failover cluster is), stands for a standby that was promoted; a position
naming another timeline stands for one taken before a failover.
"""

from __future__ import annotations

import pytest
from django.db import connections

from core.routing import positions
from core.routing.decision import Reason, decide
from core.routing.members import LEADING_MEMBER, refusal_of
from core.routing.notices import NO_STANDBY
from core.routing.status import standby_status

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases="__all__")]


def _timeline() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute("select timeline_id from pg_control_checkpoint()")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("lag_policy", ["primary", "notice"])
def test_a_member_that_leads_is_never_read_as_a_standby(settings, lag_policy):
    settings.STANDBY_LAG_POLICY = lag_policy  # "notice" reads a stale standby, never a leader
    settings.STANDBY_GROUPS = {**settings.STANDBY_GROUPS, "nodes": ["default", "standby"]}

    assert refusal_of("default", None).reason == LEADING_MEMBER
    assert {decide("nodes").database for _ in range(20)} == {"standby"}


def test_a_group_whose_only_node_leads_reads_the_primary_and_says_why(settings):
    settings.STANDBY_DOWN_POLICY = "503"  # no member is down: none is a standby
    settings.STANDBY_GROUPS = {**settings.STANDBY_GROUPS, "nodes": ["default"]}

    decision = decide("nodes")

    assert (decision.database, decision.notice, decision.reason) == (
        "default",
        NO_STANDBY,
        Reason.NO_MEMBER,
    )


def test_a_standby_receives_the_primarys_timeline():
    status = standby_status("standby", max_age=0)

    assert status.healthy, status.summary
    assert status.timeline == status.primary_timeline == _timeline()
    assert not status.other_timeline


def test_a_position_of_another_timeline_is_never_replayed(replayed):
    position = positions.primary_write_position()
    replayed()
    timeline, _ = positions.parse_position(position)
    assert timeline == _timeline()
    bare = position.split("/", 1)[1]

    assert positions.has_replayed("standby", position)
    positions.forget_replayed()  # asked of the standby itself, not the measurements kept
    assert positions.has_replayed("standby", position)
    for other in (timeline - 1, timeline + 1):
        if other > 0:  # before a failover, and one the standby does not follow yet
            positions.forget_replayed()
            assert not positions.has_replayed("standby", f"{other:X}/{bare}")
            assert not positions.has_replayed("standby", f"{other:X}/0/1")
