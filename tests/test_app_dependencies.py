"""``accounts`` depends on no other app of the site: ``timetrack`` and ``reports`` use it.

The imports are read from the source (``ast``), lazy ones inside functions included, so
a cycle cannot creep in through an import that only runs later.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import accounts

ACCOUNTS = Path(accounts.__file__).parent
APPS_ABOVE = ("timetrack", "reports")


def imported_modules(source: Path) -> set[str]:
    """The names of every module that ``source`` imports, at any depth of its code."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_check_sees_lazy_imports(tmp_path):
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from timetrack.models import Timecard\n    import reports\n")

    assert imported_modules(source) == {"timetrack.models", "reports"}


@pytest.mark.parametrize(
    "source", sorted(ACCOUNTS.rglob("*.py")), ids=lambda path: str(path.relative_to(ACCOUNTS))
)
def test_accounts_imports_neither_timetrack_nor_reports(source):
    above = {name for name in imported_modules(source) if name.split(".")[0] in APPS_ABOVE}

    assert above == set()
