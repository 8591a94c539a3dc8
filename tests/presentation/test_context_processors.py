"""Every page is told which database its reads go to, why, and how that database is set up.

``read_database`` names the alias the router sends reads to where the page renders: the
primary outside a read scope, the chosen standby inside one, and the primary with the
scope's notice when the standby cannot serve. ``describe_database`` says what an alias is.
"""

from __future__ import annotations

import pytest
from django.db import connections, router

from core.routing import breaker, decision, groups, read_from
from core.routing.groups import describe_database
from presentation.context_processors import read_database

ON_SQLITE = "the embedded database: a SQLite file, and the same file opened read-only"


def skip_unless_sqlite() -> None:
    if connections["default"].vendor != "sqlite":
        pytest.skip(ON_SQLITE)


def test_outside_a_read_scope_the_page_reads_the_primary_and_says_nothing_more(rf):
    context = read_database(rf.get("/"))["read_database"]

    assert context == {"alias": "default", "label": describe_database("default")}


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_inside_a_standby_scope_the_page_names_the_standby_it_reads(rf):
    with read_from("standby"):
        chosen = router.db_for_read(None)
        context = read_database(rf.get("/"))["read_database"]

    assert chosen in groups.members("standby")
    assert context["alias"] == chosen
    assert context["group"] == "standby"
    assert context["notice"] == ""
    assert context["label"] == describe_database(chosen)
    assert context["replication"].alias == chosen
    if connections["default"].vendor == "sqlite":
        assert chosen == "standby"
        assert context["replication"].replicated is False


@pytest.mark.django_db(databases="__all__")
def test_inside_an_open_transaction_the_page_names_the_primary_it_reads(rf):
    """The test's own transaction is open on the primary: reads stay there, to see it."""
    with read_from("standby"):
        context = read_database(rf.get("/"))["read_database"]

    assert context["alias"] == "default"
    assert context["group"] == "standby"
    assert "replication" not in context, "the standby's state is not what the page read"


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_an_unreachable_standby_sends_the_page_to_the_primary_with_a_notice(rf):
    for alias in groups.members("standby"):
        breaker.breaker_for(alias).record_failure("refused")

    with read_from("standby"):
        context = read_database(rf.get("/"))["read_database"]

    assert context["alias"] == "default"
    assert context["group"] == "standby"
    assert context["notice"] == decision.UNREACHABLE
    assert "replication" not in context


def test_the_sqlite_standby_is_described_as_read_only():
    skip_unless_sqlite()
    assert describe_database("standby") == "SQLite, read-only"


def test_the_sqlite_primary_is_described_as_read_write():
    skip_unless_sqlite()
    assert describe_database("default") == "SQLite, read-write"


@pytest.mark.postgres  # no database query, but the description is PostgreSQL's
def test_a_postgresql_database_is_described_by_its_host_and_port():
    if connections["default"].vendor != "postgresql":
        pytest.skip("the site runs on PostgreSQL only with DATABASE_URL")
    for alias in ("default", *groups.members("standby")):
        settings_dict = connections.settings[alias]
        description = describe_database(alias)
        assert description.startswith("PostgreSQL at ")
        assert str(settings_dict["HOST"] or "local socket") in description
        if settings_dict["PORT"]:
            assert description.endswith(f":{settings_dict['PORT']}")
