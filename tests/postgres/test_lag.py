"""Lag measured where it is true: a member that stops receiving or replaying is left out.

A standby alone cannot see WAL it never received: with the primary's WAL sender to it
stopped (``SIGSTOP``), or its own WAL receiver stopped, it reports "streaming, nothing to
replay". Each test here stops one of the three steps of replication for one member of
the real group (sending, receiving, replaying) while the primary keeps committing, and
asks for a member every few milliseconds. The member must never be chosen once it lacks
a commit older than the lag bound, and must be out within one status interval of that:
neither what the member says of itself nor a cached measurement may keep it in.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg2
import pytest
from django.db import connections

from core.routing import decision, positions, status
from tests.postgres.conftest import replay_paused

pytestmark = [
    pytest.mark.postgres_group,
    pytest.mark.slow,  # each runs a few lag bounds of wall-clock time
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

FAULTY, HEALTHY = "standby_2", "standby"
BOUND = 0.6
"""The lag bound of these tests (``STANDBY_MAX_LAG_SECONDS``), in seconds."""
RUN_SECONDS = 2.5 * BOUND
"""How long the primary keeps committing after the fault: past the bound, and on."""


def _value(alias: str, sql: str, params: list | None = None):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@contextmanager
def _process_stopped(pid: int) -> Iterator[None]:
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


@contextmanager
def _sender_stalled() -> Iterator[None]:
    """The primary's WAL sender to ``FAULTY`` stopped, as a hung process would be."""
    pid = _value(
        "default", "select pid from pg_stat_replication where application_name = %s", [FAULTY]
    )
    with _process_stopped(pid):
        yield


@contextmanager
def _receiver_stalled() -> Iterator[None]:
    """``FAULTY``'s own WAL receiver stopped: it receives nothing, and says it streams."""
    pid = _value(FAULTY, "select pid from pg_stat_wal_receiver")
    with _process_stopped(pid):
        yield


@contextmanager
def _replay_stalled() -> Iterator[None]:
    with replay_paused(FAULTY):
        yield


FAULTS: dict[str, Callable[[], contextmanager]] = {
    "a stalled WAL sender": _sender_stalled,
    "a stalled WAL receiver": _receiver_stalled,
    "paused replay": _replay_stalled,
}


@pytest.fixture
def primary_writer() -> Iterator[Callable[[], float]]:
    """``commit()`` makes one commit on the primary, outside Django; its time (monotonic)."""
    connection = psycopg2.connect(**connections["default"].get_connection_params())
    connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute("create table if not exists lag_probe (at timestamptz)")

    def commit() -> float:
        cursor.execute("insert into lag_probe values (now())")
        return time.monotonic()

    yield commit
    cursor.execute("drop table lag_probe")
    connection.close()


def _caught_up() -> None:
    lsn = positions.primary_wal_lsn()
    for alias in (HEALTHY, FAULTY):
        assert positions.wait_for_replay(lsn, alias=alias, timeout=30), alias


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_member_that_stops_receiving_or_replaying_leaves_within_one_status_interval(
    fault, primary_writer, settings
):
    settings.STANDBY_MAX_LAG_SECONDS = BOUND
    primary_writer()
    _caught_up()
    status.clear_cache()
    chosen_before = {decision.decide("standby").database for _ in range(40)}
    assert chosen_before == {HEALTHY, FAULTY}, "both members serve while healthy"

    choices: list[tuple[float, str]] = []
    with FAULTS[fault]():
        first_missed = primary_writer()  # the first commit the faulty member lacks
        while time.monotonic() - first_missed < RUN_SECONDS:
            primary_writer()
            choices.append((time.monotonic(), decision.decide("standby").database))
            time.sleep(0.01)
    _caught_up()

    served_stale = [
        at - first_missed for at, alias in choices if alias == FAULTY and at - first_missed > BOUND
    ]
    assert not served_stale, f"{fault}: served {len(served_stale)} times past the bound"
    out_by = first_missed + BOUND + status.status_interval()
    after = [alias for at, alias in choices if at > out_by]
    assert len(after) >= 20 and set(after) == {HEALTHY}, f"{fault}: not out within an interval"


def test_an_idle_primary_does_not_make_a_healthy_member_look_stale(settings):
    """Nothing committed for longer than the bound: both members still serve."""
    settings.STANDBY_MAX_LAG_SECONDS = 0.2
    _caught_up()
    status.clear_cache()
    decision.decide("standby")
    time.sleep(0.5)  # idle: more than twice the bound, with no commit at all
    chosen = {decision.decide("standby").database for _ in range(40)}
    assert chosen == {HEALTHY, FAULTY}
    for alias in (HEALTHY, FAULTY):
        assert status.standby_status(alias).lag_now() < 0.2
