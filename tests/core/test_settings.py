"""Production settings: fail fast without secrets, and pass Django's deployment checks.

Each case runs ``manage.py`` in a fresh process, because settings are read once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
# The test run sets some of these (tests/settings.py); the child must not inherit them.
_SETTINGS_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "DJANGO_SETTINGS_MODULE",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in _SETTINGS_VARIABLES}
    clean["DJANGO_SETTINGS_MODULE"] = "core.settings"
    clean["VAR_DIR"] = str(BASE_DIR / "var")
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", ALLOWED_HOSTS="timecards.example.com")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "Set the ALLOWED_HOSTS environment variable" in result.stderr


def test_deploy_checks_are_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-long-random-production-secret-" + "k3y" * 12,
        ALLOWED_HOSTS="timecards.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_debug_gives_development_defaults():
    result = _manage(
        "shell", "-c", "from django.conf import settings; print(settings.ALLOWED_HOSTS)", DEBUG="1"
    )
    assert result.returncode == 0, result.stderr
    assert "127.0.0.1" in result.stdout
