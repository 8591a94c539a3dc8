"""A group of two real standbys: choosing a member, its breaker, and read-your-writes.

Run against the native primary with two streaming standbys (``make pg-up STANDBYS=2``,
``STANDBY_DATABASE_URLS`` naming both: ``make test-pg`` does it). Replay is paused per
member with ``pg_wal_replay_pause()`` to make "behind" deterministic, and a member is
stopped for real to open its breaker. Every wait polls a WAL position or a state; none
sleeps in its place.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connections, router
from django.test import Client
from django.urls import reverse

from accounts.factories import StaffFactory
from core.routing import ScopedReadRouter, breaker, decision, groups, positions, read_from, status
from tests.conftest import log_time, pinned_position
from tests.postgres.conftest import replay_paused
from tests.postgres.group import (
    DEADLINE_SECONDS,
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
    servers,
    stopped,
    value,
)
from timetrack.factories import ProjectFactory, TimecardFactory
from timetrack.models import Timecard

pytestmark = [
    pytest.mark.postgres_group,
    pytest.mark.slow,  # members stopped, paused and cloned again
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

REPORT_PAGES = ("/reports/", "/reports/hours/", "/reports/unbilled/", "/reports/invoices/")


# --- helpers ---------------------------------------------------------------------------


def _export(browser: Client) -> str:
    response = browser.get(reverse("reports:timecards_csv"))
    return b"".join(response.streaming_content).decode()


@pytest.fixture(autouse=True)
def _repeatable_choices() -> None:
    """The members' order of each scope is random: seeded, every run makes the same."""
    decision._random.seed(9)


@pytest.fixture
def reporter(staff) -> Client:
    """A browser that has written nothing, so nothing pins it."""
    return browser(staff)


@pytest.fixture
def caught_up():
    """Both members have replayed the test's setup (its people, its sessions)."""

    def wait() -> None:
        for alias in (FIRST, SECOND):
            replayed_now(alias)

    return wait


# --- the group ---------------------------------------------------------------------------


def test_the_group_has_two_streaming_members_with_their_own_aliases(settings):
    assert settings.STANDBY_GROUPS == {"standby": [FIRST, SECOND]}
    assert groups.members("standby") == (FIRST, SECOND)
    assert groups.members(SECOND) == (SECOND,), "any other alias is a group of one"
    ports = {value(alias, "select inet_server_port()") for alias in ("default", FIRST, SECOND)}
    assert len(ports) == 3
    for alias in (FIRST, SECOND):
        assert value(alias, "select pg_is_in_recovery()") is True
        assert value(alias, "select status from pg_stat_wal_receiver") == "streaming"
        assert settings.DATABASES[alias]["TEST"]["MIRROR"] == "default"
        assert settings.DATABASES[alias]["OPTIONS"]["connect_timeout"] >= 1


def test_relations_hold_across_every_member_and_no_member_migrates(caught_up):
    timecard = TimecardFactory()
    caught_up()
    copies = [Timecard.objects.using(alias).get(pk=timecard.pk) for alias in (FIRST, SECOND)]
    scoped_router = ScopedReadRouter()
    for copy in copies:
        assert scoped_router.allow_relation(timecard, copy)
    assert scoped_router.allow_relation(*copies)
    assert router.allow_migrate("default", "timetrack")
    assert not router.allow_migrate(FIRST, "timetrack")
    assert not router.allow_migrate(SECOND, "timetrack")


def test_a_scope_keeps_its_member_for_all_its_reads(caught_up):
    TimecardFactory()
    caught_up()
    for _ in range(20):
        with read_from("standby"):
            first = router.db_for_read(Timecard)
            assert first in (FIRST, SECOND)
            for _ in range(5):
                Timecard.objects.count()
                assert router.db_for_read(Timecard) == first


def test_scopes_spread_evenly_over_the_members(caught_up):
    caught_up()
    chosen = Counter()
    for _ in range(400):
        with read_from("standby"):
            chosen[router.db_for_read(Timecard)] += 1
    assert set(chosen) == {FIRST, SECOND}
    # A uniform choice: each share is 200 +- 3.5 standard deviations (10) of a binomial.
    assert 165 <= chosen[FIRST] <= 235, chosen


def test_load_spreads_over_the_members_under_concurrent_requests(reporter, caught_up):
    caught_up()
    served: list[str] = []
    lock = threading.Lock()
    failures: list[BaseException] = []

    def browse() -> None:
        browser = Client()
        browser.cookies = reporter.cookies  # the same logged-in person, one thread each
        try:
            for _ in range(10):
                response = browser.get("/reports/hours/")
                assert response.status_code == 200
                with lock:
                    served.append(served_by(response)[0])
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=browse) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    counts = Counter(served)
    assert sum(counts.values()) == 80
    assert counts["default"] == 0, counts
    assert counts[FIRST] >= 20 and counts[SECOND] >= 20, counts


# --- a member that lags or is stopped ------------------------------------------------------


def test_replay_paused_on_one_member_the_group_reads_the_other(reporter, caught_up, settings):
    caught_up()
    settings.STANDBY_MAX_LAG_SECONDS = LAG_BOUND
    with first_member_stale("while the first member is paused"):
        for _ in range(10):
            assert served_by(reporter.get("/reports/hours/")) == (SECOND, "")
        assert "while the first member is paused" in _export(reporter)


def test_with_the_notice_policy_a_fresh_member_beats_a_stale_one_and_a_write_beats_both(
    staff, reporter, caught_up, settings
):
    """``STANDBY_LAG_POLICY = "notice"`` reads a lagging member with a notice only when no
    member is fresh, and never one that lacks the browser's own write."""
    project = ProjectFactory()
    author = browser(staff)
    caught_up()
    settings.STANDBY_MAX_LAG_SECONDS = LAG_BOUND
    settings.STANDBY_LAG_POLICY = "notice"
    with first_member_stale("first paused"):
        for _ in range(10):
            assert served_by(reporter.get("/reports/hours/")) == (SECOND, "")
        with replay_paused(SECOND):
            response = log_time(author, project, hours="1", description="saved, both paused")
            assert response.status_code == 302
            received_now(SECOND)
            lagging_beyond_the_bound(SECOND)
            alias, notice = served_by(reporter.get("/reports/hours/"))
            assert alias in (FIRST, SECOND)
            assert notice.endswith("the newest changes may be missing.")
            assert served_by(author.get("/reports/hours/")) == ("default", decision.PINNED)
            assert "saved, both paused" in _export(author)


def test_a_browser_that_wrote_reads_the_member_that_caught_up_not_the_primary(
    staff, caught_up, queries_by_alias
):
    project = ProjectFactory()
    author = browser(staff)
    caught_up()
    with replay_paused(FIRST):
        response = log_time(author, project, hours="2.5", description="Saved a moment ago")
        assert response.status_code == 302
        pin = pinned_position(author)
        assert pin is not None, "the cookie holds the write's WAL position"
        received_now(FIRST)
        assert positions.wait_for_replay(pin, alias=SECOND, timeout=DEADLINE_SECONDS)

        with queries_by_alias("default", FIRST, SECOND) as captured:
            for _ in range(10):
                response = author.get("/reports/hours/")
                assert served_by(response) == (SECOND, "")
                assert "Saved a moment ago" in _export(author)
        assert not captured.touching(FIRST, '"timetrack_'), "the paused member is never read"
        assert not captured.touching("default", '"timetrack_timecard"')
        # The first member has not caught up, so the pin still holds for it.
        assert not positions.has_replayed(FIRST, pin)
    replayed_now(FIRST)
    assert positions.has_replayed(FIRST, pin)


def test_one_member_stopped_its_breaker_opens_and_the_other_serves(
    reporter, caught_up, queries_by_alias, caplog
):
    caught_up()
    with stopped(SECOND):
        with queries_by_alias("default", FIRST) as captured:
            for _ in range(20):
                response = reporter.get("/reports/hours/")
                assert response.status_code == 200
                assert served_by(response) == (FIRST, "")
        assert breaker.breaker_for(SECOND).is_open, "20 random orders tried it at least once"
        assert not breaker.breaker_for(FIRST).is_open
        assert not captured.touching("default", '"timetrack_'), "no report query on the primary"
        assert captured.touching(FIRST, '"timetrack_timecard"')
    offline = [r for r in caplog.records if getattr(r, "event", "") == "standby_offline"]
    assert [r.member for r in offline] == [SECOND]


def test_every_member_unreachable_the_primary_serves_or_503(reporter, settings):
    with pointed_at_nothing(FIRST, SECOND):
        response = reporter.get("/reports/hours/")
        assert served_by(response) == ("default", decision.UNREACHABLE)
        assert breaker.breaker_for(FIRST).is_open and breaker.breaker_for(SECOND).is_open

        settings.STANDBY_DOWN_POLICY = "503"
        response = reporter.get("/reports/hours/")
        assert response.status_code == 503
        assert decision.UNREACHABLE in response.content.decode()


def test_one_member_unreachable_is_no_reason_for_503(reporter, caught_up, settings):
    caught_up()
    settings.STANDBY_DOWN_POLICY = "503"
    with pointed_at_nothing(SECOND):
        for _ in range(10):
            response = reporter.get("/reports/hours/")
            assert response.status_code == 200
            assert served_by(response) == (FIRST, "")


def test_replay_paused_on_both_beyond_the_lag_bound_the_primary_serves(
    reporter, caught_up, settings
):
    project = ProjectFactory()
    caught_up()
    settings.STANDBY_MAX_LAG_SECONDS = 0
    with replay_paused(FIRST, SECOND):
        TimecardFactory(project=project, description="while both are paused")
        received_now(FIRST)
        received_now(SECOND)
        status.clear_cache()
        alias, notice = served_by(reporter.get("/reports/hours/"))
        assert alias == "default"
        assert notice.startswith("The reporting replica is") and "behind" in notice
        assert "while both are paused" in _export(reporter)


def test_a_browser_that_wrote_never_misses_its_write_while_every_member_is_paused(staff, caught_up):
    project = ProjectFactory()
    author = browser(staff)
    caught_up()
    with replay_paused(FIRST, SECOND):
        response = log_time(author, project, hours="3", description="Saved while paused")
        assert response.status_code == 302
        received_now(FIRST)
        received_now(SECOND)
        for page in REPORT_PAGES:
            response = author.get(page)
            assert response.status_code == 200
            assert served_by(response) == ("default", decision.PINNED), page
        hours = author.get("/reports/hours/")
        assert hours.context["report"].total == 3
        assert "Saved while paused" in _export(author)
        # Someone who wrote nothing still reads a (stale) member.
        other = browser(StaffFactory())
        assert served_by(other.get("/reports/hours/"))[0] in (FIRST, SECOND)
        assert "Saved while paused" not in _export(other)


# --- outside a request ---------------------------------------------------------------------


def test_outside_a_request_a_context_reads_only_a_member_that_has_its_write(caught_up):
    timecard = TimecardFactory(description="before")
    caught_up()
    with replay_paused(FIRST, SECOND):
        timecard.description = "after"
        timecard.save()
        with read_from("standby"):
            timecard.refresh_from_db()
            assert router.db_for_read(Timecard) == "default"
        assert timecard.description == "after", "not put back to the standby's old values"

        value(SECOND, "select pg_wal_replay_resume()")
        replayed_now(SECOND)
        status.clear_cache()
        for _ in range(10):
            with read_from("standby"):
                timecard.refresh_from_db()
                assert router.db_for_read(Timecard) == SECOND
            assert timecard.description == "after"


def test_another_thread_that_wrote_nothing_is_not_pinned(caught_up):
    timecard = TimecardFactory()
    caught_up()
    with replay_paused(FIRST, SECOND):
        timecard.save()  # this thread's context wrote; another thread's did not
        seen: list[str] = []

        def read() -> None:
            try:
                with read_from("standby"):
                    seen.append(router.db_for_read(Timecard))
            finally:
                connections.close_all()

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(timeout=30)
        assert seen and seen[0] in (FIRST, SECOND)
        with read_from("standby"):
            assert router.db_for_read(Timecard) == "default"


# --- what operators see ------------------------------------------------------------------


def test_replication_status_and_pg_status_list_every_member_and_fail_when_one_is_down():
    out = StringIO()
    call_command("replication_status", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines if not line.startswith(" ")] == [FIRST, SECOND]
    assert lines.count("  streaming:    yes") == 2
    assert (
        sum(bool(re.fullmatch(r"  replayed to:  [0-9A-F]+/[0-9A-F]+", line)) for line in lines) == 2
    )
    status = servers("status", {**os.environ, "PG_STANDBYS": "2"}, check=False)
    assert status.returncode == 0, status.stdout
    assert "healthy: every standby is in recovery and streaming" in status.stdout

    with stopped(SECOND):
        out = StringIO()
        with pytest.raises(CommandError, match=f"{SECOND} \\(unreachable"):
            call_command("replication_status", stdout=out)
        assert "  streaming:    yes" in out.getvalue(), f"{FIRST} is still listed, streaming"
        status = servers("status", {**os.environ, "PG_STANDBYS": "2"}, check=False)
        assert status.returncode == 3
        assert re.search(rf"^{SECOND} +127\.0\.0\.1:\d+  stopped$", status.stdout, re.M)


def test_up_clones_again_a_standby_whose_slot_is_gone():
    """A standby away for long loses its slot (max_slot_wal_keep_size): `up` clones it
    again instead of starting a copy that can never stream."""
    with stopped(SECOND):
        value("default", "select pg_drop_replication_slot('standby_2')")
        result = servers("up", {**os.environ, "PG_STANDBYS": "2"})
    assert "slot standby_2 is gone or lost the WAL this copy needs" in result.stderr
    connections[SECOND].close()
    assert value(SECOND, "select status from pg_stat_wal_receiver") == "streaming"


# --- a member stopped for real -------------------------------------------------------------
