"""Section 2: where each report page's own time goes, timed on the very requests whose
ratio section 2 reports.

Each timed request of ``bench.pages`` runs inside ``clocked(clock)``, which adds up:

- **statements**: every statement sent through Django's connections, from the driver's
  call to its answer (a ``connection.execute_wrapper`` on each); psycopg2's client-side
  cursors have the rows when ``execute`` returns, though they are turned into Python
  values later, when fetched, which counts as Python below, as it does for the raw SQL;
- **template**: the page's template written out (``loader.render_to_string``, which
  ``django.shortcuts.render`` calls, and every include and widget inside it),
  statements inside it excluded: the filter form's choice lists are read while the
  template writes the form, so their ORM work counts here;
- **Python**: the rest. The floor page (``bench/floor.py``: the same stack around a
  page that runs no report query) is split the same way; its Python is the stack's
  (middleware, session, scope), and a page's Python beyond it is the view's own work:
  the forms, the querysets built and compiled, the rows turned into objects and the
  report's arithmetic.

Not timed: a statement sent on a driver cursor of its own (the primary's WAL position,
cached for 5 s) and the connection health check, which the test client never runs.
The wrappers cost about 1 us a statement and 3 us a render.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.db import connections
from django.template import loader

__all__ = ["Clock", "clocked", "timed"]


class Clock:
    """Seconds spent in statements and in templates during one request."""

    def __init__(self) -> None:
        self.statements = 0.0
        self.template = 0.0
        self._template_depth = 0
        self._template_statements = 0.0

    def statement(self, execute: Callable, sql: str, params: Any, many: bool, context: dict):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            self.statements += spent
            if self._template_depth:
                self._template_statements += spent

    def figures(self, seconds: float) -> dict[str, float]:
        """One request's milliseconds: in all (``seconds``), in statements, in its template."""
        return {
            "server_ms": seconds * 1000,
            "statements_ms": self.statements * 1000,
            "template_ms": self.template * 1000,
        }

    @contextmanager
    def rendering(self) -> Iterator[None]:
        outermost = self._template_depth == 0
        self._template_depth += 1
        started = time.perf_counter()
        try:
            yield
        finally:
            self._template_depth -= 1
            if outermost:
                self.template += time.perf_counter() - started - self._template_statements
                self._template_statements = 0.0


@contextmanager
def clocked(clock: Clock) -> Iterator[None]:
    """Every statement and every template render of the block timed on ``clock``."""
    render_to_string = loader.render_to_string

    def timed_render(*args: Any, **kwargs: Any) -> str:
        with clock.rendering():
            return render_to_string(*args, **kwargs)

    with ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(clock.statement))
        loader.render_to_string = timed_render
        try:
            yield
        finally:
            loader.render_to_string = render_to_string


def timed(call: Callable[[], object]) -> tuple[float, Clock]:
    """Seconds of one ``call``, and where they went."""
    clock = Clock()
    with clocked(clock):
        started = time.perf_counter()
        call()
        return time.perf_counter() - started, clock
