"""Option lists kept between requests while their rows have not changed.

The person filters list everyone. Reading and labelling a thousand people for every
report page costs the page more than some of its own queries (BENCHMARKS.md, section
2), though the list changes a few times a year. So such a list is kept, per process,
keyed by the query that reads it and the database it reads (a standby inside a report's
scope), and reused while

- its **version** is the one it was read at: the count and the highest id of the rows
  the query selects (one aggregate query), so a person added, removed, deactivated or
  reactivated shows at once;
- it is younger than ``MAX_AGE_SECONDS``, and than ``STANDBY_MAX_LAG_SECONDS``: a rename
  changes neither count nor id, so a new name shows within that time, as a standby that
  far behind would show it;
- the caller has not written lately (``core.routing.read_your_writes``): whoever just
  renamed someone reads the list afresh, and sees the new name.

At most ``MAX_LISTS`` lists are kept, the least recently used dropped first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Count, Max, QuerySet

from core.routing import read_your_writes

__all__ = ["MAX_AGE_SECONDS", "MAX_LISTS", "choices", "forget"]

MAX_AGE_SECONDS = 60.0
MAX_LISTS = 256

Choices = list[tuple[Any, str]]

_lists: OrderedDict[tuple, tuple[tuple, float, Choices]] = OrderedDict()
_lock = threading.Lock()


def choices(queryset: QuerySet, fields: tuple[str, ...], label: Callable[..., str]) -> Choices:
    """``(key, label)`` of each row of ``queryset``: its ``fields`` read as values, the
    first the key, the others made into the label by ``label``; kept while its table
    is unchanged (the module says how)."""
    alias = queryset.db
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    key = (alias, connections[alias].settings_dict["NAME"], sql, params)
    version = _version(queryset)
    now = time.monotonic()
    pinned, position = read_your_writes.current_requirement()
    max_age = min(MAX_AGE_SECONDS, settings.STANDBY_MAX_LAG_SECONDS)
    with _lock:
        kept = _lists.get(key)
        fresh = kept is not None and kept[0] == version and now - kept[1] < max_age
        if fresh and not pinned and position is None:
            _lists.move_to_end(key)
            return kept[2]
    made = [(value, label(*rest)) for value, *rest in queryset.values_list(*fields)]
    with _lock:
        _lists[key] = (version, now, made)
        _lists.move_to_end(key)
        while len(_lists) > MAX_LISTS:
            _lists.popitem(last=False)
    return made


def _version(queryset: QuerySet) -> tuple:
    """The count and highest id of the rows ``queryset`` selects."""
    found = queryset.order_by().aggregate(rows=Count("pk"), newest=Max("pk"))
    return (found["rows"], found["newest"])


def forget() -> None:
    """Drop every kept list (tests)."""
    with _lock:
        _lists.clear()
