"""The routing's three words: the *primary*, a *group* of standbys, and its *members*.

- the **primary** is the database alias every write goes to (``default``), and every
  read that no standby can serve;
- a **group** is what a view names: ``read_from("standby")``. ``settings.STANDBY_GROUPS``
  maps each group to its members; any other alias is a group of one (``read_from(
  "standby_2")`` reads that member alone);
- a **member** is one standby of a group: a database alias of its own (``standby``,
  ``standby_2``, ...), with its own connection, breaker and replication status.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections

__all__ = ["PRIMARY", "all_members", "describe_database", "members"]

PRIMARY = "default"
"""The alias every write goes to, and every read that cannot go to a member."""


def members(group: str) -> tuple[str, ...]:
    """The aliases of the members that ``read_from(group)`` may read, in their order."""
    return tuple(settings.STANDBY_GROUPS.get(group, (group,)))


def all_members() -> frozenset[str]:
    """Every member of every group: each holds the same data as the primary."""
    return frozenset(alias for group in settings.STANDBY_GROUPS for alias in members(group))


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
