"""The routing against a real streaming replica: where reads and writes really land.

The standby alias is a hot standby of the primary: in recovery, read-only, and fed by
replication only. Nothing reaches it but the primary's WAL: no writes, no migrations.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import psycopg2.errors
import pytest
from django.db import DatabaseError, connections, router

from accounts.factories import UserFactory
from core.routing import read_from
from timetrack import services
from timetrack.factories import ProjectFactory, TimecardFactory
from timetrack.models import Client, Timecard

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases="__all__")]

READ_ONLY = "cannot execute INSERT in a read-only transaction"
DAY = datetime.date(2024, 5, 6)


def _one(alias: str, sql: str, params: list | None = None):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _rows(alias: str, sql: str) -> list[tuple]:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_the_standby_connection_is_in_recovery_and_the_primary_is_not():
    assert _one("standby", "select pg_is_in_recovery()") == (True,)
    assert _one("default", "select pg_is_in_recovery()") == (False,)


def test_both_aliases_read_the_test_database_on_their_own_servers():
    # TEST MIRROR copies only the database NAME: the standby alias keeps its own port.
    default_name, default_port = _one("default", "select current_database(), inet_server_port()")
    standby_name, standby_port = _one("standby", "select current_database(), inet_server_port()")
    assert default_name == standby_name == connections["default"].settings_dict["NAME"]
    assert default_name.startswith("test_")
    assert default_port != standby_port
    assert standby_port == int(connections["standby"].settings_dict["PORT"])


def test_the_standby_is_streaming_from_the_primary():
    assert _one("standby", "select status from pg_stat_wal_receiver") == ("streaming",)
    assert ("streaming",) in _rows("default", "select state from pg_stat_replication")


def test_a_commit_on_the_primary_reaches_the_standby_after_replay(wait_for_replay):
    timecard = TimecardFactory(description="replicated")
    wait_for_replay()
    copy = Timecard.objects.using("standby").get(pk=timecard.pk)
    assert copy.description == "replicated"
    assert copy._state.db == "standby"


def test_an_orm_write_forced_onto_the_standby_fails_read_only():
    project = ProjectFactory()
    with pytest.raises(DatabaseError) as raised:
        Client.objects.using("standby").create(name="Written on the standby")
    assert isinstance(raised.value.__cause__, psycopg2.errors.ReadOnlySqlTransaction)
    assert READ_ONLY in str(raised.value)
    with pytest.raises(DatabaseError, match="read-only transaction"):
        Timecard.objects.using("standby").filter(project=project).update(hours=1)
    assert not Client.objects.filter(name="Written on the standby").exists()


def test_a_raw_insert_on_the_standby_connection_fails_read_only():
    with pytest.raises(DatabaseError) as raised:
        with connections["standby"].cursor() as cursor:
            cursor.execute(
                "insert into timetrack_client (name, created_at) values (%s, now())",
                ["Raw on the standby"],
            )
    assert isinstance(raised.value.__cause__, psycopg2.errors.ReadOnlySqlTransaction)
    assert READ_ONLY in str(raised.value)
    assert _one("default", "select count(*) from timetrack_client") == (0,)


def test_a_write_inside_a_standby_scope_lands_on_the_primary(wait_for_replay, queries_by_alias):
    project = ProjectFactory()
    user = UserFactory()
    wait_for_replay()
    with queries_by_alias("default", "standby") as captured, read_from("standby"):
        # The read runs on the standby, the writes on the primary.
        assert Timecard.objects.filter(project=project).count() == 0
        created = Timecard.objects.create(user=user, project=project, date=DAY, hours=Decimal("4"))
        serviced = services.timecard_create(
            user=user, project=project, date=DAY, hours=Decimal("2"), description="Work"
        )
    assert created._state.db == serviced._state.db == "default"
    assert len(captured.touching("default", 'INSERT INTO "timetrack_timecard"')) == 2
    assert captured.touching("standby", 'SELECT COUNT(*) AS "__count" FROM "timetrack_timecard"')
    assert not captured.touching("standby", "INSERT")
    on_primary = set(Timecard.objects.using("default").values_list("pk", flat=True))
    assert on_primary == {created.pk, serviced.pk}
    wait_for_replay()
    on_standby = set(Timecard.objects.using("standby").values_list("pk", flat=True))
    assert on_standby == on_primary


def test_migrations_ran_on_the_primary_only_and_arrived_by_replication(wait_for_replay):
    wait_for_replay()
    applied = "select app, name from django_migrations order by app, name"
    primary_migrations = _rows("default", applied)
    assert ("timetrack", "0001_initial") in primary_migrations
    assert _rows("standby", applied) == primary_migrations
    tables = connections["default"].introspection.table_names()
    assert connections["standby"].introspection.table_names() == tables
    # The router never lets a migration touch the standby, and the server could not
    # apply one there anyway: schema changes only arrive by replication.
    assert all(
        router.allow_migrate("standby", app_label) is False
        for app_label in ("auth", "accounts", "timetrack", "contenttypes")
    )
    with pytest.raises(DatabaseError, match="read-only transaction"):
        with connections["standby"].cursor() as cursor:
            cursor.execute("create table replication_probe (id int)")


def test_a_schema_change_on_the_primary_arrives_on_the_standby(wait_for_replay):
    with connections["default"].cursor() as cursor:
        cursor.execute("create table replication_probe (id int primary key)")
    try:
        wait_for_replay()
        assert "replication_probe" in connections["standby"].introspection.table_names()
    finally:
        with connections["default"].cursor() as cursor:
            cursor.execute("drop table replication_probe")
    wait_for_replay()
    assert "replication_probe" not in connections["standby"].introspection.table_names()
