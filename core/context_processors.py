"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.db import connections, router
from django.http import HttpRequest

from core.replication import standby_status
from core.routing import current_read_decision
from core.standby import PRIMARY


def read_database(request: HttpRequest) -> dict[str, Any]:
    """Name the database that reads go to where the page is rendered, and why.

    Rendering happens inside a report view's ``read_from`` scope, so report pages can
    say which member of the standby group served them and its replication state, or,
    when they read the primary instead, the notice that says why.
    """
    alias = router.db_for_read(None)
    context: dict[str, Any] = {"alias": alias, "label": describe_database(alias)}
    decision = current_read_decision()
    if decision is not None:
        context["notice"] = decision.notice
        context["requested"] = decision.requested
        # The member's state, when the page read it (after a write it reads the primary).
        if decision.alias != PRIMARY and decision.alias == alias:
            context["replication"] = standby_status(decision.alias)  # cached: just chosen
    return {"read_database": context}


def describe_database(alias: str) -> str:
    """A short human description of a database alias: engine and where it lives."""
    settings_dict = connections.settings[alias]
    vendor = connections[alias].display_name
    if settings_dict["ENGINE"].endswith(("sqlite3", "sqlite_standby")):
        mode = "read-only" if settings_dict["ENGINE"].endswith("sqlite_standby") else "read-write"
        return f"{vendor}, {mode}"
    host = settings_dict.get("HOST") or "local socket"
    port = settings_dict.get("PORT")
    return f"{vendor} at {host}:{port}" if port else f"{vendor} at {host}"
