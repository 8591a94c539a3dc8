"""A SQLite backend that opens its file read-only (``file:...?mode=ro``).

The embedded default has no replica, so ``standby`` opens the primary's own file
read-only: routing mistakes still fail loudly ("attempt to write a readonly database"),
as a write on a real hot standby does. Read-only is applied to whatever NAME Django
gives the alias, so it survives the test runner copying the test database's NAME onto
the mirror.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        params["database"] = read_only_uri(params["database"])
        params["uri"] = True
        return params


def read_only_uri(name: str | Path) -> str:
    """Turn a SQLite file name (or ``file:`` URI) into a read-only URI."""
    name = str(name)
    if name.startswith("file:"):
        separator = "&" if "?" in name else "?"
        return f"{name}{separator}mode=ro"
    return f"file:{quote(str(Path(name).resolve()))}?mode=ro"
