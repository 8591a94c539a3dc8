"""Knowing a write by the statement the primary runs, however it was issued.

Django asks ``db_for_write`` for things that write nothing, and a write through
``connection.cursor()`` never asks at all, so the router's question says little. Instead
an execute wrapper on the primary's connection (installed when it connects) looks at each
statement: one that is not known to be a read (``core.routing.statements``) marks the
request, or outside a request the scope's context, as having written. From then on:

- its reads go to the primary (``core.routing.decision``, rule 2);
- a failure of its member is not retried on the primary (``core.routing.retry``);
- the browser, or the context, reads only members that have its write
  (``core.routing.read_your_writes``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.routing import read_your_writes, signals, statements
from core.routing.groups import PRIMARY
from core.routing.scope import current_writes

__all__ = ["mark_written", "note_statement", "watch_primary_statements"]


def note_statement(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
    """An execute wrapper of the primary's connection: a statement that is not a read
    marks the request (or, outside a request, the context) as having written.

    Marked before it runs: a write that fails may still have done something (a trigger,
    a sequence), and a reader or a retry must not assume it did nothing.
    """
    if not statements.only_reads(sql):
        writes = current_writes()
        if writes is not None:
            writes.wrote = True
        read_your_writes.note_write()
        signals.write_detected.send_robust(__name__, sql=sql)
    return execute(sql, params, many, context)


def mark_written() -> None:
    """Count the current request (or context) as having written though it ran no write:
    it answers for a write made earlier, which the caller may not have seen confirmed (a
    form sent again after its first answer was lost). Its reads then go to the primary,
    and the browser gets the read-your-writes position, as after the write itself."""
    writes = current_writes()
    if writes is not None:
        writes.wrote = True
    read_your_writes.note_write()


def watch_primary_statements(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: put ``note_statement`` on the primary's connection."""
    if connection.alias == PRIMARY and note_statement not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, note_statement)
