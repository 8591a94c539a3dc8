"""Section 2: where each report page's own time goes, and so what any alternative could save.

A page's time is its SQL plus Django's own. The own time is split here, per request, by
timing what the page does while it answers:

- **statements**: every statement the page sends, to either database, from the driver's
  call to its answer (a ``connection.execute_wrapper``); with psycopg2's client-side
  cursors the rows have arrived when ``execute`` returns;
- **template**: the page's template written out (``render_to_string``, whatever engine
  and filters it runs), statements inside it excluded;
- **Python**: what is left. The floor page (``bench/floor.py``: the same stack around a
  page that runs no report query) is split the same way; its Python is the stack's
  (middleware, session, scope), and a page's Python beyond it is the view's own work:
  the forms, the querysets built and compiled, the rows turned into objects and the
  report's arithmetic.

So a rewrite of the template in another engine, or in Python, can save at most its
template figure, and hand-written SQL in place of the querysets at most the view's
Python. Run by ``bench.pages`` on the full size.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.db import connections
from django.template import loader
from django.test import Client

__all__ = ["split"]

RUNS = 15


class _Clock:
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
def _clocked(clock: _Clock) -> Iterator[None]:
    """Every statement and every template render of the block timed on ``clock``."""
    render_to_string = loader.render_to_string

    def timed_render(*args: Any, **kwargs: Any) -> str:
        with clock.rendering():
            return render_to_string(*args, **kwargs)

    with ExitStack() as stack:
        for alias in ("default", "standby"):
            stack.enter_context(connections[alias].execute_wrapper(clock.statement))
        loader.render_to_string = timed_render
        try:
            yield
        finally:
            loader.render_to_string = render_to_string


def split(client: Client, url: str) -> dict:
    """Median milliseconds of one request of ``url``: in all, in statements, in its
    template, and in the rest (the stack's and the view's Python), ``RUNS`` requests."""
    totals, statements, templates, rest = [], [], [], []
    for _ in range(RUNS):
        clock = _Clock()
        with _clocked(clock):
            started = time.perf_counter()
            response = client.get(url)
            total = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        totals.append(total)
        statements.append(clock.statements)
        templates.append(clock.template)
        rest.append(total - clock.statements - clock.template)
    return {
        "url": url,
        "server_ms": statistics.median(totals) * 1000,
        "statements_ms": statistics.median(statements) * 1000,
        "template_ms": statistics.median(templates) * 1000,
        "python_ms": statistics.median(rest) * 1000,
    }
