"""A CSV download written by PostgreSQL itself: ``COPY (SELECT ...) TO STDOUT``, streamed.

The ORM builds the SELECT (filters, joins, order); PostgreSQL formats every value and
writes the CSV, faster than Python formatting the rows one by one (BENCHMARKS.md). psycopg2
only *pushes* COPY data (``copy_expert`` calls ``write`` for each row until the end), and
a streaming response *pulls*, so the COPY runs in a thread of its own, on the scope's
connection, handing chunks of about ``CHUNK_BYTES`` through a queue of ``QUEUE_CHUNKS``:

- **constant memory**: when the client reads slowly, the queue fills, the thread waits,
  and PostgreSQL waits on its socket; at most a few hundred kilobytes are held here;
- **the first row at once**: the first chunk goes out as soon as it is full, and the
  plan leaves sorting out (``enable_sort = off``, as a cursor's plan would): an ordered
  index scan answers at once, where a sort of every matching row holds the first back;
- **nothing left running**: a client that goes away closes the generator, which stops
  the thread (its hand-offs give up) and cancels the COPY; a connection whose state is
  then not known to be clean is closed, never handed back to Django as it is.

The COPY runs in a read-only transaction of its own on the read scope's connection (the
standby), bounded by ``EXPORT_STATEMENT_TIMEOUT_SECONDS`` rather than the reports' timeout:
a download lasts as long as the client takes to read it. While it runs, the thread owns
the connection: a query of this thread on the same alias is refused with a clear error.
An error of the COPY (a recovery conflict, a lost connection) is raised in the response's
generator as Django's own database error, so the breaker hears of it.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg2
from django.conf import settings
from django.db import connections

from core.routing import deadlines, signals

CHUNK_BYTES = 64 * 1024
"""Bytes handed over together: few queue hand-offs, still small next to a download."""

QUEUE_CHUNKS = 8
"""Chunks the thread may run ahead of the client: the bound on memory (about 512 KiB)."""

HAND_OFF_POLL_SECONDS = 0.5
"""How often a waiting hand-off looks whether the download was abandoned."""

THREAD_END_SECONDS = 10.0
"""How long closing a download waits for the COPY thread to end."""

RENEW_SECONDS = 1.0
"""How often arriving rows move the silence deadline on (not once per row: a lock)."""

_DONE = object()


class _Abandoned(Exception):
    """The download was closed while the thread waited to hand a chunk over."""


class _Chunker:
    """The file psycopg2 writes COPY data to: rows gathered into chunks for the queue.

    With a ``watch`` (a standby's connection), the server may stay silent for at most
    ``silence`` seconds at a time: the deadline moves on as rows arrive, and stops while
    a hand-off waits for a slow client.
    """

    def __init__(
        self,
        chunks: queue.Queue,
        stop: threading.Event,
        watch: deadlines.Watch | None = None,
        silence: float = 0.0,
    ) -> None:
        self._chunks = chunks
        self._stop = stop
        self._parts: list[bytes] = []
        self._size = 0
        self._watch = watch
        self._silence = silence
        self._renew_at = 0.0

    def write(self, data: bytes) -> None:
        self._parts.append(data)
        self._size += len(data)
        if self._watch is not None and (now := time.monotonic()) >= self._renew_at:
            self._watch.renew(self._silence)
            self._renew_at = now + RENEW_SECONDS
        if self._size >= CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            chunk = b"".join(self._parts)
            self._parts, self._size = [], 0
            if self._watch is None:
                hand_over(self._chunks, chunk, self._stop)
                return
            with self._watch.paused(self._silence):
                hand_over(self._chunks, chunk, self._stop)


def hand_over(chunks: queue.Queue, item: object, stop: threading.Event) -> None:
    """Put ``item`` on the queue, unless the download is abandoned first."""
    while not stop.is_set():
        try:
            chunks.put(item, timeout=HAND_OFF_POLL_SECONDS)
            return
        except queue.Full:
            continue
    raise _Abandoned


def copy_csv(alias: str, select_sql: str) -> Iterator[bytes]:
    """The CSV of ``select_sql`` (header first), as PostgreSQL on ``alias`` writes it.

    ``select_sql`` is complete, its parameters already bound (COPY takes none): build it
    with :func:`bound_sql`. The COPY starts when this is called, and its first chunk (the
    header and the first rows) is waited for here, inside the view, before the response's
    status line is sent: a standby that fails before the download begins fails the view,
    which is run again on the primary. The rest comes as the returned iterator is read;
    closing it stops the COPY. It runs in a transaction of its own: the connection must
    be in autocommit mode (not inside ``atomic()``).
    """
    connection = connections[alias]
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    if connection.in_atomic_block or not connection.get_autocommit():
        raise RuntimeError("copy_csv() runs its own transaction: call it outside atomic()")
    chunks = _streamed(alias, connection, select_sql)
    return _Download(next(chunks), chunks)


class _Download:
    """The COPY's chunks, the first already read; ``close()`` stops the COPY."""

    def __init__(self, first: bytes, rest: Iterator[bytes]) -> None:
        self._first: bytes | None = first
        self._rest = rest

    def __iter__(self) -> _Download:
        return self

    def __next__(self) -> bytes:
        if self._first is not None:
            first, self._first = self._first, None
            return first
        return next(self._rest)

    def close(self) -> None:
        self._rest.close()  # type: ignore[attr-defined]


def _streamed(alias: str, connection: Any, select_sql: str) -> Iterator[bytes]:
    raw = connection.connection
    copy_sql = f"COPY ({select_sql}) TO STDOUT WITH (FORMAT csv, HEADER)"
    timeout_ms = round(settings.EXPORT_STATEMENT_TIMEOUT_SECONDS * 1000)
    # A standby's backend bounds each wait for an answer (core.routing.backends): the
    # COPY may be silent as long as one of its statements may wait.
    silence = getattr(connection, "statement_seconds", None)
    chunks: queue.Queue = queue.Queue(maxsize=QUEUE_CHUNKS)
    stop = threading.Event()
    failures: list[BaseException] = []
    rows: list[int] = []

    def run_copy() -> None:
        try:
            with raw.cursor() as cursor:
                # A transaction of the thread's own, read-only, ended by ROLLBACK
                # whatever happens: SET LOCAL ends with it.
                cursor.execute("BEGIN READ ONLY")
                try:
                    cursor.execute("SET LOCAL statement_timeout = %s", [timeout_ms])
                    cursor.execute("SET LOCAL enable_sort = off")
                    cursor.execute("SET LOCAL jit = off")  # no compiling before the first row
                    with _silence_bound(raw, silence) as watch:
                        sink = _Chunker(chunks, stop, watch, silence or 0.0)
                        try:
                            cursor.copy_expert(copy_sql, sink)
                            rows.append(cursor.rowcount)  # COPY's own count, header excluded
                        except psycopg2.Error as error:
                            if watch is None or not watch.expired:
                                raise
                            raise psycopg2.OperationalError(
                                f"{alias!r} sent no rows for {silence:g} s: the server"
                                " stopped answering"
                            ) from error
                        sink.flush()
                finally:
                    with contextlib.suppress(psycopg2.Error):
                        cursor.execute("ROLLBACK")
        except BaseException as error:
            failures.append(error)
        finally:
            with contextlib.suppress(_Abandoned):
                hand_over(chunks, _DONE, stop)

    started = time.monotonic()
    thread = threading.Thread(target=run_copy, name=f"copy-csv-{alias}", daemon=True)
    finished = False
    with connection.execute_wrapper(_refuse_while_copying):
        thread.start()
        try:
            while (chunk := chunks.get()) is not _DONE:
                yield chunk
            finished = True
        finally:
            if not finished:  # the client went away: stop the thread and the COPY
                stop.set()
                _cancel(raw)
            thread.join(THREAD_END_SECONDS)
            _hand_back(connection, raw, thread)
            if connection.queries_logged:  # where Django logs its queries (DEBUG, tests)
                connection.queries_log.append(
                    {"sql": copy_sql, "time": f"{time.monotonic() - started:.3f}"}
                )
    if failures:
        # As Django's own error, marking the connection, so the breaker can tell whose.
        with connection.wrap_database_errors:
            raise failures[0]
    signals.rows_exported.send_robust(__name__, rows=sum(rows), database=alias)


def _cancel(raw: Any) -> None:
    """Ask the server to stop the COPY, waiting for it at most ``THREAD_END_SECONDS``.

    libpq's cancel waits for the server to close the request's connection, with no
    bound of its own: a server that stopped answering would hold the request forever.
    """

    def cancel() -> None:
        with contextlib.suppress(Exception):
            raw.cancel()

    canceller = threading.Thread(target=cancel, name="copy-csv-cancel", daemon=True)
    canceller.start()
    canceller.join(THREAD_END_SECONDS)


def _hand_back(connection: Any, raw: Any, thread: threading.Thread) -> None:
    """Give the connection back to Django clean, or not at all."""
    if thread.is_alive():
        # Still in the COPY (the cancel did not reach the server): leave the psycopg2
        # connection to the thread, which ends with it, and let Django open a new one.
        connection.connection = None
        return
    clean = not raw.closed and (
        raw.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_IDLE
    )
    if not clean:
        connection.close()


@contextlib.contextmanager
def _silence_bound(raw: Any, silence: float | None) -> Iterator[deadlines.Watch | None]:
    if silence is None:
        yield None
        return
    with deadlines.deadline(raw.fileno(), silence) as watch:
        yield watch


def _refuse_while_copying(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    raise RuntimeError(
        "A CSV download (COPY) is using this database connection until it ends: query"
        " another alias, or finish reading the download first."
    )


def bound_sql(alias: str, sql: str, params: tuple | list) -> str:
    """``sql`` with its parameters bound by the driver, as COPY needs it."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        return cursor.mogrify(sql, params).decode()
