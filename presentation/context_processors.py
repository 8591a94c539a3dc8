"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.db import router
from django.http import HttpRequest

from core.routing import read_decision
from core.routing.groups import PRIMARY, describe_database
from core.routing.status import standby_status


def read_database(request: HttpRequest) -> dict[str, Any]:
    """Name the database that reads go to where the page is rendered, and why.

    Rendering happens inside a report view's ``read_from`` scope, so report pages can
    say which member of the standby group served them and its replication state, or,
    when they read the primary instead, the notice that says why.
    """
    alias = router.db_for_read(None)
    context: dict[str, Any] = {"alias": alias, "label": describe_database(alias)}
    decision = read_decision()
    if decision is not None:
        context["notice"] = decision.notice
        context["group"] = decision.group
        # The member's state, when the page read it (after a write it reads the primary).
        if decision.database != PRIMARY and decision.database == alias:
            context["replication"] = standby_status(decision.database)  # cached: just chosen
    return {"read_database": context}
