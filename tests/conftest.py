"""Fixtures shared by every test: people, logged-in clients, and query capture per alias."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from django.db import connections
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.factories import StaffFactory, UserFactory
from core.routing import breaker, groups, outage_log, positions, read_your_writes, status
from core.routing.middleware import last_write_of
from timetrack import choice_lists

POSTGRES_MARKERS = ("postgres", "postgres_group")
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``no_database`` each test that uses no database, so that ``make test`` runs it
    once, in the SQLite pass. Such a test must not depend on the backend: one that does
    is marked ``postgres`` (or uses the database)."""
    for item in items:
        uses_fixture = DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        needs_postgres = any(item.get_closest_marker(name) for name in POSTGRES_MARKERS)
        if item.get_closest_marker("django_db") is None and not (uses_fixture or needs_postgres):
            item.add_marker(pytest.mark.no_database)


@pytest.fixture(autouse=True)
def _fresh_standby_state():
    """Each test starts with closed breakers, no cached replication status, no option
    list kept from another test's rows, and no write of an earlier test to read (the
    tests share one thread, so one context)."""
    breaker.reset_breakers()
    status.clear_cache()
    read_your_writes.forget()
    outage_log.forget()
    choice_lists.forget()
    yield
    breaker.reset_breakers()
    status.clear_cache()
    read_your_writes.forget()
    outage_log.forget()


@pytest.fixture
def reports_read_the_primary(settings) -> None:
    """The site as set up without a standby (``STANDBY_DATABASE_URL=none``): every report
    reads the primary, inside the test's own transaction.

    A test that checks what a report says needs only the data. A real standby can never
    share the test transaction: on PostgreSQL it is another server, which sees a commit
    only once it is replayed; on SQLite it is a read-only connection of its own, which sees
    only what is committed to the file. So such a test runs in the fast, rolled-back
    transaction with the reports on the primary, and the tests that check *where* a
    report reads (``tests/reports/test_views_routing.py``, ``tests/core/``, ``tests/postgres/``)
    commit with ``transaction=True`` and read the real standby.
    """
    settings.STANDBY_GROUPS = {group: [] for group in settings.STANDBY_GROUPS}


REPORT_DATA = [pytest.mark.django_db, pytest.mark.usefixtures("reports_read_the_primary")]
"""The ``pytestmark`` of a module whose tests check what the reports say, not where they
read: ``pytestmark = REPORT_DATA``."""

EXPORT_DATA = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reports_read_the_primary"),
]
"""As ``REPORT_DATA``, for the CSV export: on PostgreSQL it is a ``COPY`` in a
transaction of its own (``reports/csv_copy.py``), which cannot run inside the test's, so
these tests commit, on the primary alone."""


def wait_for_standby() -> None:
    """Wait until every standby shows every commit so far (at once on SQLite).

    A commit reaches a real standby only once it is replayed; a test that reads the
    standby straight after writing waits for replay by LSN, never by sleeping.
    """
    # The wait is the test's plumbing, not the page's: keep its queries out of any
    # CaptureQueriesContext, whose counts the tests compare. That includes taking the
    # test's own write position, which the first scope after its writes would take.
    members = groups.members("standby")
    logging = {alias: connections[alias].force_debug_cursor for alias in ("default", *members)}
    for alias in logging:
        connections[alias].force_debug_cursor = False
    try:
        read_your_writes.current_requirement()
        lsn = positions.primary_wal_lsn()
        for alias in members:
            assert positions.wait_for_replay(lsn, alias=alias, timeout=10), (
                f"{alias} stopped replaying"
            )
    finally:
        for alias, flag in logging.items():
            connections[alias].force_debug_cursor = flag


class ReplayedClient(Client):
    """The test client, as a person a moment after saving: the standby has caught up.

    Only where the test commits and may read the standby (``transaction=True`` with the
    standby among its databases); elsewhere the standby sees nothing of the test anyway.
    Read-your-writes before replay is tested on its own, with replay paused.
    """

    def __init__(self, *, wait_for_replay: bool, **defaults) -> None:
        super().__init__(**defaults)
        self.wait_for_replay = wait_for_replay

    def request(self, **request):
        if self.wait_for_replay:
            wait_for_standby()
        return super().request(**request)


def _reads_committed_standby(node: pytest.Item) -> bool:
    marker = node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return False
    databases = marker.kwargs.get("databases")
    return databases == "__all__" or "standby" in (databases or ())


@pytest.fixture
def client(request) -> ReplayedClient:
    return ReplayedClient(wait_for_replay=_reads_committed_standby(request.node))


@pytest.fixture
def replayed():
    """``replayed()`` after writing, before reading the standby in the same test."""
    return wait_for_standby


def log_time(client: Client, project, *, hours: str, description: str, date=None):
    """Log time through the site's own "Log time" form, as a person would; the response."""
    return client.post(
        reverse("timetrack:timecard_create"),
        {
            "project": project.pk,
            "date": (date or timezone.localdate()).isoformat(),
            "hours": hours,
            "description": description,
            "billable": "on",
        },
    )


def pinned_position(browser: Client) -> str | None:
    """The timeline and WAL position that ``browser``'s read-your-writes cookie holds."""
    request = RequestFactory().get("/")
    request.COOKIES = {name: morsel.value for name, morsel in browser.cookies.items()}
    return last_write_of(request).position


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def other_user():
    return UserFactory()


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


class QueriesByAlias(dict):
    """The SQL run on each database alias while the block ran."""

    def sql(self, alias: str) -> list[str]:
        return [query["sql"] for query in self[alias].captured_queries]

    def touching(self, alias: str, table_prefix: str) -> list[str]:
        """Queries on ``alias`` that name a table starting with ``table_prefix``."""
        return [sql for sql in self.sql(alias) if table_prefix in sql]


@contextmanager
def capture_queries_by_alias(*aliases: str) -> Iterator[QueriesByAlias]:
    captured = QueriesByAlias()
    with ExitStack() as stack:
        for alias in aliases or tuple(connections):
            captured[alias] = stack.enter_context(CaptureQueriesContext(connections[alias]))
        yield captured


@pytest.fixture
def queries_by_alias():
    """``with queries_by_alias() as q:`` then ``q.sql("standby")``, ``q.touching(...)``."""
    return capture_queries_by_alias
