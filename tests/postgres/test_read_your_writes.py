"""Read your own writes by WAL position, against the real standby of the native pair.

The browser that wrote carries the primary's WAL position in its signed cookie; its
reports read the standby as soon as the standby has replayed up to there, and the
primary only until then (with replay paused: ``test_failover.py`` and ``test_group.py``).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from core import replication
from core.middleware import PIN_COOKIE
from core.standby import PINNED
from tests.conftest import log_time, pinned_position
from timetrack.factories import ProjectFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases="__all__")]

HOURS = "/reports/hours/"
REPLAY_CHECK = "select pg_last_wal_replay_lsn()"


def _lsn(text: str | None) -> int:
    assert text is not None
    return replication.parse_lsn(text)


def test_a_write_pins_the_browser_to_its_wal_position_and_a_caught_up_standby_serves_it(
    staff_client,
):
    before = replication.primary_write_lsn()
    response = log_time(staff_client, ProjectFactory(), hours="6.25", description="Mine")
    after = replication.primary_write_lsn()
    assert response.status_code == 302
    assert staff_client.cookies[PIN_COOKIE]["httponly"]
    pin = pinned_position(staff_client)
    assert _lsn(before) < _lsn(pin) <= _lsn(after), "the position after the write's commit"

    # staff_client waits for replay before each request: the standby has the write now.
    response = staff_client.get(HOURS)
    assert response.context["read_database"]["alias"] == "standby"
    assert PINNED not in response.content.decode()
    assert response.context["report"].total == 6.25
    assert "Served by <strong>standby</strong>" in response.content.decode()


def test_the_window_setting_keeps_the_browser_on_the_primary(staff_client, settings):
    settings.READ_YOUR_WRITES_BY = "window"
    log_time(staff_client, ProjectFactory(), hours="1", description="Windowed")
    assert pinned_position(staff_client) is None
    response = staff_client.get(HOURS)  # after replay, and still the primary
    assert response.context["read_database"]["alias"] == "default"
    assert PINNED in response.content.decode()


def test_the_position_check_asks_the_standby_only_when_its_status_falls_short(
    staff_client, queries_by_alias, replayed
):
    replication.standby_status("standby", max_age=0)  # measured before the write
    log_time(staff_client, ProjectFactory(), hours="2", description="Checked once")
    replayed()
    with queries_by_alias("default", "standby") as captured:
        assert staff_client.get(HOURS).context["read_database"]["alias"] == "standby"
    assert captured.sql("standby").count(REPLAY_CHECK) == 1, "the cached status fell short"

    replication.standby_status("standby", max_age=0)  # now past the write
    with queries_by_alias("default", "standby") as captured:
        assert staff_client.get(HOURS).context["read_database"]["alias"] == "standby"
    assert captured.sql("standby").count(REPLAY_CHECK) == 0, "the status already says so"
    assert "pg_current_wal" not in " ".join(captured.sql("default")), "taken once, at the write"


def test_a_report_never_takes_the_position(staff_client, queries_by_alias, replayed):
    """Only a request that wrote asks the primary for its position, once."""
    with queries_by_alias("default") as captured:
        staff_client.get(HOURS)
        staff_client.get(reverse("timetrack:timecard_list"))
    assert "pg_current_wal" not in " ".join(captured.sql("default"))

    with queries_by_alias("default") as captured:
        log_time(staff_client, ProjectFactory(), hours="2", description="One position")
    assert " ".join(captured.sql("default")).count("pg_current_wal_insert_lsn") == 1
