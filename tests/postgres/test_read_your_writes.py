"""Read your own writes by WAL position, against the real standby of the native pair.

The browser that wrote carries the primary's WAL position in its signed cookie; its
reports read the standby as soon as the standby has replayed up to there, and the
primary only until then (with replay paused: ``test_failover.py`` and ``test_group.py``).
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.db import connections, router, transaction
from django.http import StreamingHttpResponse
from django.urls import reverse

from accounts.factories import DEFAULT_PASSWORD
from core.routing import positions, read_decision, read_from, read_your_writes, status
from core.routing.middleware import PIN_COOKIE
from core.routing.notices import PINNED
from tests.conftest import log_time, pinned_position
from tests.postgres.conftest import replay_paused
from timetrack.factories import ProjectFactory, TimecardFactory
from timetrack.models import Timecard

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases="__all__")]

HOURS = "/reports/hours/"
REPLAY_CHECK = positions.REPLAY_POSITION_SQL


def _lsn(text: str | None) -> int:
    """The WAL position of a read-your-writes position (its timeline aside)."""
    assert text is not None
    return positions.parse_position(text)[1]


def _timeline() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute("select timeline_id from pg_control_checkpoint()")
        return cursor.fetchone()[0]


def test_a_write_pins_the_browser_to_its_wal_position_and_a_caught_up_standby_serves_it(
    staff_client,
):
    before = positions.primary_write_lsn()
    response = log_time(staff_client, ProjectFactory(), hours="6.25", description="Mine")
    after = positions.primary_write_lsn()
    assert response.status_code == 302
    assert staff_client.cookies[PIN_COOKIE]["httponly"]
    pin = pinned_position(staff_client)
    assert _lsn(before) < _lsn(pin) <= _lsn(after), "the position after the write's commit"
    assert positions.parse_position(pin)[0] == _timeline(), "with the primary's timeline"

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
    staff_client, queries_by_alias, replayed, monkeypatch
):
    monkeypatch.setattr(status, "CACHE_SECONDS", 3600)  # the status measured here is used
    status.standby_status("standby", max_age=0)  # measured before the write
    log_time(staff_client, ProjectFactory(), hours="2", description="Checked once")
    replayed()
    with queries_by_alias("default", "standby") as captured:
        assert staff_client.get(HOURS).context["read_database"]["alias"] == "standby"
    assert captured.sql("standby").count(REPLAY_CHECK) == 1, "the cached status fell short"

    status.standby_status("standby", max_age=0)  # now past the write
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
    assert " ".join(captured.sql("default")).count("current_setting('synchronous_commit')") == 1


def test_an_async_request_that_wrote_pins_its_browser_too(async_client, staff):
    """Under ASGI the position is taken in the request's database thread, not the loop."""
    async_client.force_login(staff)
    response = async_to_sync(async_client.post)(
        reverse("timetrack:timecard_create"),
        {
            "project": ProjectFactory().pk,
            "date": "2026-03-02",
            "hours": "1.5",
            "description": "Saved under ASGI",
            "billable": "on",
        },
    )
    assert response.status_code == 302
    assert pinned_position(async_client) is not None


@read_from("standby")
def _save_while_streaming(timecard):
    def body():
        timecard.description = "saved in a streamed body"
        timecard.save()
        yield str(timecard.pk)

    return StreamingHttpResponse(body())


def test_a_write_in_a_streamed_body_pins_its_caller(replayed):
    """The body runs in a copy of the context, after the return; its write is still the
    caller's."""
    timecard = TimecardFactory(description="before")
    replayed()
    read_your_writes.forget()  # from here, a context that has written nothing yet
    with replay_paused():
        response = _save_while_streaming(timecard)
        assert b"".join(response.streaming_content) == str(timecard.pk).encode()
        with read_from("standby"):
            assert router.db_for_read(Timecard) == "default"
            assert Timecard.objects.get(pk=timecard.pk).description == "saved in a streamed body"


def test_logging_in_leaves_no_write_behind_in_the_thread(client, staff, queries_by_alias):
    """The session saved at the end of a request is the request's write, not the thread's."""
    response = client.post(
        reverse("accounts:login"), {"username": staff.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    with queries_by_alias("default") as captured, read_from("standby"):
        assert router.db_for_read(Timecard) == "standby"
        Timecard.objects.count()
    assert "pg_current_wal" not in " ".join(captured.sql("default"))


def test_no_position_is_taken_inside_an_open_transaction(replayed):
    """Taken there, the position would come before the commit: a standby could pass it
    without the write."""
    replayed()
    with transaction.atomic():
        TimecardFactory()
        with read_from("standby"):
            assert read_decision().database == "default"  # decided inside: primary
        assert read_your_writes.current_requirement() == (True, None)
    committed = positions.primary_wal_lsn()
    pinned, lsn = read_your_writes.current_requirement()
    assert not pinned and _lsn(lsn) >= _lsn(committed), "taken after the commit"
