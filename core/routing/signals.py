"""What the routing tells anyone listening: Django signals, one per thing an operator
counts.

The routing keeps no counters itself. Metrics (``metrics``, Prometheus), logs or a test
connect receivers to these signals; with none connected a send costs a dictionary
lookup. Each is sent with ``sender`` set to the module that decided, and the keywords
listed::

    from core.routing import signals

    def count(sender, decision, **kwargs):
        print(decision.group, decision.database, decision.reason)

    signals.read_scope_decided.connect(count)

Receivers run on the thread of the request, so they must be quick and must not query a
database. Sent with ``send_robust``: a receiver that raises is logged by Django and never
breaks a page.
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = [
    "breaker_changed",
    "read_scope_decided",
    "retry_considered",
    "rows_exported",
    "write_detected",
]

read_scope_decided = Signal()
"""A scope decided where its reads go (``decision``: a ``ReadDecision``), once per
scope on its first read, and once more (reason ``retried``) when a failure moved it to
the primary. A scope refused with a 503 page (``STANDBY_DOWN_POLICY = "503"``) sends a
decision whose database is ``decision.NO_DATABASE`` ("none"). A scope that wrote, or
opened a transaction, before its first read never decides: it reads the primary."""

breaker_changed = Signal()
"""A member's circuit breaker opened or closed (``member``, ``is_open``, ``error``:
why it opened, "" when it closed)."""

write_detected = Signal()
"""The primary is about to run a statement that is not a read (``sql``)."""

retry_considered = Signal()
"""A scope's member failed under it (``member``, ``outcome``: one of
``core.routing.retry.Outcome``)."""

rows_exported = Signal()
"""A CSV export finished streaming (``rows``: how many data rows, header excluded;
``database``: the alias it read)."""
