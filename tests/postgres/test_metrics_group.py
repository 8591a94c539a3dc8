"""``/metrics`` while the real group of two standbys is paused and stopped.

What an operator's dashboard would show: a paused member's lag growing past the bound
while the scopes move to the other member, both paused and the scopes falling back to
the primary (one log line for the lot), a stopped member down with its breaker open,
and everything back to normal once it returns.
"""

from __future__ import annotations

import ipaddress
import logging

import pytest
from django.test import Client

from core.routing import breaker, decision, status
from tests.metrics.scrape import Samples, scrape, value
from tests.postgres.conftest import replay_paused
from tests.postgres.group import (
    FIRST,
    LAG_BOUND,
    SECOND,
    browser,
    first_member_stale,
    lagging_beyond_the_bound,
    pointed_at_nothing,
    received_now,
    replayed_now,
    served_by,
    stopped,
    until,
)
from timetrack.factories import TimecardFactory

pytestmark = [
    pytest.mark.postgres_group,
    pytest.mark.slow,  # members paused and stopped
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

SCOPES = "db_read_scopes_total"


@pytest.fixture(autouse=True)
def _scrapes_and_bounds(settings) -> None:
    settings.METRICS_ALLOWED_ADDRESSES = [ipaddress.ip_network("127.0.0.1")]
    settings.STANDBY_MAX_LAG_SECONDS = LAG_BOUND
    decision._random.seed(9)


@pytest.fixture
def reporter(staff) -> Client:
    for alias in (FIRST, SECOND):
        replayed_now(alias)
    return browser(staff)


def _scopes(before: Samples, after: Samples, served: str, reason: str) -> float:
    labels = {"group": "standby", "served_by": served, "reason": reason}
    return (value(after, SCOPES, **labels) or 0) - (value(before, SCOPES, **labels) or 0)


def _pages(reporter: Client, count: int) -> set[tuple[str, str]]:
    """Report pages read ``count`` times: where they were served from."""
    served = set()
    for _ in range(count):
        response = reporter.get("/reports/hours/")
        assert response.status_code == 200
        served.add(served_by(response))
    return served


def test_a_paused_member_shows_its_lag_and_the_scopes_move_to_the_other(reporter, caplog):
    before = scrape()
    with first_member_stale("written while the first member is paused"):
        paused = scrape()
        assert _pages(reporter, 6) == {(SECOND, "")}
        after = scrape()

    assert value(paused, "db_standby_up", member=FIRST) == 1, "paused, still streaming"
    assert value(paused, "db_standby_replay_lag_seconds", member=FIRST) > LAG_BOUND
    assert value(paused, "db_standby_lag_bytes", member=FIRST) > 0
    assert value(paused, "db_standby_replay_lag_seconds", member=SECOND) < LAG_BOUND
    assert _scopes(before, after, SECOND, "member") == 6
    assert _scopes(before, after, FIRST, "member") == 0
    assert not [r for r in caplog.records if getattr(r, "event", "") == "read_scope_without_member"]


def test_both_paused_the_scopes_count_as_lag_on_the_primary_and_log_once(reporter, caplog):
    before = scrape()
    with replay_paused(FIRST), replay_paused(SECOND):
        TimecardFactory(description="written while both members are paused")
        for alias in (FIRST, SECOND):
            received_now(alias)
            lagging_beyond_the_bound(alias)
        with caplog.at_level(logging.WARNING, logger="core.routing.outage_log"):
            served = _pages(reporter, 5)
        after = scrape()

    assert {alias for alias, _ in served} == {"default"}
    assert _scopes(before, after, "default", "lag") == 5
    lines = [r for r in caplog.records if getattr(r, "event", "") == "read_scope_without_member"]
    assert len(lines) == 1, "one line for the outage, not one a page"
    assert (lines[0].group, lines[0].reason, lines[0].scopes) == ("standby", "lag", 1)


def test_a_stopped_member_is_down_with_its_breaker_open_until_it_is_back(
    reporter, settings, caplog
):
    settings.STANDBY_COOL_DOWN_SECONDS = 0.2
    before = scrape()
    caplog.set_level(logging.WARNING, logger="core.routing.breaker")
    with stopped(SECOND):
        assert _pages(reporter, 20) == {(FIRST, "")}
        assert breaker.breaker_for(SECOND).is_open, "20 random orders tried it"
        down = scrape()
    # The server is up again and streams: the next probe after the cool-down closes it.
    replayed_now(SECOND)
    status.clear_cache()
    until(lambda: (SECOND, "") in _pages(reporter, 1), f"{SECOND} to serve again")
    back = scrape()

    def transitions(samples: Samples, to: str) -> float:
        return value(samples, "db_standby_breaker_transitions_total", member=SECOND, to=to)

    assert value(down, "db_standby_up", member=SECOND) == 0
    assert value(down, "db_standby_leading", member=SECOND) == 0, "down, not leading"
    assert value(down, "db_standby_replay_lag_seconds", member=SECOND) is None, "not made up"
    assert value(down, "db_standby_breaker_open", member=SECOND) == 1
    assert value(down, "db_standby_breaker_open", member=FIRST) == 0
    assert transitions(down, "open") - transitions(before, "open") == 1
    assert value(back, "db_standby_up", member=SECOND) == 1
    assert value(back, "db_standby_breaker_open", member=SECOND) == 0
    assert transitions(back, "closed") - transitions(before, "closed") == 1
    offline = [r for r in caplog.records if getattr(r, "event", "") == "standby_offline"]
    assert [r.member for r in offline] == [SECOND]
    online = [r for r in caplog.records if getattr(r, "event", "") == "standby_online"]
    assert [r.member for r in online] == [SECOND], "coming back is logged, once"
    assert online[0].created > offline[0].created


def test_every_member_unreachable_the_scopes_count_on_the_primary_or_as_503(reporter, settings):
    before = scrape()
    status.clear_cache()  # the scrape measured them reachable a moment ago
    with pointed_at_nothing(FIRST, SECOND):
        assert served_by(reporter.get("/reports/hours/"))[0] == "default"
        settings.STANDBY_DOWN_POLICY = "503"
        assert reporter.get("/reports/hours/").status_code == 503
        after = scrape()

    assert _scopes(before, after, "default", "unreachable") == 1
    assert _scopes(before, after, "none", "unreachable") == 1, "the 503 page, counted"
    for member in (FIRST, SECOND):
        assert value(after, "db_standby_up", member=member) == 0
        assert value(after, "db_standby_breaker_open", member=member) == 1
