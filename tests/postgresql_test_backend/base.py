"""Django's PostgreSQL backend for the tests' primary: it empties tables by ``DELETE``.

After each test with ``transaction=True`` Django flushes every table. ``TRUNCATE``, its
way, gives each table and index a new file, which costs the site's few dozen tables a
third of a second a test, and the standbys as long again to replay; the rows a test
leaves are a handful, which ``DELETE`` removes in milliseconds. Django declares its
foreign keys ``DEFERRABLE INITIALLY DEFERRED`` on PostgreSQL and flushes in one
transaction, so the order of the deletes does not matter. Anything else (resetting
sequences) is Django's own flush.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: list[str], *, reset_sequences: bool = False, **kwargs: Any
    ) -> list[str]:
        if reset_sequences:
            return super().sql_flush(style, tables, reset_sequences=True, **kwargs)
        delete = f"{style.SQL_KEYWORD('DELETE')} {style.SQL_KEYWORD('FROM')}"
        return [f"{delete} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
