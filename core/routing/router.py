"""The database router named in ``DATABASE_ROUTERS``: reads where the scope decided.

Every rule of where a read goes is in ``core.routing.decision``; this only asks it.
"""

from __future__ import annotations

from typing import Any

from core.routing.decision import database_for_read
from core.routing.groups import PRIMARY, all_members
from core.routing.scope import current_scope

__all__ = ["ScopedReadRouter"]


class ScopedReadRouter:
    """Reads where the current ``read_from`` scope decided; writes on the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        return database_for_read(current_scope())

    def db_for_write(self, model: type, **hints: Any) -> str:
        # Asked is not written: the statement run on the primary marks the write
        # (core.routing.writes), whatever issued it. A locking read
        # (select_for_update) is routed here by Django, so it runs on the primary.
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        databases = {obj1._state.db, obj2._state.db}
        if len(databases) == 1 or databases <= {PRIMARY, *all_members()}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # Members get the primary's schema by replication.
        return None if db == PRIMARY else False
