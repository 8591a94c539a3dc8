"""A CSV download written by PostgreSQL itself: ``COPY (SELECT ...) TO STDOUT``, streamed.

The ORM builds the SELECT (filters, joins, order); PostgreSQL formats every value and
writes the CSV, several times faster than Python formatting the rows one by one. psycopg2
only *pushes* COPY data (``copy_expert`` calls ``write`` for each row until the end), and
a streaming response *pulls*, so the COPY runs in a thread of its own, on the scope's
connection, handing chunks of about ``CHUNK_BYTES`` through a queue of ``QUEUE_CHUNKS``:

- **constant memory**: when the client reads slowly, the queue fills, the thread waits,
  and PostgreSQL waits on its socket; at most a few hundred kilobytes are held here;
- **the first row at once**: the first chunk goes out as soon as it is full;
- **nothing left running**: a client that goes away closes the generator, which cancels
  the COPY (``connection.cancel()``, made for use from another thread) and waits for the
  thread to end.

The COPY runs in a read-only transaction of its own on the read scope's connection (the
standby), without a statement timeout: a download runs as long as the client takes to read it, as
the server-side cursor it replaces did (each of its fetches was bounded, the transaction
was not). Sorting is left out of its plan (``enable_sort = off``, as a cursor's plan
prefers): an ordered index scan starts answering at once, where a sort of every matching
row would hold the first one back. An
error in the thread (a recovery conflict, a lost connection) is raised in the response's
generator as Django's own database error, so the breaker hears of it.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterator

import psycopg2
from django.db import connections

CHUNK_BYTES = 64 * 1024
"""Bytes handed over together: few queue hand-offs, still small next to a download."""

QUEUE_CHUNKS = 8
"""Chunks the thread may run ahead of the client: the bound on memory (about 512 KiB)."""

_DONE = object()


class _Chunker:
    """The file psycopg2 writes COPY data to: rows gathered into chunks for the queue."""

    def __init__(self, chunks: queue.Queue) -> None:
        self._chunks = chunks
        self._parts: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        self._parts.append(data)
        self._size += len(data)
        if self._size >= CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            self._chunks.put(b"".join(self._parts))
            self._parts, self._size = [], 0


def copy_csv(alias: str, select_sql: str) -> Iterator[bytes]:
    """The CSV of ``select_sql`` (header first), as PostgreSQL on ``alias`` writes it.

    ``select_sql`` is complete, its parameters already bound (COPY takes none): build it
    with :func:`bound_sql`. A generator: nothing runs until it is iterated. The COPY
    runs in a transaction of its own, so not inside ``transaction.atomic()`` on ``alias``.
    """
    connection = connections[alias]
    if connection.in_atomic_block:
        raise RuntimeError("copy_csv() runs its own transaction: call it outside atomic()")
    connection.ensure_connection()
    raw = connection.connection
    copy_sql = f"COPY ({select_sql}) TO STDOUT WITH (FORMAT csv, HEADER)"
    started = time.monotonic()
    chunks: queue.Queue = queue.Queue(maxsize=QUEUE_CHUNKS)
    failures: list[BaseException] = []

    def run_copy() -> None:
        sink = _Chunker(chunks)
        try:
            with raw.cursor() as cursor:
                # The connection is in autocommit mode (outside atomic()): a transaction
                # of the thread's own, read-only, ended by ROLLBACK whatever happens, so
                # that Django finds the connection as it left it.
                cursor.execute("BEGIN READ ONLY")
                try:
                    # The first rows at once: an ordered index scan rather than a sort
                    # of everything (the plan a cursor would get), and no JIT
                    # compilation before the first row.
                    cursor.execute("SET LOCAL statement_timeout = 0")
                    cursor.execute("SET LOCAL enable_sort = off")
                    cursor.execute("SET LOCAL jit = off")
                    cursor.copy_expert(copy_sql, sink)
                    sink.flush()
                finally:
                    with contextlib.suppress(psycopg2.Error):
                        cursor.execute("ROLLBACK")
        except BaseException as error:
            failures.append(error)
        finally:
            chunks.put(_DONE)

    thread = threading.Thread(target=run_copy, name=f"copy-csv-{alias}", daemon=True)
    thread.start()
    try:
        while (chunk := chunks.get()) is not _DONE:
            yield chunk
    finally:
        if thread.is_alive():  # the client went away: stop the COPY, let the thread end
            raw.cancel()
            while chunks.get() is not _DONE:
                pass
        thread.join()
        if connection.queries_logged:  # where Django logs its queries (DEBUG, tests)
            connection.queries_log.append(
                {"sql": copy_sql, "time": f"{time.monotonic() - started:.3f}"}
            )
    if failures:
        # As Django's own error, marking the connection, so the breaker can tell whose.
        with connection.wrap_database_errors:
            raise failures[0]


def bound_sql(alias: str, sql: str, params: tuple | list) -> str:
    """``sql`` with its parameters bound by the driver, as COPY needs it."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        return cursor.mogrify(sql, params).decode()
