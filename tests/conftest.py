"""Fixtures shared by every test: people, logged-in clients, and query capture per alias."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from accounts.factories import StaffFactory, UserFactory
from core import replication, standby


@pytest.fixture(autouse=True)
def _fresh_standby_state():
    """Each test starts with closed breakers and no cached replication status."""
    standby.reset_breakers()
    replication.clear_cache()
    yield
    standby.reset_breakers()
    replication.clear_cache()


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
