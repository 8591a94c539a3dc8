"""The apps build in one direction: ``core`` < ``accounts`` < ``timetrack`` < ``reports``.

``core`` (the routing, the number formats) imports none of the apps: they all use it;
it names them only as strings (``INSTALLED_APPS``, the URL includes). ``accounts``
depends on no other app of the site: ``timetrack`` and ``reports`` use it.

The imports are read from the source (``ast``), lazy ones inside functions included, so
a cycle cannot creep in through an import that only runs later; and neither its code nor
its templates name another app's URLs or templates, a dependency no import shows.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

import accounts
import core

CORE = Path(core.__file__).parent
ACCOUNTS = Path(accounts.__file__).parent
ACCOUNTS_TEMPLATES = Path(settings.BASE_DIR) / "templates" / "accounts"
APPS_ABOVE = ("timetrack", "reports")
NAMES_OF_APPS_ABOVE = re.compile(r"""["'](timetrack|reports)[:/]""")
"""A URL name ("timetrack:profile") or a template ("reports/_layout.html") of theirs."""


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


@pytest.mark.parametrize(
    "source",
    [*sorted(ACCOUNTS.rglob("*.py")), *sorted(ACCOUNTS_TEMPLATES.rglob("*.html"))],
    ids=lambda path: path.name,
)
def test_accounts_names_no_url_or_template_of_timetrack_or_reports(source):
    assert NAMES_OF_APPS_ABOVE.findall(source.read_text()) == []


def test_the_check_sees_a_url_name_and_a_template():
    text = """{% url 'timetrack:profile' %} {% include "reports/_table.html" %}"""

    assert NAMES_OF_APPS_ABOVE.findall(text) == ["timetrack", "reports"]


@pytest.mark.parametrize(
    "source", sorted(CORE.rglob("*.py")), ids=lambda path: str(path.relative_to(CORE))
)
def test_core_imports_no_app(source):
    apps = {
        name for name in imported_modules(source) if name.split(".")[0] in ("accounts", *APPS_ABOVE)
    }

    assert apps == set()
