"""The read scope: which group the current code reads, kept in a ``ContextVar``.

Why a ``ContextVar`` and not a thread-local: a gthread gunicorn worker serves requests
on several threads, and an async view shares one thread between many asyncio tasks. A
``ContextVar`` is isolated per thread *and* per task (asgiref's ``sync_to_async`` copies
it into the worker thread), so one request's scope never leaks into another's. Leaving
a scope resets the variable with the token of the matching ``set``, which restores the
*outer* scope, not ``None``: scopes nest, also when an exception passes through.

**Threads.** ``sync_to_async`` and ``asyncio.to_thread`` carry the scope into their
threads, but a ``threading.Thread``, a ``ThreadPoolExecutor`` or ``loop.run_in_executor``
starts with an empty context, without a scope, and reads the primary. To run such work
in the scope, submit it through :func:`in_scope`::

    with read_from("standby"):
        future = executor.submit(in_scope(build_summary), month)

A scope is one object shared by every thread it is carried into, so they all read the
one member it chose (``core.routing.decision.decision_of``, under the scope's lock).
"""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from core.routing import read_your_writes

if TYPE_CHECKING:
    from core.routing.decision import ReadDecision

__all__ = [
    "Scope",
    "WriteTracker",
    "current_scope",
    "current_writes",
    "in_scope",
    "requested_group",
    "scope_for",
    "track_writes",
]

T = TypeVar("T")


@dataclass
class WriteTracker:
    """Whether one request (or, outside a request, one outermost scope) wrote."""

    wrote: bool = False


@dataclass
class Scope:
    """One ``read_from`` call or block: the group it names and, once decided, where its
    reads go."""

    group: str
    writes: WriteTracker
    decision: ReadDecision | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)


_current_scope: contextvars.ContextVar[Scope | None] = contextvars.ContextVar(
    "read_scope", default=None
)
_current_writes: contextvars.ContextVar[WriteTracker | None] = contextvars.ContextVar(
    "write_tracker", default=None
)


def current_scope() -> Scope | None:
    """The innermost scope of the current context, or ``None``."""
    return _current_scope.get()


def current_writes() -> WriteTracker | None:
    """The write tracker of the current request or outermost scope, or ``None``."""
    return _current_writes.get()


def requested_group() -> str | None:
    """The group the innermost ``read_from`` scope names, or ``None`` outside one.

    Where its reads really go (a member, or the primary) is
    ``core.routing.decision.read_decision()``.
    """
    scope = _current_scope.get()
    return None if scope is None else scope.group


def in_scope(func: Callable[..., T]) -> Callable[..., T]:
    """``func``, to be run in another thread inside the caller's read scope.

    The callable returned here runs ``func`` in a copy of the caller's context as it is
    now (the scope, and the request's writes), a fresh copy for each call, so it may be
    submitted many times and run in several threads at once. It queries nothing itself,
    so it is safe on an event loop: the first thread to read decides for the scope, and
    the others read where it decided.
    """
    context = contextvars.copy_context()

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> T:
        return context.copy().run(func, *args, **kwargs)

    return run


@contextmanager
def track_writes() -> Iterator[WriteTracker]:
    """Track the writes of one request: once it wrote, its reads stay on the primary."""
    tracker = WriteTracker()
    token = _current_writes.set(tracker)
    try:
        yield tracker
    finally:
        _current_writes.reset(token)


@contextmanager
def entered(scope: Scope) -> Iterator[Scope]:
    """Make ``scope`` the current one for the block, restoring the outer one after."""
    token = _current_scope.set(scope)
    try:
        yield scope
    finally:
        _current_scope.reset(token)


@contextmanager
def scope_for(group: str) -> Iterator[Scope]:
    """A new scope naming ``group``, current for the block.

    Outside a request the outermost scope tracks its own writes, and makes the context's
    read-your-writes record before its work may run in a copy of the context (a
    generator, a streamed body): a write there marks the same record.
    """
    writes = _current_writes.get()
    writes_token = None
    if writes is None:
        writes = WriteTracker()
        writes_token = _current_writes.set(writes)
        read_your_writes.ensure()
    try:
        with entered(Scope(group, writes)) as scope:
            yield scope
    finally:
        if writes_token is not None:
            _current_writes.reset(writes_token)


def context_with(scope: Scope) -> contextvars.Context:
    """A copy of the current context in which ``scope`` is the read scope."""
    context = contextvars.copy_context()
    context.run(_current_scope.set, scope)
    return context
