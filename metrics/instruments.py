"""The metrics, named as operators of GitLab's database load balancing and of
django-prometheus look for them (``db_``, a unit suffix, ``_total`` on counters).

prometheus_client adds ``_total`` to a counter's name when it writes it:
``db_read_scopes`` is scraped as ``db_read_scopes_total``. None of them is registered
in prometheus_client's global registry: a scrape gathers them (``metrics.registry``),
so that a process under gunicorn reports the files of every worker instead of its own.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, disable_created_metrics

__all__ = [
    "BREAKER_OPEN",
    "BREAKER_TRANSITIONS",
    "EXPORT_ROWS",
    "INSTRUMENTS",
    "READ_SCOPES",
    "RETRIES",
    "WRITES_DETECTED",
]

READ_SCOPES = Counter(
    "db_read_scopes",
    "Read-scope decisions (a report page's, a block's, on its first read) by the group"
    " named, the database that served the reads (none: a 503 page) and why: member, lag,"
    " pinned, unreachable, no_member, or retried (a scope moved to the primary after its"
    " member failed: its second decision).",
    ["group", "served_by", "reason"],
    registry=None,
)
BREAKER_TRANSITIONS = Counter(
    "db_standby_breaker_transitions",
    "Circuit breaker changes of a member, to open (it failed) or closed (it answered).",
    ["member", "to"],
    registry=None,
)
BREAKER_OPEN = Gauge(
    "db_standby_breaker_open",
    "1 while a member's breaker is open in any live worker: reads leave it alone.",
    ["member"],
    registry=None,
    multiprocess_mode="livemax",
)
WRITES_DETECTED = Counter(
    "db_writes_detected",
    "Statements the primary ran that were not reads: each sends its request's later reads"
    " to the primary, and its browser to members that have replayed it.",
    registry=None,
)
RETRIES = Counter(
    "db_retries",
    "Scopes whose member failed under them, by outcome: on_primary (run again there),"
    " wrote, not_safe, not_retryable, disabled (not run again, and why).",
    ["outcome"],
    registry=None,
)
EXPORT_ROWS = Counter(
    "db_export_rows",
    "Rows streamed by the CSV exports, header excluded.",
    registry=None,
)

disable_created_metrics()  # no *_created series: multiprocess mode has none either

INSTRUMENTS = (
    READ_SCOPES,
    BREAKER_TRANSITIONS,
    BREAKER_OPEN,
    WRITES_DETECTED,
    RETRIES,
    EXPORT_ROWS,
)
"""Everything this process counts, for a scrape of this process alone."""
