"""A standby lost midway: what is run again on the primary, and what never is.

The standby ends the connection under the running code (``pg_terminate_backend``, as a
restarting standby does). A view answering GET is run again on the primary; a POST, a
plain function and anything that wrote on the primary (however: the ORM or a cursor)
is not, and the person gets the error page.
"""

from __future__ import annotations

import ipaddress

import pytest
from django.db import OperationalError, connections, router
from django.test import Client

from core.routing import breaker, read_decision, read_from
from core.routing.middleware import SAVE_INTERRUPTED
from tests.metrics.scrape import scrape, value
from tests.postgres import urls
from timetrack.factories import ClientFactory, TimecardFactory
from timetrack.models import Client as Customer
from timetrack.models import Timecard

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases="__all__"),
    pytest.mark.urls("tests.postgres.urls"),
]


AUDIT_ROW = "insert into timetrack_client (name, created_at) values (%s, now())"
"""A write through a plain cursor, as an audit trail or a raw statement makes one."""


@pytest.fixture(autouse=True)
def _fresh_runs(wait_for_replay):
    urls.RUNS.clear()
    TimecardFactory.create_batch(2)
    wait_for_replay()
    yield
    connections["standby"].close()


@pytest.fixture
def browser(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def test_a_get_view_is_run_again_on_the_primary(browser):
    response = browser.get("/loses-its-standby/")

    assert response.status_code == 200
    assert response.content == b"2 timecards, read on default"
    assert urls.RUNS == ["standby", "default"]
    assert breaker.breaker_for("standby").is_open


def test_a_post_view_is_not_run_again_and_gets_the_error_page(browser):
    response = browser.post("/loses-its-standby/")

    assert response.status_code == 503
    assert SAVE_INTERRUPTED in response.content.decode(), "it may have saved: send it again"
    assert urls.RUNS == ["standby"]
    assert breaker.breaker_for("standby").is_open


def test_a_function_is_not_run_again_unless_it_says_it_may():
    runs: list[str] = []

    def count() -> int:
        runs.append(read_decision().database)
        Timecard.objects.count()
        if len(runs) == 1:
            urls.lose_the_standby_connection()
        return Timecard.objects.count()

    with pytest.raises(OperationalError):
        read_from("standby")(count)()
    assert runs == ["standby"]

    runs.clear()
    breaker.reset_breakers()
    assert read_from("standby", retry=True)(count)() == 2
    assert runs == ["standby", "default"]


def test_a_cursor_write_sends_the_reads_after_it_to_the_primary():
    reads: list[str] = []

    @read_from("standby", retry=True)
    def audit_then_report() -> int:
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "insert into timetrack_client (name, created_at) values ('audit', now())"
            )
        urls.lose_the_standby_connection()  # nothing reads it any more: no failure
        reads.append(router.db_for_read(Timecard))
        return Timecard.objects.count()

    assert audit_then_report() == 2
    assert reads == ["default"]
    assert Customer.objects.filter(name="audit").count() == 1


@pytest.mark.parametrize("how", ["cursor", "orm"])
def test_a_function_that_wrote_is_never_run_again(how):
    runs: list[str] = []

    @read_from("standby", retry=True)  # it may run again, but it wrote: it must not
    def write_then_read_the_standby() -> int:
        member = read_decision().database  # decided: the standby
        runs.append(member)
        if how == "cursor":
            with connections["default"].cursor() as cursor:
                cursor.execute(
                    "insert into timetrack_client (name, created_at) values ('w', now())"
                )
        else:
            ClientFactory(name="w")
        urls.lose_the_standby_connection()
        # A read that still goes to the decided member (as one issued before the write
        # and consumed after it would): the standby is gone.
        return Timecard.objects.using(member).count()

    with pytest.raises(OperationalError):
        write_then_read_the_standby()

    assert runs == ["standby"]
    assert Customer.objects.filter(name="w").count() == 1


def test_retries_are_counted_by_outcome_and_the_retried_scope_on_the_primary(browser, settings):
    settings.METRICS_ALLOWED_ADDRESSES = [ipaddress.ip_network("127.0.0.1")]
    before = scrape()
    assert browser.get("/loses-its-standby/").status_code == 200
    urls.RUNS.clear()  # the next run loses its standby again
    breaker.reset_breakers()  # and reads it first: the standby is back
    assert browser.post("/loses-its-standby/").status_code == 503
    after = scrape()

    def added(name: str, **labels: str) -> float:
        return value(after, name, **labels) - (value(before, name, **labels) or 0)

    assert added("db_retries_total", outcome="on_primary") == 1
    assert added("db_retries_total", outcome="not_safe") == 1
    assert added("db_retries_total", outcome="wrote") == 0
    scopes = {"group": "standby"}
    assert added("db_read_scopes_total", **scopes, served_by="standby", reason="member") == 2
    assert added("db_read_scopes_total", **scopes, served_by="default", reason="retried") == 1
    assert added("db_standby_breaker_transitions_total", member="standby", to="open") == 2
