"""Tests against a real PostgreSQL primary and its streaming hot standby (``make test-pg``).

The tests here carry the ``postgres`` marker (``pytestmark`` in each module; the marker
is registered below), except those of the embedded fallback in ``test_embedded.py``.
They run when the settings' default database is PostgreSQL, that is with
``DATABASE_URL`` and ``STANDBY_DATABASE_URL`` pointing at the native pair
(``make pg-up``). On the embedded SQLite they skip, except under ``CI=true``: there a
missing PostgreSQL is a broken pipeline, so they fail and say why.
``make test-sqlite`` deselects them with ``-m "not postgres"``.

The group tests (``postgres_group`` marker, ``test_group.py``) need the primary with two
standbys in one group (``make pg-up STANDBYS=2``, ``STANDBY_DATABASE_URLS``); ``make
test-pg`` runs them in a second pass, and the same rule holds: skipped without the
trio, failed under ``CI=true``.

The standby alias keeps ``TEST: {"MIRROR": "default"}``: in tests it still connects to the
standby server and reads the test database that replication brings over. A replica never
sees uncommitted data, hence ``transaction=True`` (committed writes, flushed after each
test) and ``databases="__all__"``; and a commit reaches the standby a little later, hence
``wait_for_replay`` before reading there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connections

from core.routing import groups, positions

NATIVE_PAIR_PORTS = (
    os.environ.get("PG_PRIMARY_PORT", "25432"),
    os.environ.get("PG_STANDBY_PORT", "25433"),
)
"""Where docker/postgres/native-pair.sh runs the pair (make passes the same variables)."""

REPLAY_TIMEOUT_SECONDS = 10.0
"""Replay on the native pair is quick: this only bounds a broken pair."""


@pytest.fixture(autouse=True)
def _require_postgres(request: pytest.FixtureRequest) -> None:
    group = request.node.get_closest_marker("postgres_group") is not None
    if request.node.get_closest_marker("postgres") is None and not group:
        return
    aliases = ("default", *groups.members("standby"))
    vendors = {alias: connections[alias].vendor for alias in aliases}
    if set(vendors.values()) == {"postgresql"} and (len(aliases) >= 3 or not group):
        return
    if group:
        message = (
            f"needs PostgreSQL with two standbys in the group, got {vendors}: run `make pg-up"
            " STANDBYS=2`, then the tests with STANDBY_DATABASE_URLS naming both (`make test-pg`)"
        )
    else:
        message = (
            f"needs PostgreSQL on every alias, got {vendors}: run `make pg-up`, then the tests"
            " with DATABASE_URL and STANDBY_DATABASE_URL set (`make test-pg`)"
        )
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: a missing PostgreSQL fails the run. {message}", pytrace=False)
    pytest.skip(message)


def wait_until_replayed(timeout: float = REPLAY_TIMEOUT_SECONDS) -> str:
    """Wait until the standby shows every commit made on the primary so far.

    Polls the standby's ``pg_last_wal_replay_lsn()`` against the primary's
    ``pg_current_wal_lsn()`` taken now: the wait ends as soon as the commits are visible
    there, and fails loudly on a pair that stopped replaying.
    """
    lsn = positions.primary_wal_lsn()
    assert lsn is not None, "the primary is not PostgreSQL"
    if not positions.wait_for_replay(lsn, timeout=timeout):
        with connections["standby"].cursor() as cursor:
            cursor.execute("select pg_last_wal_replay_lsn()")
            replayed = cursor.fetchone()[0]
        raise AssertionError(
            f"the standby did not replay up to {lsn} within {timeout} s (it is at {replayed})"
        )
    return lsn


@pytest.fixture
def wait_for_replay() -> Callable[..., str]:
    """``wait_for_replay()`` after a commit on the primary, before reading the standby."""
    return wait_until_replayed


@contextmanager
def replay_paused(*aliases: str) -> Iterator[None]:
    """Pause WAL replay on the standbys ``aliases`` (default: the first) for the block."""
    for alias in aliases or ("standby",):
        with connections[alias].cursor() as cursor:
            cursor.execute("select pg_wal_replay_pause()")
    try:
        yield
    finally:
        for alias in aliases or ("standby",):
            with connections[alias].cursor() as cursor:
                cursor.execute("select pg_wal_replay_resume()")
