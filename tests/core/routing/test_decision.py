"""The decision a read scope takes: standby, or the primary with a notice; the breaker."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.routing import breaker, status
from core.routing.breaker import CircuitBreaker
from core.routing.decision import ReadDecision, Reason, StandbyUnavailable, decide
from core.routing.members import staleness
from core.routing.notices import (
    NOT_REPLICATING,
    PINNED,
    UNMEASURED,
    UNMEASURED_NOTICE,
    UNREACHABLE,
)
from core.routing.status import StandbyStatus


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


def test_breaker_opens_on_failure_and_lets_one_probe_through_after_the_cool_down(settings, clock):
    settings.STANDBY_COOL_DOWN_SECONDS = 30
    breaker = CircuitBreaker("standby", clock=clock)
    assert breaker.allow()

    breaker.record_failure("connection refused")
    assert breaker.is_open
    assert not breaker.allow()
    clock.now += 29.9
    assert not breaker.allow()

    clock.now += 0.2
    assert breaker.allow(), "after the cool-down one caller probes"
    assert not breaker.allow(), "only one probe at a time"

    breaker.record_failure("still refused")
    assert not breaker.allow(), "a failed probe starts a new cool-down"
    clock.now += 30
    assert breaker.allow()
    breaker.record_success()
    assert not breaker.is_open
    assert breaker.allow() and breaker.allow()


def test_breaker_logs_once_per_state_change(settings, clock, caplog):
    settings.STANDBY_COOL_DOWN_SECONDS = 5
    breaker = CircuitBreaker("standby", clock=clock)
    with caplog.at_level(logging.WARNING, logger="core.routing.breaker"):
        for _ in range(5):
            breaker.record_failure("refused")
        for _ in range(5):
            breaker.record_success()
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2, messages
    assert "unreachable" in messages[0]
    assert "reachable again" in messages[1]


@pytest.mark.django_db(databases="__all__")
class TestDecide:
    def test_primary_scopes_and_the_embedded_standby(self):
        assert decide("default") == ReadDecision("default", "default", reason=Reason.NO_MEMBER)
        assert decide("standby") == ReadDecision("standby", "standby", reason=Reason.MEMBER)

    def test_a_pinned_browser_reads_the_primary(self):
        chosen = decide("standby", pinned=True)
        assert (chosen.database, chosen.notice, chosen.reason) == ("default", PINNED, "pinned")
        assert chosen.fell_back

    def test_an_open_breaker_sends_reads_to_the_primary(self):
        breaker.breaker_for("standby").record_failure("refused")
        chosen = decide("standby")
        assert (chosen.database, chosen.notice) == ("default", UNREACHABLE)
        assert chosen.reason == "unreachable"

    def test_a_site_without_a_standby_reads_the_primary_with_nothing_to_tell(self, settings):
        settings.STANDBY_GROUPS = {"standby": []}
        settings.STANDBY_DOWN_POLICY = "503"  # no member is down: there is none
        for decision in (decide("standby"), decide("standby", min_position="1/0/1")):
            assert decision == ReadDecision("standby", "default", reason=Reason.NO_MEMBER)

    def test_an_open_breaker_answers_503_when_set_to(self, settings):
        settings.STANDBY_DOWN_POLICY = "503"
        breaker.breaker_for("standby").record_failure("refused")
        with pytest.raises(StandbyUnavailable, match="unavailable"):
            decide("standby")


def test_a_probe_that_raises_does_not_leave_the_breaker_stuck(settings, monkeypatch):
    """Whatever the probe raises, the breaker lets the next caller probe again."""
    settings.STANDBY_COOL_DOWN_SECONDS = 0
    breaker.breaker_for("standby").record_failure("refused")

    def broken_probe(*args, **kwargs):
        raise RuntimeError("driver gave up")

    monkeypatch.setattr(status, "standby_status", broken_probe)
    with pytest.raises(RuntimeError):
        decide("standby")
    monkeypatch.undo()
    assert breaker.breaker_for("standby").allow(), "the next caller may probe again"


def test_an_error_that_is_not_the_servers_leaves_a_closed_breaker_closed(monkeypatch):
    """A bug (or an async misuse) in the probe is raised, and the standby is not blamed."""

    def broken_probe(*args, **kwargs):
        raise RuntimeError("not the server's fault")

    monkeypatch.setattr(status, "standby_status", broken_probe)
    with pytest.raises(RuntimeError):
        decide("standby")
    assert not breaker.breaker_for("standby").is_open


def test_an_abandoned_probe_lets_the_next_caller_probe(settings, clock):
    settings.STANDBY_COOL_DOWN_SECONDS = 30
    breaker = CircuitBreaker("standby", clock=clock)
    breaker.record_failure("refused")
    clock.now += 30
    assert breaker.allow()
    assert not breaker.allow(), "one probe at a time"
    breaker.abandon_probe()
    assert breaker.is_open, "nothing was learnt about the server"
    assert breaker.allow()


def test_a_success_measured_before_a_failure_leaves_the_breaker_open():
    """A status measured before another thread's query lost the member says nothing of
    the member now."""
    measured_before = time.monotonic()
    member = CircuitBreaker("standby")
    member.record_failure("server closed the connection unexpectedly")
    member.record_success(measured_before)
    assert member.is_open
    member.record_success(time.monotonic())
    assert not member.is_open


def test_a_member_behind_every_sample_of_the_primary_is_not_fresh(settings):
    """A new process has kept few positions of the primary: a member behind all of them
    may be behind by any time, so it does not qualify, whatever its lag looks like."""
    behind = status.StandbyStatus(
        alias="standby",
        replicated=True,
        in_recovery=True,
        streaming=True,
        lag_seconds=0.0,
        measured_at=time.monotonic(),
        behind_every_sample=True,
    )
    assert staleness(behind) == (UNMEASURED, UNMEASURED_NOTICE)


def test_threads_asking_at_once_measure_a_member_once(monkeypatch):
    measured = []
    entered = threading.Barrier(4)

    def slow_measure(alias):
        measured.append(alias)
        time.sleep(0.2)
        return status.StandbyStatus(alias=alias, replicated=False, measured_at=time.monotonic())

    monkeypatch.setattr(status, "_measure", slow_measure)
    status.clear_cache()

    def ask():
        entered.wait()
        return status.standby_status("standby", max_age=0)

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: ask(), range(4)))
    assert measured == ["standby"]
    assert len({id(answer) for answer in answers}) == 1


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_group_nobody_declared_is_a_clear_error():
    from core.routing import read_from
    from timetrack.models import Timecard

    with pytest.raises(ImproperlyConfigured, match="read_from\\('standy'\\) names no group"):
        with read_from("standy"):
            Timecard.objects.count()


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_read_decision_answers_what_the_router_answers_after_a_write():
    from core.routing import read_decision, read_from
    from timetrack.factories import ClientFactory

    with read_from("standby"):
        assert read_decision().database == "standby"
        ClientFactory()
        assert read_decision().database == "default"
        assert read_decision().reason == "wrote"


def test_a_member_on_another_timeline_is_never_read_even_with_a_notice(settings):
    """After a failover, a member still on the old timeline may hold commits the new
    primary never had: not even STANDBY_LAG_POLICY="notice" reads it."""
    settings.STANDBY_LAG_POLICY = "notice"
    now = time.monotonic()
    measured = StandbyStatus(
        alias="standby",
        replicated=True,
        in_recovery=True,
        streaming=True,
        lag_seconds=0.0,
        measured_at=now,
        fresh_as_of=now,
        timeline=1,
        primary_timeline=2,
    )
    with status._cache_lock:  # as if measured just now (the embedded file has no timeline)
        status._cache["standby"] = (now, measured)

    decision = decide("standby")

    assert not measured.healthy
    assert (decision.database, decision.notice) == ("default", NOT_REPLICATING)
