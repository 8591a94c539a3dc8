"""Carrying a scope past the return: work a decorated callable leaves to run later.

A view returns before all of its reading is done:

- a ``StreamingHttpResponse`` body is consumed by the server after the view returned;
  each resumption of it runs in the view's scope (and a member that fails under it is
  reported to its breaker: its 200 status line is out, so it cannot be retried);
- a ``TemplateResponse`` is rendered here, inside the scope, before it leaves (so
  template-response middleware sees it rendered); an async view's in a worker thread
  (:func:`akeep_in_scope`), since rendering may query;
- a coroutine (what the ``dispatch`` of a class-based view returns, when it is not
  decorated as an async view) is awaited inside the scope.

A lazy queryset returned from a ``with`` block is not carried: it runs where it is
evaluated, outside the scope, like any other query there. Selectors return evaluated
data for that reason.
"""

from __future__ import annotations

import contextvars
import inspect
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django.db import OperationalError, connections
from django.http import StreamingHttpResponse
from django.template.response import SimpleTemplateResponse

from core.routing import breaker, db_errors
from core.routing.groups import PRIMARY
from core.routing.scope import Scope, context_with, entered

__all__ = ["ContextBoundGenerator", "akeep_in_scope", "keep_in_scope"]


def keep_in_scope(result: Any, scope: Scope) -> Any:
    """Keep in ``scope`` the work that ``result`` does after the callable returned."""
    if inspect.iscoroutine(result):
        return _scoped_coroutine(result, scope)
    if isinstance(result, StreamingHttpResponse):
        if result.is_async:
            result.streaming_content = _scoped_async_iterator(result.streaming_content, scope)
        else:
            result.streaming_content = ContextBoundGenerator(
                _reporting_failures(result.streaming_content, scope), context_with(scope)
            )
    elif isinstance(result, SimpleTemplateResponse) and not result.is_rendered:
        result.render()
    return result


async def akeep_in_scope(result: Any, scope: Scope) -> Any:
    """:func:`keep_in_scope` for an async view's result, called in the view's scope: a
    template is rendered in a worker thread (the scope goes with it), not on the loop."""
    if isinstance(result, SimpleTemplateResponse) and not result.is_rendered:
        await sync_to_async(result.render)()
    return keep_in_scope(result, scope)


def _reporting_failures(iterable: Any, scope: Scope) -> Iterator[Any]:
    try:
        yield from iterable
    except OperationalError as error:
        _report_member_failure(scope, error)
        raise


def _report_member_failure(scope: Scope, error: OperationalError) -> None:
    """A streamed body lost its member: its 200 is out, so it cannot be retried, but the
    breaker hears of it, so the next pages skip the member."""
    member = scope.decision.database if scope.decision else PRIMARY
    if member != PRIMARY and connections[member].errors_occurred:
        if db_errors.server_gone(error):
            breaker.record_failure(member, error)


async def _scoped_coroutine(coroutine: Any, scope: Scope) -> Any:
    # Awaited by the caller's task, so the scope is that task's and ends with the await.
    with entered(scope):
        return keep_in_scope(await coroutine, scope)


async def _scoped_async_iterator(iterable: Any, scope: Scope) -> AsyncIterator[Any]:
    # An async iterator runs in its consumer's context, so the scope is entered around
    # each step only: between steps the consumer's own scope is back.
    iterator = aiter(iterable)
    while True:
        with entered(scope):
            try:
                item = await anext(iterator)
            except StopAsyncIteration:
                return
            except OperationalError as error:
                # The member's connection is the one of the thread its queries ran in.
                await sync_to_async(_report_member_failure)(scope, error)
                raise
        yield item


class ContextBoundGenerator(Generator):
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
