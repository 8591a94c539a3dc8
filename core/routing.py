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
        totals = selectors.invoice_totals()

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

A lazy queryset built inside a ``with`` block and evaluated after it runs outside the
scope, like any other query there. Selectors therefore return evaluated data.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connections
from django.http import StreamingHttpResponse
from django.template.response import SimpleTemplateResponse

__all__ = ["ReadFromMixin", "ScopedReadRouter", "current_read_alias", "read_from"]

PRIMARY = "default"
"""The alias every write goes to."""

_read_alias: contextvars.ContextVar[str | None] = contextvars.ContextVar("read_alias", default=None)

F = TypeVar("F", bound=Callable[..., Any])


def current_read_alias() -> str | None:
    """Return the alias named by the innermost ``read_from`` scope, or ``None``."""
    return _read_alias.get()


@contextmanager
def _scope(alias: str) -> Iterator[None]:
    token = _read_alias.set(alias)
    try:
        yield
    finally:
        _read_alias.reset(token)


class read_from:
    """Route the reads of a view, a function or a block of code to ``alias``.

    A decorator for functions, ``async def`` functions, generator functions and
    class-based views, and a context manager. Each decorated call opens its own scope,
    so one decorated function may run on many threads at once. An instance used in
    ``with`` statements keeps the tokens of its open scopes, so it nests in one thread
    but must not be shared by ``with`` blocks of several threads.
    """

    def __init__(self, alias: str) -> None:
        if not isinstance(alias, str) or not alias:
            raise TypeError(f"read_from() takes a database alias, not {alias!r}")
        self.alias = alias
        self._tokens: list[contextvars.Token[str | None]] = []

    def __repr__(self) -> str:
        return f"read_from({self.alias!r})"

    # -- context manager -------------------------------------------------------------

    def __enter__(self) -> read_from:
        self._tokens.append(_read_alias.set(self.alias))
        return self

    def __exit__(self, *exc_info: object) -> None:
        _read_alias.reset(self._tokens.pop())

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
        alias = self.alias

        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            with _scope(alias):
                return _keep_in_scope(func(*args, **kwargs), alias)

        return inner  # type: ignore[return-value]

    def _decorate_coroutine_function(self, func: F) -> F:
        alias = self.alias

        @functools.wraps(func)
        async def inner(*args: Any, **kwargs: Any) -> Any:
            with _scope(alias):
                return _keep_in_scope(await func(*args, **kwargs), alias)

        return inner  # type: ignore[return-value]

    def _decorate_generator_function(self, func: F) -> F:
        alias = self.alias

        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            return _ContextBoundGenerator(func(*args, **kwargs), _context_with(alias))

        return inner  # type: ignore[return-value]

    def _decorate_async_generator_function(self, func: F) -> F:
        alias = self.alias

        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            return _scoped_async_iterator(func(*args, **kwargs), alias)

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
        with _scope(self.read_alias):
            response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            return _keep_in_scope(response, self.read_alias)


def _context_with(alias: str) -> contextvars.Context:
    """A copy of the current context in which ``alias`` is the read scope."""
    context = contextvars.copy_context()
    context.run(_read_alias.set, alias)
    return context


def _keep_in_scope(result: Any, alias: str) -> Any:
    """Keep in the scope the work that ``result`` does after the callable returned."""
    if inspect.iscoroutine(result):
        return _scoped_coroutine(result, alias)
    if isinstance(result, StreamingHttpResponse):
        if result.is_async:
            result.streaming_content = _scoped_async_iterator(result.streaming_content, alias)
        else:
            result.streaming_content = _ContextBoundGenerator(
                iter(result.streaming_content), _context_with(alias)
            )
    elif isinstance(result, SimpleTemplateResponse) and not result.is_rendered:
        result.render()
    return result


async def _scoped_coroutine(coroutine: Any, alias: str) -> Any:
    # Awaited by the caller's task, so the scope is that task's and ends with the await.
    with _scope(alias):
        return _keep_in_scope(await coroutine, alias)


async def _scoped_async_iterator(iterable: Any, alias: str) -> AsyncIterator[Any]:
    # An async generator runs in its consumer's context, so the scope is opened around
    # each step only: between steps the consumer's own scope is back.
    iterator = aiter(iterable)
    while True:
        with _scope(alias):
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


class ScopedReadRouter:
    """Send reads to the alias of the current ``read_from`` scope, writes to ``default``.

    Reads stay on the primary while a transaction is open there: inside
    ``transaction.atomic()`` a read must see the rows the transaction just wrote, and a
    locking read (``select_for_update``) is routed as a write by Django already.
    """

    same_data_aliases = frozenset({PRIMARY, "standby"})

    def db_for_read(self, model: type, **hints: Any) -> str:
        alias = _read_alias.get()
        if alias is None or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return alias

    def db_for_write(self, model: type, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= self.same_data_aliases:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db == PRIMARY:
            return None
        return False
