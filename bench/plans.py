"""Query plans of the report queries, as PostgreSQL ran them on the standby."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def explain(cursor: Any, sql: str) -> str:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of ``sql``: the plan with real times and pages read."""
    cursor.execute(f"explain (analyze, buffers) {sql}")
    return "\n".join(row[0] for row in cursor.fetchall())


def save(path: Path, title: str, queries: list[tuple[str, float, str]]) -> None:
    """One page's queries, slowest first: the SQL, its raw time, and its plan."""
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = [f"# {title}\n"]
    for number, (sql, ms, plan) in enumerate(sorted(queries, key=lambda q: -q[1]), start=1):
        parts.append(f"## Query {number}: {ms:.2f} ms raw (median)\n\n{sql}\n\n{plan}\n")
    path.write_text("\n".join(parts))


SCAN = re.compile(
    r"((?:Parallel )?(?:Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)"
    r"(?: Backward)?(?: using \S+)? on \S+)"
)


def scans(plan: str) -> list[str]:
    """How each table was read, in plan order: "Index Only Scan using x on y", ..."""
    return list(dict.fromkeys(SCAN.findall(plan)))
