"""Without PostgreSQL (the embedded SQLite mode) there is no replica to watch: the status
says so instead of failing, and the operator command succeeds."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections

from core.routing.positions import primary_wal_lsn, wait_for_replay
from core.routing.status import standby_status

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def _embedded_only() -> None:
    if connections["default"].vendor != "sqlite":
        pytest.skip("the embedded mode only: PostgreSQL runs the postgres-marked tests")


def test_standby_status_on_sqlite_is_embedded_without_replication():
    status = standby_status(max_age=0)
    assert status.alias == "standby"
    assert status.replicated is False
    assert status.in_recovery is None
    assert status.streaming is None
    assert status.lag_bytes is None
    assert status.lag_seconds is None
    assert status.error == ""
    assert status.healthy
    assert status.summary == "embedded, no replication"


def test_replication_status_command_on_sqlite_succeeds_and_says_embedded():
    out = StringIO()
    call_command("replication_status", stdout=out)
    assert out.getvalue().splitlines() == [
        "standby: SQLite, read-only",
        "  status:       embedded, no replication",
    ]


def test_there_is_no_replay_to_wait_for_on_sqlite():
    assert primary_wal_lsn() is None
    assert wait_for_replay(timeout=0) is True
