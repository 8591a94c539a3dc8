"""``read_from(group)``: one decorator, or block, that sends a view's reads to a group.

What it takes, and what it does with each:

- a **function or view**: each call runs in a new scope; a view answering GET whose
  member fails under it is called once more on the primary (``core.routing.retry``);
- an **``async def`` view**: the same, the scope's decision taken in a worker thread
  before the body runs, so nothing queries the members on the event loop;
- a **class-based view**: its ``dispatch``, as a function (as an ``async def`` view when
  its handlers are ``async def``);
- a **``with`` block** (its reads decide on the first one) and an **``async with``
  block** (decided in a worker thread on entry, like an async view).

Generator functions are refused: their body runs after the call returned, outside any
scope the decorator could open. Return a ``StreamingHttpResponse`` from a decorated
view instead (its body is kept in the scope: ``core.routing.carry``), or open a
``with read_from(...)`` block inside the generator.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import DatabaseError

from core.routing.carry import akeep_in_scope, keep_in_scope
from core.routing.decision import where_reads_go
from core.routing.retry import may_run_again, move_to_primary
from core.routing.scope import Scope, scope_for

__all__ = ["read_from"]

F = TypeVar("F", bound=Callable[..., Any])

_open_blocks: contextvars.ContextVar[tuple[tuple[Any, Scope], ...]] = contextvars.ContextVar(
    "open_read_from_blocks", default=()
)
"""The scopes opened by ``with read_from(...)`` blocks of this context, innermost last
(one ``read_from`` object may serve many threads and tasks, so they are not kept on it)."""


class read_from:
    """Route the reads of a view, a function or a block of code to ``group``.

    ``group``: a group of standbys (``settings.STANDBY_GROUPS``, e.g. ``"standby"``), one
    member's alias, or ``"default"`` (the primary). Each decorated call and each block
    opens its own scope, kept in the caller's context.

    ``retry``: whether a decorated callable whose member fails under it may be called
    once more on the primary. By default only a view answering a safe method (GET, HEAD,
    OPTIONS) is; ``retry=True`` declares that a function may be run again,
    ``retry=False`` that a view may not. A callable that wrote on the primary is never
    run again, whatever it declares.
    """

    def __init__(self, group: str, *, retry: bool | None = None) -> None:
        if not isinstance(group, str) or not group:
            raise TypeError(f"read_from() takes the name of a group of standbys, not {group!r}")
        self.group = group
        self.retry = retry

    def __repr__(self) -> str:
        return f"read_from({self.group!r})"

    # -- blocks -------------------------------------------------------------------------

    def __enter__(self) -> read_from:
        manager = scope_for(self.group)
        scope = manager.__enter__()
        _open_blocks.set((*_open_blocks.get(), (manager, scope)))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        # Blocks close in reverse order, so the innermost open block is this one.
        *outer, (manager, _scope) = _open_blocks.get()
        _open_blocks.set(tuple(outer))
        manager.__exit__(*exc_info)

    async def __aenter__(self) -> read_from:
        self.__enter__()
        _manager, scope = _open_blocks.get()[-1]
        try:
            await sync_to_async(where_reads_go)(scope)
        except BaseException as error:
            self.__exit__(type(error), error, error.__traceback__)
            raise
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self.__exit__(*exc_info)

    # -- decorator ----------------------------------------------------------------------

    def __call__(self, func: F) -> F:
        if isinstance(func, type):
            return self._decorate_class(func)
        if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
            raise TypeError(
                f"read_from({self.group!r}) cannot decorate the generator function"
                f" {func.__qualname__}: its body runs after the call returns, outside the"
                " scope. Open `with read_from(...)` inside it, or return a"
                " StreamingHttpResponse from a decorated view."
            )
        if inspect.iscoroutinefunction(func):
            return self._decorate_coroutine_function(func)
        if callable(func):
            return self._decorate_function(func)
        raise TypeError(f"read_from({self.group!r}) cannot decorate {func!r}")

    def _decorate_function(self, func: F) -> F:
        group, retry = self.group, self.retry

        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            with scope_for(group) as scope:
                try:
                    return keep_in_scope(func(*args, **kwargs), scope)
                except DatabaseError as error:
                    if not move_to_primary(scope, error, may_run_again(retry, args)):
                        raise
                return keep_in_scope(func(*args, **kwargs), scope)

        return inner  # type: ignore[return-value]

    def _decorate_coroutine_function(self, func: F) -> F:
        group, retry = self.group, self.retry

        @functools.wraps(func)
        async def inner(*args: Any, **kwargs: Any) -> Any:
            with scope_for(group) as scope:
                # In the request's database thread: the members' status may be queried.
                await sync_to_async(where_reads_go)(scope)
                try:
                    return await akeep_in_scope(await func(*args, **kwargs), scope)
                except DatabaseError as error:
                    # The connections that failed belong to that thread too.
                    moved = await sync_to_async(move_to_primary)(
                        scope, error, may_run_again(retry, args)
                    )
                    if not moved:
                        raise
                return await akeep_in_scope(await func(*args, **kwargs), scope)

        return inner  # type: ignore[return-value]

    def _decorate_class(self, cls: type) -> type:
        dispatch = getattr(cls, "dispatch", None)
        if dispatch is None:
            raise TypeError(
                f"read_from({self.group!r}) decorates class-based views (with a dispatch()"
                f" method); {cls.__qualname__} has none"
            )
        if getattr(cls, "view_is_async", False):  # its handlers are async def

            async def async_dispatch(view: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
                return await dispatch(view, request, *args, **kwargs)

            cls.dispatch = self._decorate_coroutine_function(async_dispatch)
        else:
            cls.dispatch = self._decorate_function(dispatch)
        return cls
