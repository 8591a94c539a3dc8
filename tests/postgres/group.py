"""Driving a real group of two standbys: pausing replay, stopping a member, pointing one
at nothing, and waiting on WAL positions (never on sleeps).

Shared by the group's tests (``test_group.py``) and its metrics (``test_metrics_group.py``),
run against ``make pg-up STANDBYS=2`` with ``STANDBY_DATABASE_URLS`` naming both.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client

from core.routing import positions, status
from tests.postgres.conftest import replay_paused
from timetrack.factories import TimecardFactory

SERVERS = Path(__file__).resolve().parents[2] / "docker" / "postgres" / "native-pair.sh"
FIRST, SECOND = "standby", "standby_2"
DEADLINE_SECONDS = 10.0

LAG_BOUND = 0.5
"""Seconds: a paused member passes it soon; a streaming one is never that far behind here."""


def until(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.005)


def value(alias: str, sql: str, params: list | None = None):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def replayed_now(alias: str) -> None:
    """Wait until ``alias`` has replayed every commit made on the primary so far."""
    lsn = positions.primary_wal_lsn()
    assert positions.wait_for_replay(lsn, alias=alias, timeout=DEADLINE_SECONDS), alias


def received_now(alias: str) -> None:
    """Wait until ``alias`` has received (not necessarily replayed) the primary's WAL."""
    lsn = positions.primary_wal_lsn()
    until(
        lambda: value(alias, "select pg_last_wal_receive_lsn() >= %s::pg_lsn", [lsn]),
        f"{alias} to receive the WAL",
    )


def served_by(response) -> tuple[str, str]:
    database = response.context["read_database"]
    return database["alias"], database.get("notice", "")


def browser(user) -> Client:
    """A plain test client: it does not wait for replay before its requests."""
    browser = Client()
    browser.force_login(user)
    return browser


def lagging_beyond_the_bound(alias: str) -> None:
    """Wait until ``alias`` (paused, with WAL to replay) lags more than ``LAG_BOUND``."""
    until(
        lambda: (status.standby_status(alias, max_age=0).lag_seconds or 0) > LAG_BOUND,
        f"{alias} to lag more than {LAG_BOUND} s",
    )


@contextmanager
def first_member_stale(description: str) -> Iterator[None]:
    """FIRST paused and beyond ``LAG_BOUND`` behind a timecard that SECOND has replayed."""
    with replay_paused(FIRST):
        TimecardFactory(description=description)
        received_now(FIRST)
        replayed_now(SECOND)
        lagging_beyond_the_bound(FIRST)
        yield


@contextmanager
def pointed_at_nothing(*aliases: str) -> Iterator[None]:
    """Point ``aliases`` at a loopback port nobody listens on (refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    ports = {alias: connections[alias].settings_dict["PORT"] for alias in aliases}
    for alias in aliases:
        connections[alias].close()
        connections[alias].settings_dict["PORT"] = free_port
    try:
        yield
    finally:
        for alias, port in ports.items():
            connections[alias].close()
            connections[alias].settings_dict["PORT"] = port


@contextmanager
def stopped(alias: str) -> Iterator[None]:
    """Stop the native server behind ``alias`` for the block; running again afterwards."""
    number = "1" if alias == FIRST else alias.rsplit("_", 1)[1]
    port_variable = "PG_STANDBY_PORT" if number == "1" else f"PG_STANDBY_{number}_PORT"
    native_port = os.environ.get(port_variable, str(25432 + int(number)))
    if str(connections[alias].settings_dict.get("PORT")) != native_port:
        pytest.skip(f"stops the native server of {alias} (make pg-up STANDBYS=2), no other")
    environment = {**os.environ, "PG_STANDBYS": "2"}
    with ExitStack() as stack:
        stack.callback(servers, "up", environment)
        stack.callback(connections[alias].close)
        servers("stop-standby", environment, number)
        status.clear_cache()
        yield


def servers(
    command: str, environment: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SERVERS), command, *args],
        check=check,
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )
