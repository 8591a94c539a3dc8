"""A write on the primary, in any form, is never run twice and pins the browser.

Each view here reads the standby, writes on the primary in one of the ways a statement
can (some of which look like reads: two statements in one ``execute``, ``SELECT ...
INTO``, a data-modifying ``WITH`` in parentheses, a function that inserts,
``nextval()``), loses its standby and reads it again. A view answering GET is run again
on the primary after such a failure unless it wrote: had the write gone unnoticed, it
would run twice. ``core.routing.statements`` says why each one counts as a write.
"""

from __future__ import annotations

import pytest
from django.db import connections
from django.test import Client as Browser

from core.routing.middleware import SERVER_LOST
from core.routing.positions import parse_lsn, parse_position, primary_write_lsn
from tests.conftest import pinned_position
from tests.postgres import urls
from timetrack.factories import TimecardFactory
from timetrack.models import Client

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases="__all__"),
    pytest.mark.urls("tests.postgres.urls"),
]

ADD_CLIENT = """
create or replace function add_client(name text) returns bigint language sql as $$
    insert into timetrack_client (name, created_at) values (name, now()) returning id
$$
"""


@pytest.fixture(autouse=True)
def _fresh_runs(wait_for_replay):
    urls.RUNS.clear()
    TimecardFactory.create_batch(2)
    with connections["default"].cursor() as cursor:
        cursor.execute(ADD_CLIENT)
    wait_for_replay()
    yield
    connections["standby"].close()
    with connections["default"].cursor() as cursor:
        cursor.execute("drop function if exists add_client(text)")
        cursor.execute("drop table if exists written_by_select_into")


@pytest.fixture
def browser(staff) -> Browser:
    browser = Browser()
    browser.force_login(staff)
    return browser


def _written_once(case: str) -> None:
    """What the write left behind shows it ran once."""
    if case == "select into":
        with connections["default"].cursor() as cursor:
            cursor.execute("select count(*) from written_by_select_into")
            assert cursor.fetchone()[0] == 1
    elif case == "queryset update":
        names = list(Client.objects.values_list("name", flat=True))
        assert names and all(name.endswith("+") and not name.endswith("++") for name in names)
    elif case in ("nextval", "select_for_update"):
        pass  # nothing to count: the runs say it
    else:
        assert Client.objects.filter(name__startswith=case).count() == 1


@pytest.mark.parametrize("case", list(urls.WRITES))
def test_a_write_is_never_run_twice_and_pins_the_browser(browser, case):
    before = primary_write_lsn()

    response = browser.get(f"/writes-then-loses-its-standby/{case}/")

    assert urls.RUNS == ["standby"], "run once: a retry on the primary would write again"
    assert response.status_code == 503
    assert SERVER_LOST in response.content.decode()
    _written_once(case)
    position = pinned_position(browser)
    assert position is not None, "the browser reads its own write from now on"
    assert parse_position(position)[1] >= parse_lsn(before)


def test_a_raw_insert_refused_by_the_standby_runs_once_on_the_primary(browser):
    response = browser.get("/inserts-through-raw/")

    assert response.status_code == 200
    assert response.content == b"1 added on default"
    assert urls.RUNS == ["standby", "default"], "the standby ran nothing: the primary runs it"
    assert Client.objects.filter(name__startswith="raw").count() == 1
    assert pinned_position(browser) is not None
