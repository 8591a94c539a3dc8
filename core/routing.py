"""Per-view read routing: ``@read_from("standby")`` and the router that honours it.

A report view is declared once::

    from core.routing import read_from

    @read_from("standby")
    def hours_report(request):
        weeks = request.user.profile.timecards.filter(...)   # read on the standby
        ...

Everything that runs underneath the view, model properties and related managers
included, reads from ``standby`` without an alias being passed around, while every write
still goes to ``default`` (the primary). The same object is a context manager for a
block of code::

    with read_from("standby"):
        invoices = selectors.invoice_summary(today=today)

Why a ``ContextVar`` and not a thread-local: a gthread gunicorn worker serves requests
on several threads, and an async view shares one thread between many asyncio tasks. A
``ContextVar`` is isolated per thread *and* per task (asgiref's ``sync_to_async`` copies
it into the worker thread), so one request's scope never leaks into another's. Leaving
a scope resets the variable with the token of the matching ``set``, which restores the
*outer* scope, not ``None``: scopes nest, also when an exception passes through.

Work that runs after the decorated callable returned is kept in the scope too: each
resumption of a decorated generator, the body of a ``StreamingHttpResponse`` that is
consumed after the view returned, and a ``TemplateResponse`` (rendered inside the scope
before it leaves, so template-response middleware sees it already rendered).

``read_from("standby")`` names a group of standbys. Where reads really go is decided
once per scope, on its first read, and kept for the whole scope: one member of the group
that is reachable, replicating, within the lag bound and caught up with the caller's own
last write (``core.standby``, ``core.read_your_writes``), or the primary with a notice
when none is. Reads also go to the primary while a transaction is open there, and after
the request or scope wrote anything (any statement the primary ran that is not a read,
however it was issued: ``core.statements``): a read must see what was just written. A
view answering a safe method whose standby fails under it (a recovery conflict, a lost
connection) is run once more on the primary, unless it wrote; any other callable only
when declared with ``retry=True``, and otherwise the error reaches the error page.

**Threads.** The scope lives in the context: ``sync_to_async`` and ``asyncio.to_thread``
carry it into their threads, but a ``threading.Thread``, a ``ThreadPoolExecutor`` or
``loop.run_in_executor`` starts with an empty context, without a scope, and reads the
primary. To run such work in the scope, submit it through ``in_scope``::

    with read_from("standby"):
        future = executor.submit(in_scope(build_summary), month)

A lazy queryset built inside a ``with`` block and evaluated after it runs outside the
scope, like any other query there. Selectors therefore return evaluated data.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, OperationalError, connections
from django.http import HttpRequest, StreamingHttpResponse
from django.template.response import SimpleTemplateResponse

from core import db_errors, read_your_writes, standby, statements
from core.db_errors import Failure
from core.standby import PRIMARY, ReadDecision

__all__ = [
    "ReadFromMixin",
    "ScopedReadRouter",
    "current_read_alias",
    "current_read_decision",
    "in_scope",
    "read_from",
    "track_writes",
]

logger = logging.getLogger(__name__)

RETRIED = "The reporting replica failed during this page, so it was read from the primary."
WRITES = "This page writes, so it was read from the primary."


@dataclass
class WriteTracker:
    """Whether one request (or, outside a request, one outermost scope) wrote."""

    wrote: bool = False


@dataclass
class _Scope:
    alias: str
    writes: WriteTracker
    decision: ReadDecision | None = field(default=None)

    def decide(self) -> ReadDecision:
        if self.decision is None:
            pinned, min_lsn = read_your_writes.current_requirement()
            self.decision = standby.decide(self.alias, pinned=pinned, min_lsn=min_lsn)
        return self.decision

    @property
    def read_from_replica(self) -> bool:
        return self.decision is not None and self.decision.alias != PRIMARY


_current_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar(
    "read_scope", default=None
)
_current_writes: contextvars.ContextVar[WriteTracker | None] = contextvars.ContextVar(
    "write_tracker", default=None
)

_open_blocks: contextvars.ContextVar[tuple[Any, ...]] = contextvars.ContextVar(
    "open_read_from_blocks", default=()
)
"""The scopes opened by ``with read_from(...)`` blocks of this context, innermost last."""

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def current_read_alias() -> str | None:
    """Return the alias named by the innermost ``read_from`` scope, or ``None``."""
    scope = _current_scope.get()
    return None if scope is None else scope.alias


def in_scope(func: Callable[..., T]) -> Callable[..., T]:
    """``func``, to be run in another thread inside the caller's read scope.

    A ``threading.Thread``, a ``ThreadPoolExecutor`` or ``loop.run_in_executor`` starts
    its work in an empty context: no scope, so it would read the primary. The callable
    returned here runs ``func`` in a copy of the caller's context as it is now (the
    scope, and the request's writes), a fresh copy for each call, so it may be
    submitted many times and run in several threads at once. The scope decides here
    where it reads, so every thread reads the member the caller reads.
    """
    scope = _current_scope.get()
    if scope is not None:
        scope.decide()
    context = contextvars.copy_context()

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> T:
        return context.copy().run(func, *args, **kwargs)

    return run


def current_read_decision() -> ReadDecision | None:
    """Where the current scope's reads go and why (deciding now if it has not read yet)."""
    scope = _current_scope.get()
    return None if scope is None else scope.decide()


@contextmanager
def track_writes() -> Iterator[WriteTracker]:
    """Track the writes of one request: once it wrote, its reads stay on the primary."""
    tracker = WriteTracker()
    token = _current_writes.set(tracker)
    try:
        yield tracker
    finally:
        _current_writes.reset(token)


def _new_scope(alias: str) -> tuple[_Scope, contextvars.Token | None]:
    writes = _current_writes.get()
    writes_token = None
    if writes is None:  # outside a request: the outermost scope tracks its own writes
        writes = WriteTracker()
        writes_token = _current_writes.set(writes)
        read_your_writes.ensure()
    return _Scope(alias, writes), writes_token


@contextmanager
def _entered(scope: _Scope) -> Iterator[_Scope]:
    token = _current_scope.set(scope)
    try:
        yield scope
    finally:
        _current_scope.reset(token)


@contextmanager
def _scope(alias: str) -> Iterator[_Scope]:
    scope, writes_token = _new_scope(alias)
    try:
        with _entered(scope):
            yield scope
    finally:
        if writes_token is not None:
            _current_writes.reset(writes_token)


class read_from:
    """Route the reads of a view, a function or a block of code to ``alias``.

    A decorator for functions, ``async def`` functions, generator functions and
    class-based views, and a context manager. Each decorated call and each ``with``
    block opens its own scope, kept in the caller's context, so one instance may serve
    many threads and tasks at once.

    ``retry``: whether a decorated callable whose standby fails under it (a recovery
    conflict, a lost server) may be called once more on the primary. By default only a
    view answering a safe method (GET, HEAD, OPTIONS) is; ``retry=True`` declares that
    a function may be run again, ``retry=False`` that a view may not. A callable that
    wrote on the primary is never run again, whatever it declares.
    """

    def __init__(self, alias: str, *, retry: bool | None = None) -> None:
        if not isinstance(alias, str) or not alias:
            raise TypeError(f"read_from() takes a database alias, not {alias!r}")
        self.alias = alias
        self.retry = retry

    def __repr__(self) -> str:
        return f"read_from({self.alias!r})"

    # -- context manager -------------------------------------------------------------

    def __enter__(self) -> read_from:
        manager = _scope(self.alias)
        manager.__enter__()
        _open_blocks.set((*_open_blocks.get(), manager))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        # ``with`` blocks close in reverse order, so the innermost open block is ours.
        *outer, manager = _open_blocks.get()
        _open_blocks.set(tuple(outer))
        manager.__exit__(*exc_info)

    # -- decorator -------------------------------------------------------------------

    def __call__(self, func: F) -> F:
        if isinstance(func, type):
            return self._decorate_class(func)
        if inspect.iscoroutinefunction(func):
            return self._decorate_coroutine_function(func)
        if inspect.isasyncgenfunction(func):
            return self._decorate_async_generator_function(func)
        if inspect.isgeneratorfunction(func):
            return self._decorate_generator_function(func)
        if callable(func):
            return self._decorate_function(func)
        raise TypeError(f"read_from({self.alias!r}) cannot decorate {func!r}")

    def _decorate_function(self, func: F) -> F:
        alias, retry = self.alias, self.retry

        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            with _scope(alias) as scope:
                try:
                    return _keep_in_scope(func(*args, **kwargs), scope)
                except DatabaseError as error:
                    if not _retry_on_primary(scope, error, _may_run_again(retry, args)):
                        raise
                return _keep_in_scope(func(*args, **kwargs), scope)

        return inner  # type: ignore[return-value]

    def _decorate_coroutine_function(self, func: F) -> F:
        alias, retry = self.alias, self.retry

        @functools.wraps(func)
        async def inner(*args: Any, **kwargs: Any) -> Any:
            with _scope(alias) as scope:
                try:
                    return _keep_in_scope(await func(*args, **kwargs), scope)
                except DatabaseError as error:
                    if not _retry_on_primary(scope, error, _may_run_again(retry, args)):
                        raise
                return _keep_in_scope(await func(*args, **kwargs), scope)

        return inner  # type: ignore[return-value]

    def _decorate_generator_function(self, func: F) -> F:
        alias = self.alias

        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            with _scope(alias) as scope:
                return _ContextBoundGenerator(func(*args, **kwargs), _context_with(scope))

        return inner  # type: ignore[return-value]

    def _decorate_async_generator_function(self, func: F) -> F:
        alias = self.alias

        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            with _scope(alias) as scope:
                return _scoped_async_iterator(func(*args, **kwargs), scope)

        return inner  # type: ignore[return-value]

    def _decorate_class(self, cls: type) -> type:
        dispatch = getattr(cls, "dispatch", None)
        if dispatch is None:
            raise TypeError(
                f"read_from({self.alias!r}) decorates class-based views (with a dispatch()"
                f" method); {cls.__qualname__} has none"
            )
        cls.dispatch = self._decorate_function(dispatch)
        return cls


class ReadFromMixin:
    """Class-based view mixin: ``read_alias = "standby"`` routes the view's reads."""

    read_alias: str | None = None

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if self.read_alias is None:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return read_from(self.read_alias)(super().dispatch)(request, *args, **kwargs)  # type: ignore[misc]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _may_run_again(retry: bool | None, args: tuple) -> bool:
    """Whether a decorated callable may be called a second time after its standby failed.

    ``read_from(..., retry=True)`` or ``retry=False`` says so. Otherwise only a view
    answering a safe method may: its request says it changes nothing, where any other
    function may have done something outside the database (an e-mail, a file, a call)
    that a second run would do again.
    """
    if retry is not None:
        return retry
    request = next((arg for arg in args[:2] if isinstance(arg, HttpRequest)), None)
    return request is not None and request.method in SAFE_METHODS


def _retry_on_primary(scope: _Scope, error: DatabaseError, may_run_again: bool) -> bool:
    """After a standby failure, tell its breaker; run the scope again on the primary if it
    may be run again and has not written.

    A failure that another server would answer (``Failure.answerable_elsewhere``: a
    recovery conflict, a lost server, or a write the standby refused, as a ``raw()``
    INSERT sent there as a read is) is retried. A timeout would time out there too, a
    scope that wrote must not write twice (any statement on the primary that is not a
    read counts, however it was issued), and a callable that may not run again gets the
    error page: those are raised.
    """
    if not scope.read_from_replica or not settings.STANDBY_RETRY_ON_PRIMARY:
        return False
    replica = scope.decision.alias
    if connections[replica].vendor != "postgresql":
        return False
    if not connections[replica].errors_occurred:
        return False  # the error came from another connection (the primary)
    failure = db_errors.classify(error)
    if not failure.answerable_elsewhere:
        return False
    if failure is Failure.SERVER_GONE:  # tell the breaker, so the next pages skip it
        standby.record_failure(replica, error)
    connections[replica].close_if_unusable_or_obsolete()
    if scope.writes.wrote or not may_run_again:
        return False
    logger.warning("Read scope on %r failed (%s); retrying on the primary.", replica, error)
    notice = WRITES if failure is Failure.WRITE_REFUSED else RETRIED
    scope.decision = ReadDecision(scope.alias, PRIMARY, notice)
    return True


def _context_with(scope: _Scope) -> contextvars.Context:
    """A copy of the current context in which ``scope`` is the read scope."""
    context = contextvars.copy_context()
    context.run(_current_scope.set, scope)
    return context


def _keep_in_scope(result: Any, scope: _Scope) -> Any:
    """Keep in ``scope`` the work that ``result`` does after the callable returned."""
    if inspect.iscoroutine(result):
        return _scoped_coroutine(result, scope)
    if isinstance(result, StreamingHttpResponse):
        # Sent after the view returned: a standby failure there cannot be retried (the
        # status line is out), but the breaker hears of it, so the next pages skip it.
        if result.is_async:
            result.streaming_content = _scoped_async_iterator(result.streaming_content, scope)
        else:
            result.streaming_content = _ContextBoundGenerator(
                _reporting_failures(result.streaming_content, scope), _context_with(scope)
            )
    elif isinstance(result, SimpleTemplateResponse) and not result.is_rendered:
        result.render()
    return result


def _reporting_failures(iterable: Any, scope: _Scope) -> Iterator[Any]:
    try:
        yield from iterable
    except OperationalError as error:
        replica = scope.decision.alias if scope.read_from_replica else None
        if replica and connections[replica].errors_occurred and db_errors.server_gone(error):
            standby.record_failure(replica, error)
        raise


async def _scoped_coroutine(coroutine: Any, scope: _Scope) -> Any:
    # Awaited by the caller's task, so the scope is that task's and ends with the await.
    with _entered(scope):
        return _keep_in_scope(await coroutine, scope)


async def _scoped_async_iterator(iterable: Any, scope: _Scope) -> AsyncIterator[Any]:
    # An async generator runs in its consumer's context, so the scope is entered around
    # each step only: between steps the consumer's own scope is back.
    iterator = aiter(iterable)
    while True:
        with _entered(scope):
            try:
                item = await anext(iterator)
            except StopAsyncIteration:
                return
        yield item


class _ContextBoundGenerator(Generator):
    """Run every resumption of ``generator`` inside ``context``.

    The generator keeps one context of its own for its whole life, as an asyncio task
    does, so a nested ``read_from`` that spans a ``yield`` inside it is kept as well.
    """

    def __init__(self, generator: Iterator[Any], context: contextvars.Context) -> None:
        self._generator = generator
        self._context = context

    def send(self, value: Any) -> Any:
        if value is None:
            return self._context.run(next, self._generator)
        return self._context.run(self._generator.send, value)  # type: ignore[attr-defined]

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
        throw = getattr(self._generator, "throw", None)
        if throw is None:
            return super().throw(typ, val, tb)
        if val is None and tb is None:
            return self._context.run(throw, typ)
        return self._context.run(throw, typ, val, tb)

    def close(self) -> None:
        close = getattr(self._generator, "close", None)
        if close is not None:
            self._context.run(close)


def note_statement(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
    """An execute wrapper of the primary's connection: a statement that is not a read
    marks the request (or, outside a request, the context) as having written.

    Marked before it runs: a write that fails may still have done something (a trigger,
    a sequence), and a reader or a retry must not assume it did nothing.
    """
    if not statements.only_reads(sql):
        writes = _current_writes.get()
        if writes is not None:
            writes.wrote = True
        read_your_writes.note_write()
    return execute(sql, params, many, context)


def watch_primary_statements(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: put ``note_statement`` on the primary's connection."""
    if connection.alias == PRIMARY and note_statement not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, note_statement)


class ScopedReadRouter:
    """Send reads to where the current ``read_from`` scope decided, writes to ``default``.

    Reads stay on the primary while a transaction is open there (inside
    ``transaction.atomic()`` a read must see the rows the transaction just wrote) and
    once the request or scope wrote anything. A locking read (``select_for_update``) is
    routed as a write by Django already.
    """

    def db_for_read(self, model: type, **hints: Any) -> str:
        scope = _current_scope.get()
        if scope is None or scope.alias == PRIMARY:
            return PRIMARY
        if scope.writes.wrote or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return scope.decide().alias

    def db_for_write(self, model: type, **hints: Any) -> str:
        # Asked is not written: the statement run on the primary marks the write
        # (note_statement), whatever issued it.
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        databases = {obj1._state.db, obj2._state.db}
        if len(databases) == 1 or databases <= {PRIMARY, *standby.all_members()}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db == PRIMARY:
            return None
        return False
