"""One log line when a group's scopes find no member to read, not one per page.

While every standby of a group is down or lagging, each report page falls back to the
primary (or answers 503): logging each would write a line per page for as long as the
outage lasts. Instead the first such scope of a group logs at once, and later ones at
most once per ``STANDBY_COOL_DOWN_SECONDS``, each line saying how many scopes it stands
for. The breaker's own lines (``core.routing.breaker``) say which member went and came
back; this one says what the readers got.

Every line carries ``extra`` fields (``event``, ``group``, ``reason``, ``scopes``) that
the JSON log format (``LOG_FORMAT=json``) writes as keys of their own.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

__all__ = ["forget", "note_no_member"]

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_last_logged: dict[str, float] = {}
_unlogged: dict[str, int] = {}


def note_no_member(group: str, reason: str, fallback: str) -> None:
    """A scope of ``group`` found no member that qualifies (``reason``: a ``Reason``)
    and reads ``fallback`` instead: the primary, a lagging member with a stale-data
    notice, or "503" when it answers an error page."""
    now = time.monotonic()
    with _lock:
        scopes = _unlogged.get(group, 0) + 1
        last = _last_logged.get(group)
        if last is not None and now - last < settings.STANDBY_COOL_DOWN_SECONDS:
            _unlogged[group] = scopes
            return
        _last_logged[group], _unlogged[group] = now, 0
    logger.warning(
        "%d read scope(s) of %r found no member that qualifies since the last such line"
        " (%s): they read %s.",
        scopes,
        group,
        reason,
        "nothing (503)" if fallback == "503" else repr(fallback),
        extra={
            "event": "read_scope_without_member",
            "group": group,
            "reason": reason,
            "scopes": scopes,
            "served_by": fallback,
        },
    )


def forget() -> None:
    """Start over: the next scope without a member logs at once (tests)."""
    with _lock:
        _last_logged.clear()
        _unlogged.clear()
