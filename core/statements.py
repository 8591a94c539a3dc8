"""Which SQL statements only read: the router counts every other one as a write.

A write is known by the statement run on the primary, not by the router being asked
where one would go: Django asks ``db_for_write`` for things that write nothing (an
unsaved instance given a related object), and a write through ``connection.cursor()``
or ``raw()`` never asks at all. ``core.routing`` looks at each statement the primary
runs (``note_statement``) and marks the request or scope as having written when it is
not a read: its later reads go to the primary, and a standby failure is not retried.

Reads are the statements that start with a reading keyword. A ``WITH`` that holds an
``INSERT``, ``UPDATE``, ``DELETE`` or ``MERGE``, and an ``EXPLAIN`` of one (``ANALYZE``
runs it), count as writes. A ``SELECT`` of a function that changes something
(``nextval``, ``set_config``) counts as a read: nothing a reader must see later.
"""

from __future__ import annotations

import re

__all__ = ["only_reads"]

_READING = re.compile(
    r"\s*\(*\s*(?:SELECT|SHOW|SET|RESET|BEGIN|START|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE"
    r"|DECLARE|FETCH|CLOSE|MOVE|VALUES|TABLE|PRAGMA|WITH|EXPLAIN)\b",
    re.IGNORECASE,
)
_MAY_HOLD_A_WRITE = re.compile(r"\s*(?:WITH|EXPLAIN)\b", re.IGNORECASE)
_MODIFYING = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


def only_reads(sql: str) -> bool:
    """Does ``sql`` only read? (``False`` for anything not known to be a read.)"""
    if not _READING.match(sql):
        return False
    return not (_MAY_HOLD_A_WRITE.match(sql) and _MODIFYING.search(sql))
