"""Replica awareness: core.routing.status.standby_status(), manage.py replication_status, and
the reporting-replica settings of the standby alias."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from core.routing.positions import primary_wal_lsn, wait_for_replay
from core.routing.status import CACHE_SECONDS, StandbyStatus, standby_status
from timetrack.factories import ClientFactory
from timetrack.models import Client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases="__all__")]


def _setting(alias: str, name: str) -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute("select current_setting(%s)", [name])
        return cursor.fetchone()[0]


@pytest.fixture
def standby_unreachable() -> Iterator[None]:
    """Point the standby alias at a loopback port nobody listens on, for one test."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    connection = connections["standby"]
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port


def test_standby_status_of_a_streaming_standby(wait_for_replay):
    ClientFactory()
    wait_for_replay()
    status = standby_status(max_age=0)
    assert isinstance(status, StandbyStatus)
    assert (status.alias, status.replicated, status.error) == ("standby", True, "")
    assert status.in_recovery is True
    assert status.streaming is True
    # Caught up: no WAL waits for replay, and the CASE reports no lag in seconds (the
    # time since the last replayed commit would grow while nothing happens).
    assert isinstance(status.lag_bytes, int)
    assert 0 <= status.lag_bytes < 16 * 1024 * 1024
    assert isinstance(status.lag_seconds, float)
    assert 0 <= status.lag_seconds < 1
    assert status.healthy
    assert status.summary.startswith("in recovery, streaming; replay lag ")


def test_standby_status_of_the_primary_says_it_is_no_standby():
    status = standby_status("default", max_age=0)
    assert status.replicated
    assert status.in_recovery is False
    assert status.streaming is False
    assert status.lag_bytes is None
    assert status.lag_seconds is None
    assert not status.healthy
    assert status.summary == "not a standby: the server is not in recovery (it leads)"


def test_standby_status_is_cached_briefly():
    first = standby_status()
    assert standby_status() is first
    assert standby_status(max_age=0) is not first
    assert CACHE_SECONDS <= 10


def test_an_unreachable_standby_gives_a_status_not_an_exception(standby_unreachable):
    status = standby_status(max_age=0)
    assert status.replicated
    assert status.in_recovery is None
    assert "Connection refused" in status.error
    assert not status.healthy
    assert status.summary.startswith("unreachable: ")
    # Cached like a success, so a dead standby costs one connection attempt per window.
    assert standby_status() is status


def test_replication_status_command_reports_a_streaming_standby():
    out = StringIO()
    call_command("replication_status", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("standby: PostgreSQL at ")
    assert "  in recovery:  yes" in lines
    assert "  streaming:    yes" in lines
    assert lines[-1].startswith("  status:       in recovery, streaming; replay lag ")


def test_replication_status_command_fails_on_a_server_that_is_no_standby():
    out = StringIO()
    with pytest.raises(CommandError, match="not in recovery"):
        call_command("replication_status", "--database", "default", stdout=out)
    assert "  in recovery:  no" in out.getvalue().splitlines()


def test_replication_status_command_fails_on_an_unreachable_standby(standby_unreachable):
    out = StringIO()
    with pytest.raises(CommandError, match="unreachable"):
        call_command("replication_status", stdout=out)
    assert "Connection refused" in out.getvalue()


def test_report_queries_on_the_standby_have_a_statement_timeout():
    options = connections["standby"].settings_dict["OPTIONS"]
    seconds = float(os.environ.get("REPORT_STATEMENT_TIMEOUT_SECONDS", "15"))
    assert options["options"] == (
        f"-c statement_timeout={seconds * 1000:.0f}"  # milliseconds
        " -c default_transaction_read_only=on"  # a node promoted meanwhile refuses writes
    )
    assert _setting("standby", "default_transaction_read_only") == "on"
    with connections["standby"].cursor() as cursor:
        cursor.execute("select setting::int from pg_settings where name = 'statement_timeout'")
        assert cursor.fetchone()[0] == seconds * 1000
    assert _setting("default", "statement_timeout") == "0"
    assert 0 < options["connect_timeout"] <= 10
    # The primary keeps no statement timeout, but gives up on a node that does not answer
    # (a failover: the next node of DATABASE_URL is tried).
    primary_options = connections["default"].settings_dict["OPTIONS"]
    assert "options" not in primary_options
    assert 0 < primary_options["connect_timeout"] <= 10


def test_the_standby_runs_the_reporting_replica_settings():
    # docker/postgres/reporting-replica.conf, read by both servers.
    assert _setting("standby", "hot_standby") == "on"
    assert _setting("standby", "hot_standby_feedback") == "on"
    assert _setting("standby", "max_standby_streaming_delay") == "30s"
    assert _setting("default", "max_slot_wal_keep_size") == "1GB"


def test_wait_for_replay_returns_once_the_commit_is_visible_on_the_standby():
    client = ClientFactory(name="Read your writes")
    lsn = primary_wal_lsn()
    assert wait_for_replay(lsn) is True
    assert Client.objects.using("standby").get(pk=client.pk).name == "Read your writes"


def test_wait_for_replay_gives_up_at_its_timeout():
    # A position the primary will not reach for a very long time.
    assert wait_for_replay("FFFFFFFF/FFFFFFFF", timeout=0.05) is False
