"""The router with real connections: where each query of a scoped view really ran.

Reads of the standby need committed data and both aliases, hence
``transaction=True`` and ``databases="__all__"``.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.db import DatabaseError, connections, router, transaction

from accounts.factories import UserFactory
from core.routing import ScopedReadRouter, read_from
from timetrack.factories import ProjectFactory, TimecardFactory
from timetrack.models import Timecard

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def _timecard_queries(captured, alias):
    return captured.touching(alias, "timetrack_timecard")


def test_reads_follow_the_scope_and_writes_stay_on_the_primary(replayed):
    timecard = TimecardFactory()
    replayed()  # else the scope waits for the test's own write on the primary
    assert router.db_for_read(Timecard) == "default"
    with read_from("standby"):
        assert router.db_for_read(Timecard) == "standby"
        assert router.db_for_read(Timecard, instance=timecard) == "standby"
        assert router.db_for_write(Timecard) == "default"
        assert router.db_for_write(Timecard, instance=timecard) == "default"
    assert router.db_for_read(Timecard, instance=timecard) == "default"


def test_queries_in_scope_run_on_the_standby_connection(queries_by_alias, replayed):
    timecard = TimecardFactory()
    replayed()
    profile = timecard.user.profile  # loaded from default, outside the scope
    with queries_by_alias("default", "standby") as captured, read_from("standby"):
        assert Timecard.objects.count() == 1
        assert list(profile.timecards) == [timecard]  # the model property
        assert list(timecard.user.timecards.all()) == [timecard]  # a related manager
        assert Timecard.objects.select_related("project").get().project.code
    assert len(_timecard_queries(captured, "standby")) == 4
    assert captured.sql("default") == []


def test_related_objects_loaded_in_scope_come_from_the_standby(replayed):
    TimecardFactory()
    replayed()
    with read_from("standby"):
        timecard = Timecard.objects.get()
        assert timecard._state.db == "standby"
        assert timecard.project._state.db == "standby"
    assert timecard.user._state.db == "default"  # loaded after the scope ended


def test_writes_inside_a_standby_scope_land_on_the_primary(queries_by_alias):
    timecard = TimecardFactory(description="before")
    with queries_by_alias("default", "standby") as captured, read_from("standby"):
        timecard.hours = 3
        timecard.save()
        Timecard.objects.filter(pk=timecard.pk).update(description="after")
        created = TimecardFactory(project=timecard.project, user=timecard.user)
    assert any("UPDATE" in sql for sql in _timecard_queries(captured, "default"))
    assert any("INSERT" in sql for sql in _timecard_queries(captured, "default"))
    assert not any(verb in sql for sql in captured.sql("standby") for verb in ("UPDATE", "INSERT"))
    assert created._state.db == "default"
    timecard.refresh_from_db()
    assert (timecard.hours, timecard.description) == (3, "after")


def test_reads_stay_on_the_primary_inside_a_transaction(queries_by_alias):
    with read_from("standby"), transaction.atomic():
        timecard = TimecardFactory()
        with queries_by_alias("default", "standby") as captured:
            assert Timecard.objects.filter(pk=timecard.pk).exists()
    assert _timecard_queries(captured, "standby") == []
    assert len(_timecard_queries(captured, "default")) == 1


def test_locking_reads_in_scope_go_to_the_primary(queries_by_alias):
    timecard = TimecardFactory()
    with queries_by_alias("default", "standby") as captured, read_from("standby"):
        with transaction.atomic():
            list(Timecard.objects.select_for_update().filter(pk=timecard.pk))
    assert _timecard_queries(captured, "standby") == []


def test_the_standby_refuses_writes():
    """SQLite opened read-only says "readonly database"; a hot standby "read-only"."""
    timecard = TimecardFactory()
    with pytest.raises(DatabaseError, match=r"readonly|read-only"):
        Timecard.objects.using("standby").filter(pk=timecard.pk).update(description="x")
    assert Timecard.objects.get(pk=timecard.pk).description == timecard.description


def test_relations_and_migrations(replayed):
    scoped = ScopedReadRouter()
    timecard = TimecardFactory()
    replayed()
    with read_from("standby"):
        from_standby = Timecard.objects.get(pk=timecard.pk)
    assert scoped.allow_relation(timecard, from_standby) is True
    assert scoped.allow_migrate("standby", "timetrack") is False
    assert scoped.allow_migrate("default", "timetrack") is None
    assert router.allow_migrate("standby", "timetrack", model_name="timecard") is False


@pytest.mark.urls("tests.core.urls")
class TestThroughTheRequestStack:
    """Scoped views served by Django's own handler, middleware included."""

    def test_sync_view(self, client, queries_by_alias):
        TimecardFactory.create_batch(2)
        with queries_by_alias("default", "standby") as captured:
            assert client.get("/sync/").json() == {"count": 2}
        assert len(_timecard_queries(captured, "standby")) == 1
        assert _timecard_queries(captured, "default") == []

    def test_unscoped_view_reads_the_primary(self, client, queries_by_alias):
        TimecardFactory()
        with queries_by_alias("default", "standby") as captured:
            assert client.get("/plain/").json() == {"count": 1}
        assert _timecard_queries(captured, "standby") == []
        assert len(_timecard_queries(captured, "default")) == 1

    def test_class_based_view(self, client, queries_by_alias):
        TimecardFactory()
        with queries_by_alias("default", "standby") as captured:
            assert client.get("/class/").content == b"1"
        assert len(_timecard_queries(captured, "standby")) == 1

    def test_streaming_view_reads_the_standby_while_the_body_is_consumed(self, client):
        made = TimecardFactory.create_batch(5)
        response = client.get("/stream/")
        body = b"".join(response.streaming_content).decode()
        assert body.splitlines() == [f"{card.pk},standby" for card in made]

    def test_write_inside_a_scoped_view_lands_on_the_primary(self, client):
        timecard = TimecardFactory(description="before")
        assert client.get(f"/write/?pk={timecard.pk}").status_code == 200
        assert Timecard.objects.get(pk=timecard.pk).description == "written"


@pytest.mark.urls("tests.core.urls")
def test_async_view_reads_the_standby(async_client, queries_by_alias, replayed):
    TimecardFactory.create_batch(3)
    replayed()  # the async client is not the ReplayedClient: wait for replay here
    with queries_by_alias("default", "standby") as captured:
        response = async_to_sync(async_client.get)("/async/")
    assert response.json() == {"count": 3}
    assert len(_timecard_queries(captured, "standby")) == 1
    assert _timecard_queries(captured, "default") == []


# --- A write is known by the statement that runs on the primary ------------------------


def test_a_raw_cursor_write_in_a_scope_sends_its_later_reads_to_the_primary():
    with read_from("standby"):
        assert router.db_for_read(Timecard) == "standby"
        with connections["default"].cursor() as cursor:
            cursor.execute("UPDATE timetrack_timecard SET description = description")
        assert router.db_for_read(Timecard) == "default"


def test_a_raw_query_that_writes_counts_as_a_write():
    TimecardFactory()
    with read_from("standby"):
        sql = "UPDATE timetrack_timecard SET description = 'x' RETURNING *"
        list(Timecard.objects.raw(sql, using="default"))
        assert router.db_for_read(Timecard) == "default"


def test_asking_where_a_write_would_go_is_not_a_write():
    # Django asks db_for_write when an unsaved instance is given a related object.
    with read_from("standby"):
        Timecard(user=UserFactory.build(), project=ProjectFactory.build())
        assert router.db_for_write(Timecard) == "default"
        assert router.db_for_read(Timecard) == "standby"


def test_reads_on_the_primary_are_not_writes():
    with read_from("standby"):
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM timetrack_timecard")
        assert router.db_for_read(Timecard) == "standby"
