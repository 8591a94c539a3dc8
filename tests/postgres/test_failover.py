"""The real standby of the native pair stopped, paused and in conflict, mid-run.

What a person sees in each case: the page still renders from the primary with a notice
(or a clear 503 when the site is set to), the circuit breaker keeps later pages from
waiting on a dead standby, and reads go back to the standby once it returns. Replay is
paused with ``pg_wal_replay_pause()`` to make lag and read-your-writes deterministic.
Nothing sleeps in place of a wait: each wait polls the state it waits for.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections, router
from django.test import Client
from django.urls import reverse

from core.routing import breaker, decision, notices, positions, read_from, status
from core.routing.middleware import REPORT_TIMED_OUT
from core.routing.retry import RETRIED
from tests.conftest import log_time
from tests.postgres.conftest import NATIVE_PAIR_PORTS
from timetrack.factories import ProjectFactory, TimecardFactory
from timetrack.models import Timecard

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

PAIR = Path(__file__).resolve().parents[2] / "docker" / "postgres" / "native-pair.sh"
HOURS = "/reports/hours/"
DEADLINE_SECONDS = 10.0


def _pair(command: str) -> None:
    subprocess.run(["bash", str(PAIR), command], check=True, capture_output=True, timeout=120)


@pytest.fixture
def native_standby() -> Iterator[None]:
    """The native pair's standby, which this test may stop; running again afterwards."""
    if str(connections["standby"].settings_dict.get("PORT")) != NATIVE_PAIR_PORTS[1]:
        pytest.skip("stops the standby of the native pair (make pg-up), not another server")
    try:
        yield
    finally:
        _pair("up")
        connections["standby"].close()


def _until(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.005)


def _served_by(response) -> tuple[str, str]:
    database = response.context["read_database"]
    return database["alias"], database.get("notice", "")


def _standby_value(sql: str):
    with connections["standby"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


@pytest.fixture
def reporter(staff) -> Client:
    """A browser that has written nothing, so nothing pins it to the primary."""
    browser = Client()
    browser.force_login(staff)
    return browser


# --- a standby that is down ------------------------------------------------------------


def _count_connection_attempts(monkeypatch, alias: str) -> list[float]:
    """Record each attempt to connect ``alias`` (and still make it)."""
    connection = connections[alias]
    attempts: list[float] = []
    connect = connection.connect

    def counted() -> None:
        attempts.append(time.monotonic())
        connect()

    monkeypatch.setattr(connection, "connect", counted)
    return attempts


def test_a_stopped_standby_falls_back_opens_the_breaker_and_recovers(
    native_standby, reporter, wait_for_replay, settings, caplog, monkeypatch
):
    TimecardFactory(description="before the outage")
    wait_for_replay()
    assert _served_by(reporter.get(HOURS)) == ("standby", "")

    _pair("stop-standby")
    with caplog.at_level(logging.WARNING, logger="core"):
        started = time.monotonic()
        response = reporter.get(HOURS)
        first = time.monotonic() - started
        assert response.status_code == 200
        alias, notice = _served_by(response)
        assert alias == "default"
        assert notice in {RETRIED, decision.UNREACHABLE}
        assert first < settings.DATABASES["standby"]["OPTIONS"]["connect_timeout"] + 2

        assert breaker.breaker_for("standby").is_open
        status.clear_cache()  # the breaker, not a cached status, must keep it away
        attempts = _count_connection_attempts(monkeypatch, "standby")
        for _ in range(3):
            response = reporter.get(HOURS)
            assert _served_by(response) == ("default", decision.UNREACHABLE)
        assert attempts == [], "an open breaker does not try the standby"

    def events(name: str) -> list[logging.LogRecord]:
        return [r for r in caplog.records if getattr(r, "event", "") == name]

    # Once each for four pages: the breaker's change, and the scopes without a member.
    assert len(events("standby_offline")) == 1, [r.getMessage() for r in caplog.records]
    assert len(events("read_scope_without_member")) == 1, [r.getMessage() for r in caplog.records]

    monkeypatch.undo()
    _pair("up")
    # Still within the cool-down: the standby is not asked yet.
    assert _served_by(reporter.get(HOURS))[0] == "default"
    settings.STANDBY_COOL_DOWN_SECONDS = 0
    with caplog.at_level(logging.WARNING, logger="core.routing.breaker"):
        assert _served_by(reporter.get(HOURS)) == ("standby", "")
    assert any("reachable again" in r.getMessage() for r in caplog.records)
    assert not breaker.breaker_for("standby").is_open


def test_a_stopped_standby_answers_503_when_set_to(native_standby, reporter, settings):
    settings.STANDBY_DOWN_POLICY = "503"
    _pair("stop-standby")
    status.clear_cache()
    connections["standby"].close()

    response = reporter.get(HOURS)

    assert response.status_code == 503
    assert decision.UNREACHABLE in response.content.decode()
    assert reporter.get(reverse("timetrack:timecard_list")).status_code == 200


@contextmanager
def _silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never answers, like a hung server."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        listener.close()


def test_a_hung_standby_costs_one_connect_timeout_then_none(reporter, settings):
    standby_settings = connections["standby"].settings_dict
    saved = standby_settings["PORT"], dict(standby_settings["OPTIONS"])
    connections["standby"].close()
    with _silent_server() as port:
        standby_settings["PORT"] = port
        standby_settings["OPTIONS"]["connect_timeout"] = 2  # libpq's smallest
        try:
            started = time.monotonic()
            first = reporter.get(HOURS)
            waited = time.monotonic() - started
            started = time.monotonic()
            second = reporter.get(HOURS)
            then = time.monotonic() - started
        finally:
            standby_settings["PORT"], standby_settings["OPTIONS"] = saved
            connections["standby"].close()
    assert _served_by(first) == ("default", decision.UNREACHABLE)
    assert _served_by(second) == ("default", decision.UNREACHABLE)
    assert 1.5 <= waited < 4, "the connect timeout bounds the first page"
    assert then < 1.5, "the breaker spares the next page the wait"


def test_a_standby_that_stopped_streaming_is_left_for_the_primary(
    native_standby, reporter, wait_for_replay, settings
):
    """Reachable and in recovery, but cut off: the lag query says 0, the data is stale."""
    wait_for_replay()
    with _standby_setting("primary_conninfo", ""):
        _until(
            lambda: not _standby_value("select count(*) from pg_stat_wal_receiver"),
            "the WAL receiver to stop",
        )
        TimecardFactory(description="written while the standby is cut off")
        status.clear_cache()
        assert _served_by(reporter.get(HOURS)) == ("default", notices.NOT_REPLICATING)
        assert "written while the standby is cut off" in _export(reporter)

        settings.STANDBY_LAG_POLICY = "notice"
        assert _served_by(reporter.get(HOURS)) == ("standby", notices.NOT_REPLICATING_NOTICE)
    status.clear_cache()
    settings.STANDBY_LAG_POLICY = "primary"
    _until(lambda: _standby_value("select count(*) from pg_stat_wal_receiver"), "streaming")
    wait_for_replay()
    assert _served_by(reporter.get(HOURS)) == ("standby", "")


# --- a standby that lags ---------------------------------------------------------------


@contextmanager
def _replay_paused() -> Iterator[None]:
    with connections["standby"].cursor() as cursor:
        cursor.execute("select pg_wal_replay_pause()")
    try:
        yield
    finally:
        with connections["standby"].cursor() as cursor:
            cursor.execute("select pg_wal_replay_resume()")


def _until_received() -> None:
    """Wait until the standby has received (not replayed) the primary's WAL so far."""
    lsn = positions.primary_wal_lsn()
    _until(
        lambda: _standby_value(f"select pg_last_wal_receive_lsn() >= '{lsn}'::pg_lsn"),
        "the standby to receive the WAL",
    )


def _export(browser: Client) -> str:
    response = browser.get(reverse("reports:timecards_csv"))
    return b"".join(response.streaming_content).decode()


def test_lag_beyond_the_bound_reads_the_primary_or_warns(reporter, settings, wait_for_replay):
    project = ProjectFactory()
    wait_for_replay()
    settings.STANDBY_MAX_LAG_SECONDS = 0
    with _replay_paused():
        TimecardFactory(project=project, description="written while replay is paused")
        _until_received()
        status.clear_cache()

        response = reporter.get(HOURS)
        alias, notice = _served_by(response)
        assert alias == "default"
        assert notice.startswith("The reporting replica is") and "behind" in notice
        assert "written while replay is paused" in _export(reporter)

        settings.STANDBY_LAG_POLICY = "notice"
        response = reporter.get(HOURS)
        alias, notice = _served_by(response)
        assert alias == "standby"
        assert "the newest changes may be missing" in notice
        assert "written while replay is paused" not in _export(reporter)


def test_read_your_writes_while_replay_is_paused(staff, reporter, wait_for_replay):
    """The browser that saved reads the primary; another one reads the (stale) standby."""
    project = ProjectFactory()
    author = Client()
    author.force_login(staff)
    wait_for_replay()
    with _replay_paused():
        response = log_time(author, project, hours="3", description="Saved a moment ago")
        assert response.status_code == 302
        assert Timecard.objects.filter(description="Saved a moment ago").exists()

        assert _served_by(author.get(HOURS)) == ("default", decision.PINNED)
        assert "Saved a moment ago" in _export(author)

        assert _served_by(reporter.get(HOURS)) == ("standby", "")
        assert "Saved a moment ago" not in _export(reporter)


# --- a report cancelled by replay, and one that runs too long --------------------------


@contextmanager
def _standby_setting(name: str, value: str) -> Iterator[None]:
    """Change a setting of the standby with ALTER SYSTEM, and put back what was there.

    A value that came from postgresql.auto.conf (``primary_conninfo``, written by
    ``pg_basebackup -R``) is set back; one from the shared settings file is reset.
    """
    with connections["standby"].cursor() as cursor:
        cursor.execute("select setting, sourcefile from pg_settings where name = %s", [name])
        previous, source_file = cursor.fetchone()
        cursor.execute(f"alter system set {name} = %s", [value])
        cursor.execute("select pg_reload_conf()")
    _until(lambda: _standby_value(f"show {name}") == value, f"{name} = {value}")
    try:
        yield
    finally:
        with connections["standby"].cursor() as cursor:
            if (source_file or "").endswith("postgresql.auto.conf"):
                cursor.execute(f"alter system set {name} = %s", [previous])
            else:
                cursor.execute(f"alter system reset {name}")
            cursor.execute("select pg_reload_conf()")


@pytest.fixture
def probe_table(wait_for_replay) -> Iterator[str]:
    with connections["default"].cursor() as cursor:
        cursor.execute("create table conflict_probe (n int)")
        cursor.execute("insert into conflict_probe values (1), (2), (3)")
    wait_for_replay()
    yield "conflict_probe"
    with connections["default"].cursor() as cursor:
        cursor.execute("drop table conflict_probe")


@read_from("standby", retry=True)  # a function, not a view: it says it may run again
def _slow_count(table: str) -> tuple[str, int]:
    alias = router.db_for_read(Timecard)
    with connections[alias].cursor() as cursor:
        cursor.execute(f"select count(*), pg_sleep(2) from {table}")
        return alias, cursor.fetchone()[0]


def test_a_report_cancelled_by_a_recovery_conflict_is_retried_on_the_primary(probe_table, caplog):
    outcome: dict[str, object] = {}

    def report() -> None:
        try:
            outcome["result"] = _slow_count(probe_table)
        finally:
            connections.close_all()

    with _standby_setting("max_standby_streaming_delay", "0"):
        thread = threading.Thread(target=report)
        with caplog.at_level(logging.WARNING, logger="core.routing"):
            thread.start()
            _until(
                lambda: _standby_value(
                    "select count(*) from pg_stat_activity where query like '%pg_sleep(2)%'"
                    " and pid <> pg_backend_pid()"
                ),
                "the report to run on the standby",
            )
            with connections["default"].cursor() as cursor:
                cursor.execute(f"truncate {probe_table}")  # replay must cancel the report
            thread.join(timeout=30)

    assert outcome["result"] == ("default", 0), "answered by the primary, after the truncate"
    assert any("retrying on the primary" in r.getMessage() for r in caplog.records)


@pytest.mark.urls("tests.postgres.urls")
def test_a_report_stopped_by_its_statement_timeout_gets_a_clear_page(reporter):
    try:
        response = reporter.get("/too-slow/")
    finally:
        connections["standby"].close()  # drop the session's statement_timeout
    assert response.status_code == 503
    assert REPORT_TIMED_OUT in response.content.decode()
