"""Django's PostgreSQL backend for the standbys, each wait for an answer bounded.

A standby's connection is kept between requests (``CONN_MAX_AGE``) and checked when a
request first uses it (``CONN_HEALTH_CHECKS``). Both waits get a deadline
(:mod:`core.routing.deadlines`), so a standby that stops answering costs a bounded time:

- **the health check** gets ``connect_timeout``: as long as a new connection gets to
  connect. A check that finds the server silent raises at once instead of connecting
  again (which would wait as long a second time): the caller's breaker and retry take it
  from there. A check that finds the connection closed (a restarted standby) connects
  again, as Django's does;
- **a statement** gets the alias's ``statement_timeout`` and ``connect_timeout`` more:
  a live server has ended it by then with its own timeout error.

An expired deadline is raised as :class:`ServerSilent`, an ``OperationalError`` from
PostgreSQL's side with no SQLSTATE, "did not answer", which
:func:`core.routing.db_errors.classify` reads as a server that is gone.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import OperationalError
from django.db.backends.postgresql import base

from core.routing import deadlines

_STATEMENT_TIMEOUT = re.compile(r"statement_timeout=(\d+)")


class ServerSilent(OperationalError):
    """The standby did not answer in time: as a dropped connection, no SQLSTATE."""

    pgcode = None


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(self._execute_within_deadline)

    @property
    def answer_seconds(self) -> float:
        """How long the server has to answer a health check (its ``connect_timeout``)."""
        return float(self.settings_dict["OPTIONS"].get("connect_timeout") or 10)

    @property
    def statement_seconds(self) -> float:
        """How long a statement may wait for its answer: the server's bound, and a margin."""
        match = _STATEMENT_TIMEOUT.search(self.settings_dict["OPTIONS"].get("options", ""))
        timeout = int(match[1]) / 1000 if match and int(match[1]) else 3600.0
        return timeout + self.answer_seconds

    def close_if_health_check_failed(self) -> None:
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        try:
            fileno = self.connection.fileno()
        except base.Database.Error:  # closed already: Django's check says so
            return super().close_if_health_check_failed()
        with deadlines.deadline(fileno, self.answer_seconds) as watch:
            usable = self.is_usable()
        if not usable:
            self.close()
        if watch.expired:
            self.errors_occurred = True  # as Django marks a connection that failed
            raise ServerSilent(self._silent(self.answer_seconds, "its health check"))
        self.health_check_done = True

    def _execute_within_deadline(
        self, execute: Any, sql: str, params: Any, many: bool, context: dict
    ) -> Any:
        if self.connection is None:  # the first statement connects (connect_timeout)
            return execute(sql, params, many, context)
        seconds = self.statement_seconds
        with deadlines.deadline(self.connection.fileno(), seconds) as watch:
            try:
                return execute(sql, params, many, context)
            except OperationalError as error:
                if watch.expired:
                    raise ServerSilent(self._silent(seconds, "a statement")) from error
                raise

    def _silent(self, seconds: float, what: str) -> str:
        return f"standby {self.alias!r} did not answer {what} within {seconds:g} s"
