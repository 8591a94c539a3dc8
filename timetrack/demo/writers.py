"""Writing the demo data: each row built by its factory, the rows written in bulk.

The planner decides what every row holds (who logged what, when, which status, which
invoice) as plain values: :class:`PlannedInvoice` and :class:`PlannedTimecard`. The rows
themselves are built by the factories (``timetrack/factories.py``), the one definition
of what a timecard or an invoice looks like, which the tests use too.

Building a model instance with factory-boy costs several times what planning it does,
so the building is spread over worker processes, one per core. They are forked, so they
start with Django set up and cost no import; they never touch the database, and a forked
child of ``multiprocessing`` ends with ``os._exit``, so the parent's open connection is
never closed under it. A worker builds one chunk (a month of a block of people) and
turns it into what the database takes: ``COPY`` text on PostgreSQL, the model instances
themselves for ``bulk_create`` elsewhere. Chunks come back in the order they were
planned (the rows are the same, in the same order, whatever the number of workers), and
at most ``workers + 1`` are in flight, which bounds memory.

On PostgreSQL a built chunk goes in with ``COPY``, sent by a thread of its own while the
next chunks are planned and built; the invoices take their keys from their sequence,
reserved ahead, so the timecards can point to them before either is written. On SQLite
the invoices of a chunk are built and inserted first (``bulk_create`` returns their keys
on SQLite 3.35+), then its timecards.
"""

from __future__ import annotations

import datetime
import io
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from timetrack.factories import InvoiceFactory, TimecardFactory
from timetrack.models import Client, Invoice, InvoiceStatus, Project, Timecard

BATCH_SIZE = 2_000
"""Rows per ``bulk_create`` batch (the backend may split further: SQLite's 999 params)."""

INVOICE_IDS_AT_ONCE = 5_000
"""Invoice keys reserved from the table's sequence per round trip (gaps are harmless)."""

MAX_WORKERS = 8


def default_workers(person_weeks: int) -> int:
    """Worker processes for a run of ``person_weeks``: none for a small one (forking and
    handing rows over would cost more than building them here), else one per core."""
    if person_weeks < 5_000:
        return 0
    return min(os.cpu_count() or 1, MAX_WORKERS)


@dataclass(slots=True, eq=False)
class PlannedInvoice:
    """An invoice as planned; the writer gives it its primary key."""

    number: str
    user_id: int
    client_id: int
    period_start: datetime.date
    period_end: datetime.date
    issued_on: datetime.date
    due_on: datetime.date
    total: Decimal
    status: str = InvoiceStatus.DRAFT
    sent_on: datetime.date | None = None
    paid_on: datetime.date | None = None
    pk: int | None = None


@dataclass(slots=True, eq=False)
class PlannedTimecard:
    """A timecard as planned: plain values, cheaper to make and hand over than a model."""

    user_id: int
    project_id: int
    date: datetime.date
    hours: Decimal
    description: str
    billable: bool
    status: str
    submitted_at: datetime.datetime | None
    approved_at: datetime.datetime | None
    approved_by_id: int | None
    invoice: PlannedInvoice | None = None
    billed_rate: Decimal | None = None


def bulk_create_keyed(model: type[Model], objs: list, plans: list) -> None:
    """Insert ``objs`` and copy each primary key back onto its plan."""
    model._default_manager.bulk_create(objs, batch_size=BATCH_SIZE)
    for obj, plan in zip(objs, plans, strict=True):
        if obj.pk is None:
            raise RuntimeError(
                f"The database did not return the keys of the new {model.__name__} rows;"
                " seeding needs SQLite 3.35+ or PostgreSQL."
            )
        plan.pk = obj.pk


@contextmanager
def chunk_writer(workers: int) -> Iterator[ModelWriter | CopyWriter]:
    """The fastest way this database takes the chunks: COPY on PostgreSQL, else bulk_create."""
    builders = _Builders(workers)
    writer = CopyWriter(builders) if connection.vendor == "postgresql" else ModelWriter(builders)
    try:
        yield writer
    except BaseException:
        writer.close(failed=True)
        raise
    writer.close(failed=False)


# --- Building: in the worker processes (or here, without workers) ----------------------

_InvoiceRow = tuple  # PlannedInvoice's fields, key included
_TimecardRow = tuple  # (user, project, date, hours, description, billable, status,
#                       submitted_at, approved_at, approved_by, invoice key, billed rate)


def _invoice_row(bill: PlannedInvoice) -> _InvoiceRow:
    return astuple(bill)


def _timecard_row(card: PlannedTimecard) -> _TimecardRow:
    return (
        card.user_id,
        card.project_id,
        card.date,
        card.hours,
        card.description,
        card.billable,
        card.status,
        card.submitted_at,
        card.approved_at,
        card.approved_by_id,
        None if card.invoice is None else card.invoice.pk,
        card.billed_rate,
    )


class _Stubs:
    """Unsaved instances that stand for existing rows by their keys, made once each."""

    def __init__(self, model: type[Model]) -> None:
        self._model = model
        self._by_pk: dict[int, Model] = {}

    def __call__(self, pk: int | None) -> Model | None:
        if pk is None:
            return None
        stub = self._by_pk.get(pk)
        if stub is None:
            stub = self._by_pk[pk] = self._model(pk=pk)
            stub._state.db = "default"  # a row of the primary: no router to ask each time
        return stub


_users = _Stubs(get_user_model())
_projects = _Stubs(Project)
_clients = _Stubs(Client)


def build_invoices(rows: list[_InvoiceRow]) -> list[Invoice]:
    invoices = []
    for number, user, client, start, end, issued, due, total, status, sent, paid, pk in rows:
        invoices.append(
            InvoiceFactory.build(
                pk=pk,
                number=number,
                user=_users(user),
                client=_clients(client),
                period_start=start,
                period_end=end,
                issued_on=issued,
                due_on=due,
                total=total,
                status=status,
                sent_on=sent,
                paid_on=paid,
            )
        )
    return invoices


def build_timecards(rows: list[_TimecardRow]) -> list[Timecard]:
    invoices = _Stubs(Invoice)  # a chunk's own: its invoices are new
    return [
        TimecardFactory.build(
            user=_users(user),
            project=_projects(project),
            date=date,
            hours=hours,
            description=description,
            billable=billable,
            status=status,
            submitted_at=submitted_at,
            approved_at=approved_at,
            approved_by=_users(approved_by),
            invoice=invoices(invoice),
            billed_rate=billed_rate,
        )
        for (
            user,
            project,
            date,
            hours,
            description,
            billable,
            status,
            submitted_at,
            approved_at,
            approved_by,
            invoice,
            billed_rate,
        ) in rows
    ]


def build_copy_chunk(
    invoice_rows: list[_InvoiceRow], timecard_rows: list[_TimecardRow], now: str
) -> tuple[bytes, bytes]:
    """One chunk as ``COPY`` text: its invoices, then its timecards."""
    return (
        _invoice_copy_text(build_invoices(invoice_rows), now),
        _timecard_copy_text(build_timecards(timecard_rows), now),
    )


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"
_INVOICE_COLUMNS = (
    "id, number, user_id, client_id, period_start, period_end, issued_on, due_on, sent_on,"
    " paid_on, status, total, created_at"
)
_TIMECARD_COLUMNS = (
    "user_id, project_id, date, hours, description, billable, status, submitted_at,"
    " approved_at, approved_by_id, invoice_id, billed_rate, created_at, updated_at"
)


def _invoice_copy_text(invoices: list[Invoice], now: str) -> bytes:
    return "".join(
        f"{invoice.pk}\t{invoice.number.translate(_COPY_ESCAPES)}\t{invoice.user_id}"
        f"\t{invoice.client_id}\t{invoice.period_start}\t{invoice.period_end}"
        f"\t{invoice.issued_on}\t{invoice.due_on}"
        f"\t{_NULL if invoice.sent_on is None else invoice.sent_on}"
        f"\t{_NULL if invoice.paid_on is None else invoice.paid_on}"
        f"\t{invoice.status}\t{invoice.total}\t{now}\n"
        for invoice in invoices
    ).encode()


def _timecard_copy_text(cards: list[Timecard], now: str) -> bytes:
    # The cards of one person's week share their times: format each once per chunk.
    stamps: dict[datetime.datetime | None, str] = {None: _NULL}

    def stamp(moment: datetime.datetime | None) -> str:
        text = stamps.get(moment)
        if text is None:
            text = stamps[moment] = moment.isoformat()
        return text

    return "".join(
        f"{card.user_id}\t{card.project_id}\t{card.date}\t{card.hours}"
        f"\t{card.description.translate(_COPY_ESCAPES)}\t{'t' if card.billable else 'f'}"
        f"\t{card.status}\t{stamp(card.submitted_at)}\t{stamp(card.approved_at)}"
        f"\t{_NULL if card.approved_by_id is None else card.approved_by_id}"
        f"\t{_NULL if card.invoice_id is None else card.invoice_id}"
        f"\t{_NULL if card.billed_rate is None else card.billed_rate}\t{now}\t{now}\n"
        for card in cards
    ).encode()


# --- Handing chunks to the builders and taking them back in order ---------------------


class _Builders:
    """Runs the building of chunks in worker processes (or here), results in order."""

    def __init__(self, workers: int) -> None:
        self.pool = (
            ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
            if workers
            else None
        )
        self.limit = workers + 1
        self.in_flight: deque[tuple[Future, Callable[[Any], None]]] = deque()

    def submit(self, build: Callable, args: tuple, then: Callable[[Any], None]) -> None:
        """Build ``build(*args)``, then (in planning order) hand the result to ``then``."""
        if self.pool is None:
            then(build(*args))
            return
        self.in_flight.append((self.pool.submit(build, *args), then))
        while len(self.in_flight) > self.limit:
            self._finish_oldest()

    def finish_all(self) -> None:
        while self.in_flight:
            self._finish_oldest()

    def _finish_oldest(self) -> None:
        future, then = self.in_flight.popleft()
        then(future.result())

    def close(self) -> None:
        if self.pool is not None:
            for future, _ in self.in_flight:
                future.cancel()
            self.pool.shutdown()


# --- Writing --------------------------------------------------------------------------


class ModelWriter:
    """Any database: ``bulk_create``, the invoices first so the timecards can point to them."""

    def __init__(self, builders: _Builders) -> None:
        self.builders = builders

    def write(self, bills: list[PlannedInvoice], cards: list[PlannedTimecard]) -> None:
        if bills:  # built here: their keys come from the INSERT, before the cards are built
            invoices = build_invoices([_invoice_row(bill) for bill in bills])
            bulk_create_keyed(Invoice, invoices, bills)
        self.builders.submit(
            build_timecards, ([_timecard_row(card) for card in cards],), self._insert
        )

    @staticmethod
    def _insert(timecards: list[Timecard]) -> None:
        Timecard.objects.bulk_create(timecards, batch_size=BATCH_SIZE)

    def drain(self) -> None:
        """Write every chunk built so far: the connection is then free to query."""
        self.builders.finish_all()

    def close(self, *, failed: bool) -> None:
        try:
            if not failed:
                self.drain()
        finally:
            self.builders.close()


class CopyWriter:
    """PostgreSQL: each chunk goes in with ``COPY``, one stream of rows per table, not an
    ``INSERT`` per batch.

    A thread sends a built chunk while this one plans the next; both use the one
    connection, inside the seed's transaction. The foreign keys are checked at the end of
    each ``COPY`` (``SET CONSTRAINTS ALL IMMEDIATE``) rather than all at once at commit:
    the same checks, run while the next chunks are planned instead of after the last one.
    """

    def __init__(self, builders: _Builders) -> None:
        connection.ensure_connection()
        self.raw = connection.connection
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.invoice_sql = f"COPY {Invoice._meta.db_table} ({_INVOICE_COLUMNS}) FROM STDIN"
        self.timecard_sql = f"COPY {Timecard._meta.db_table} ({_TIMECARD_COLUMNS}) FROM STDIN"
        self.ids: list[int] = []
        self.builders = builders
        self.sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-copy")
        self.sending: Future | None = None

    def write(self, bills: list[PlannedInvoice], cards: list[PlannedTimecard]) -> None:
        for bill, pk in zip(bills, self._reserve_ids(len(bills)), strict=True):
            bill.pk = pk
        rows = (
            [_invoice_row(bill) for bill in bills],
            [_timecard_row(card) for card in cards],
            timezone.now().isoformat(),
        )
        self.builders.submit(build_copy_chunk, rows, self._send_when_free)

    def drain(self) -> None:
        """Write every chunk built so far and wait for it: the connection is then free.

        Two threads must never use one psycopg2 connection at once: a query sent while a
        ``COPY`` runs deadlocks (the sender holds the connection and waits for the GIL).
        """
        self.builders.finish_all()
        self._wait_for_sender()

    def close(self, *, failed: bool) -> None:
        try:
            if not failed:
                self.drain()
            else:
                self._wait_for_sender()
        finally:
            self.builders.close()
            self.sender.shutdown()
        if not failed:  # back to the constraints' own (deferred) timing
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def _send_when_free(self, chunk: tuple[bytes, bytes]) -> None:
        self._wait_for_sender()
        self.sending = self.sender.submit(self._send, *chunk)

    def _wait_for_sender(self) -> None:
        if self.sending is not None:
            sending, self.sending = self.sending, None
            sending.result()  # raises what the sending thread raised

    def _send(self, invoices: bytes, timecards: bytes) -> None:
        # One read of the whole buffer: between reads psycopg2 needs the GIL back, which
        # the planning thread holds for up to sys.getswitchinterval() (5 ms by default)
        # each time.
        with self.raw.cursor() as cursor:
            if invoices:
                cursor.copy_expert(self.invoice_sql, io.BytesIO(invoices), size=len(invoices))
            cursor.copy_expert(self.timecard_sql, io.BytesIO(timecards), size=len(timecards))

    def _reserve_ids(self, count: int) -> list[int]:
        while len(self.ids) < count:
            self._wait_for_sender()
            with connection.cursor() as cursor:
                cursor.execute(
                    "select nextval(pg_get_serial_sequence(%s, 'id')) from generate_series(1, %s)",
                    [Invoice._meta.db_table, max(INVOICE_IDS_AT_ONCE, count)],
                )
                self.ids.extend(row[0] for row in cursor.fetchall())
        taken, self.ids = self.ids[:count], self.ids[count:]
        return taken
