"""``/metrics``: who may scrape it, and what the routing's signals add to it.

The counts are read as Prometheus reads them (the text format, parsed), before and
after real pages on the real embedded standby or PostgreSQL group; the group driven
through a pause and a stop is ``tests/postgres/test_metrics_group.py``.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import logging

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.routing import breaker, signals, statements, status
from tests.conftest import log_time
from tests.metrics.scrape import parse, scrape, value
from tests.reports.test_views_routing import add_data
from timetrack.factories import ProjectFactory

# A scrape measures the members: on PostgreSQL, queries of the real standbys.
pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

READ_SCOPES = "db_read_scopes_total"


@pytest.fixture
def loopback_scrapes(settings):
    settings.METRICS_ALLOWED_ADDRESSES = [ipaddress.ip_network("127.0.0.1")]


# --- who may scrape ----------------------------------------------------------------------


def _status(remote: str = "127.0.0.1", **headers: str) -> int:
    return Client().get("/metrics", REMOTE_ADDR=remote, **headers).status_code


def test_nobody_may_scrape_until_a_setting_says_who(settings):
    assert settings.METRICS_ALLOWED_ADDRESSES == [] and settings.METRICS_TOKEN == ""
    assert _status("127.0.0.1") == 403
    assert _status("127.0.0.1", HTTP_AUTHORIZATION="Bearer ") == 403


def test_an_allowed_address_or_network_may_scrape_and_no_other(settings):
    settings.METRICS_ALLOWED_ADDRESSES = [
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("127.0.0.1"),
    ]
    assert _status("10.20.30.40") == 200
    assert _status("127.0.0.1") == 200
    assert _status("127.0.0.2") == 403
    assert _status("192.168.1.10") == 403
    assert _status("::1") == 403


def test_the_token_lets_a_scraper_in_from_anywhere_and_nothing_else_does(settings):
    settings.METRICS_TOKEN = "a-scrapers-secret-of-some-length"
    assert (
        _status("203.0.113.9", HTTP_AUTHORIZATION="Bearer a-scrapers-secret-of-some-length") == 200
    )
    assert (
        _status("203.0.113.9", HTTP_AUTHORIZATION="bearer a-scrapers-secret-of-some-length") == 200
    )
    assert (
        _status("203.0.113.9", HTTP_AUTHORIZATION="Bearer a-scrapers-secret-of-some-lengtH") == 403
    )
    assert (
        _status("203.0.113.9", HTTP_AUTHORIZATION="Basic a-scrapers-secret-of-some-length") == 403
    )
    assert _status("203.0.113.9") == 403


@pytest.mark.parametrize(
    "header",
    ["HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP", "HTTP_X_FORWARDED_PROTO"],
)
def test_a_request_through_a_proxy_needs_the_token_whatever_its_address(settings, header):
    """A proxy on the same host makes every visitor come from 127.0.0.1."""
    settings.METRICS_ALLOWED_ADDRESSES = [ipaddress.ip_network("127.0.0.1")]
    settings.METRICS_TOKEN = "a-scrapers-secret-of-some-length"
    for proxies in (0, 1):
        settings.TRUSTED_PROXY_COUNT = proxies
        assert _status("127.0.0.1", **{header: "127.0.0.1"}) == 403
    bearer = "Bearer a-scrapers-secret-of-some-length"
    assert _status("127.0.0.1", **{header: "127.0.0.1"}, HTTP_AUTHORIZATION=bearer) == 200
    assert _status("127.0.0.1") == 200, "straight to the site: the address counts"


def test_metrics_answer_get_only_never_cached_and_need_no_login(loopback_scrapes):
    response = Client().get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200  # no redirect to the login page
    assert "no-cache" in response["Cache-Control"]
    assert Client().post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 405


# --- what the routing counts -------------------------------------------------------------


def test_each_report_page_counts_one_scope_on_the_member_that_served_it(
    staff_client, loopback_scrapes
):
    add_data(1)
    before = scrape()
    served: dict[str, int] = {}
    for _ in range(4):
        response = staff_client.get(reverse("reports:hours"))
        alias = response.context["read_database"]["alias"]
        served[alias] = served.get(alias, 0) + 1
    after = scrape()

    assert "default" not in served, served
    for alias, pages in served.items():
        labels = {"group": "standby", "served_by": alias, "reason": "member"}
        counted = value(after, READ_SCOPES, **labels) - (value(before, READ_SCOPES, **labels) or 0)
        assert counted == pages, (alias, counted, pages)
    assert sum(v - before.get(key, 0) for key, v in after.items() if key[0] == READ_SCOPES) == sum(
        served.values()
    ), "no other scope was counted"


def test_every_statement_that_is_not_a_read_is_counted_as_a_write(user_client, loopback_scrapes):
    project = ProjectFactory()
    before = value(scrape(), "db_writes_detected_total")
    with CaptureQueriesContext(connections["default"]) as captured:
        response = log_time(user_client, project, hours="2.5", description="counted")
    assert response.status_code == 302
    # Read before the next request: a request's start clears the connection's query log.
    writes = [q["sql"] for q in captured.captured_queries if not statements.only_reads(q["sql"])]
    after = value(scrape(), "db_writes_detected_total")

    assert any(sql.startswith("INSERT") for sql in writes), writes
    assert after - before == len(writes)


def test_an_export_counts_the_rows_it_streamed(staff_client, loopback_scrapes):
    add_data(2)
    before = value(scrape(), "db_export_rows_total")
    response = staff_client.get(reverse("reports:timecards_csv"))
    body = b"".join(response.streaming_content).decode()
    after = value(scrape(), "db_export_rows_total")

    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) - 1 == 2 * 9  # the header, and nine timecards a person
    assert after - before == len(rows) - 1


def test_a_breaker_counts_its_transitions_and_shows_while_open(loopback_scrapes):
    labels = {"member": "standby"}
    before = scrape()
    assert value(before, "db_standby_breaker_open", **labels) == 0

    breaker.breaker_for("standby").record_failure("connection refused")
    opened = scrape()
    breaker.breaker_for("standby").record_failure("connection refused")  # still open
    breaker.breaker_for("standby").record_success()
    closed = scrape()

    def transitions(samples, to):
        return value(samples, "db_standby_breaker_transitions_total", member="standby", to=to)

    assert value(opened, "db_standby_breaker_open", **labels) == 1
    assert transitions(opened, "open") - transitions(before, "open") == 1
    assert value(closed, "db_standby_breaker_open", **labels) == 0
    assert transitions(closed, "open") - transitions(before, "open") == 1
    assert transitions(closed, "closed") - transitions(before, "closed") == 1


def test_every_retry_outcome_has_its_series_before_the_first_retry(loopback_scrapes):
    samples = scrape()
    outcomes = {dict(labels)["outcome"] for name, labels in samples if name == "db_retries_total"}
    assert outcomes == {"on_primary", "wrote", "not_safe", "not_retryable", "disabled"}


def test_the_members_replication_is_measured_at_scrape(loopback_scrapes, settings):
    samples = scrape()
    for member in settings.STANDBY_GROUPS["standby"]:
        assert value(samples, "db_standby_up", member=member) == 1
        lag = value(samples, "db_standby_replay_lag_seconds", member=member)
        assert lag is not None and 0 <= lag < settings.STANDBY_MAX_LAG_SECONDS
        assert value(samples, "db_standby_lag_bytes", member=member) is not None


def test_a_receiver_that_raises_never_breaks_a_page(staff_client, caplog):
    def broken(**kwargs):
        raise RuntimeError("a broken metrics receiver")

    signals.read_scope_decided.connect(broken, dispatch_uid="test.broken")
    try:
        with caplog.at_level(logging.ERROR, logger="django.dispatch"):
            response = staff_client.get(reverse("reports:hours"))
    finally:
        signals.read_scope_decided.disconnect(dispatch_uid="test.broken")
    assert response.status_code == 200
    assert "a broken metrics receiver" in caplog.text


def test_the_text_parses_as_prometheus_text(loopback_scrapes):
    text = Client().get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert parse(text), "samples"
    assert "_created" not in text  # none in multiprocess mode: none here either


@pytest.mark.postgres
def test_a_member_that_leads_is_leading_not_up(loopback_scrapes):
    """A failover cluster lists every node as a member: the one that leads is not down."""
    standby = connections["standby"]
    if standby.vendor != "postgresql":
        pytest.skip("PostgreSQL: a member pointed at the primary")
    settings_dict, kept = standby.settings_dict, dict(standby.settings_dict)
    standby.close()
    primary = connections["default"].settings_dict
    settings_dict.update(HOST=primary["HOST"], PORT=primary["PORT"])
    try:
        status.clear_cache()
        samples = scrape()
    finally:
        standby.close()
        settings_dict.update(HOST=kept["HOST"], PORT=kept["PORT"])
        status.clear_cache()
    assert value(samples, "db_standby_leading", member="standby") == 1
    assert value(samples, "db_standby_up", member="standby") == 0
    assert value(samples, "db_standby_replay_lag_seconds", member="standby") is None
