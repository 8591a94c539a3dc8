"""Production settings: fail fast without secrets, and pass Django's deployment checks.

Each case reads the settings in a fresh process, because settings are read once: most
only load them (``_settings``, a tenth of a second), the few that need Django set up
run ``manage.py`` (a second and a half).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # each case starts a new process
# The test run sets some of these (tests/settings.py); the child must not inherit them.
_SETTINGS_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "STANDBY_DATABASE_URL",
    "STANDBY_DATABASE_URLS",
    "STANDBY_HOSTS",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _run(["manage.py", *args], env)


def _settings(code: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """Load the settings with ``env`` (a refusal is raised as they load), then run ``code``."""
    return _run(["-c", f"from django.conf import settings; settings.DEBUG; {code}"], env)


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in _SETTINGS_VARIABLES}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    clean["VAR_DIR"] = str(BASE_DIR / "var")
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _settings(ALLOWED_HOSTS="timecards.example.com")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _settings(SECRET_KEY="x" * 60)
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
    result = _print("print(settings.ALLOWED_HOSTS)")
    assert result.returncode == 0, result.stderr
    assert "127.0.0.1" in result.stdout


PRINT_STANDBYS = (
    "from django.conf import settings; from django.db import connections; "
    "print(settings.STANDBY_GROUPS); "
    "print([(alias, db['PORT'], db['TEST']['MIRROR']) for alias, db in "
    "connections.settings.items() if alias != 'default'])"
)
"""The groups, and each standby's port and test mirror as Django fills them in."""
PG = "postgres://u@127.0.0.1:{}/timetrack"


def _print(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with development settings and ``env`` loaded."""
    return _settings(code, DEBUG="1", **env)


def test_standby_database_urls_make_a_group_of_members_in_their_order():
    result = _print(
        PRINT_STANDBYS,
        DATABASE_URL=PG.format(5432),
        STANDBY_DATABASE_URLS=",".join(PG.format(port) for port in (5433, 5434, 5435)),
    )
    assert result.returncode == 0, result.stderr
    group, members = result.stdout.splitlines()
    assert group == "{'standby': ['standby', 'standby_2', 'standby_3']}"
    assert members == (
        "[('standby', 5433, 'default'), ('standby_2', 5434, 'default'),"
        " ('standby_3', 5435, 'default')]"
    )


def test_one_standby_database_url_is_a_group_of_one_and_sqlite_is_too():
    one = _print(
        PRINT_STANDBYS,
        DATABASE_URL=PG.format(5432),
        STANDBY_DATABASE_URL=PG.format(5433),
    )
    assert one.returncode == 0, one.stderr
    assert one.stdout.splitlines() == ["{'standby': ['standby']}", "[('standby', 5433, 'default')]"]
    embedded = _print(PRINT_STANDBYS)
    assert embedded.returncode == 0, embedded.stderr
    assert embedded.stdout.splitlines()[0] == "{'standby': ['standby']}"


def test_both_standby_variables_at_once_stop_the_start():
    result = _settings(
        DEBUG="1",
        DATABASE_URL=PG.format(5432),
        STANDBY_DATABASE_URL=PG.format(5433),
        STANDBY_DATABASE_URLS=PG.format(5434),
    )
    assert result.returncode != 0
    assert (
        "Set one of STANDBY_DATABASE_URLS, STANDBY_DATABASE_URL, STANDBY_HOSTS to name the"
        " standbys, not STANDBY_DATABASE_URLS and STANDBY_DATABASE_URL." in result.stderr
    )


def test_an_empty_standby_list_is_no_list():
    result = _print(
        PRINT_STANDBYS,
        DATABASE_URL=PG.format(5432),
        STANDBY_DATABASE_URL=PG.format(5433),
        STANDBY_DATABASE_URLS="",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "{'standby': ['standby']}"


def test_a_standby_without_its_primary_stops_the_start():
    result = _settings(DEBUG="1", STANDBY_DATABASE_URLS=PG.format(5433))
    assert result.returncode != 0
    assert "A standby needs its primary: set DATABASE_URL too, or unset" in result.stderr


def test_the_read_your_writes_window_follows_the_lag_bound():
    print_window = "from django.conf import settings; print(settings.READ_YOUR_WRITES_SECONDS)"
    by_default = _print(print_window)
    longer_lag = _print(print_window, STANDBY_MAX_LAG_SECONDS="90")
    assert (by_default.stdout.strip(), longer_lag.stdout.strip()) == ("30", "90")


def test_standby_hosts_reach_each_standby_as_the_primary_is_reached():
    show = (
        "from django.conf import settings; d = settings.DATABASES; "
        "print([(a, d[a]['HOST'], d[a]['PORT'], d[a]['USER'], d[a]['PASSWORD'], d[a]['NAME'],"
        " 'statement_timeout' in d[a].get('OPTIONS', {}).get('options', '')) for a in d])"
    )
    result = _print(
        show,
        DATABASE_URL="postgres://site:s3cret@primary:5432/timetrack",
        STANDBY_HOSTS="standby,standby-2",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        [
            ("default", "primary", 5432, "site", "s3cret", "timetrack", False),
            ("standby", "standby", 5432, "site", "s3cret", "timetrack", True),
            ("standby_2", "standby-2", 5432, "site", "s3cret", "timetrack", True),
        ]
    )


def test_a_primary_among_several_nodes_writes_where_writes_are_accepted_and_reads_each_node():
    show = (
        "from django.conf import settings; d = settings.DATABASES; "
        "print([(a, d[a]['HOST'], str(d[a]['PORT']),"
        " d[a]['OPTIONS'].get('target_session_attrs'), d[a]['OPTIONS'].get('connect_timeout'))"
        " for a in d])"
    )
    result = _print(
        show,
        DATABASE_URL="postgres://site@node-1:5432,node-2:5433,node-3:5434/timetrack"
        "?target_session_attrs=read-write",
        STANDBY_HOSTS="node-1,node-2,node-3",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        [
            ("default", "node-1,node-2,node-3", "5432,5433,5434", "read-write", 5),
            ("standby", "node-1", "5432", None, 3),
            ("standby_2", "node-2", "5433", None, 3),
            ("standby_3", "node-3", "5434", None, 3),
        ]
    )


def test_production_with_a_primary_refuses_to_start_without_naming_its_standby():
    result = _settings(
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="timecards.example.com",
        DATABASE_URL=PG.format(5432),
    )
    assert result.returncode != 0
    assert "Name the reporting standby: set STANDBY_DATABASE_URL" in result.stderr


def test_none_is_a_site_without_a_standby_in_production_and_embedded():
    production = _settings(
        PRINT_STANDBYS,
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="timecards.example.com",
        DATABASE_URL=PG.format(5432),
        STANDBY_DATABASE_URL="none",
    )
    assert production.returncode == 0, production.stderr
    assert production.stdout.splitlines() == ["{'standby': []}", "[]"]
    embedded = _print(PRINT_STANDBYS, STANDBY_DATABASE_URL="None")
    assert embedded.returncode == 0, embedded.stderr
    assert embedded.stdout.splitlines() == ["{'standby': []}", "[]"]


def test_debug_with_only_a_primary_has_no_standby():
    result = _print(PRINT_STANDBYS, DATABASE_URL=PG.format(5432))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["{'standby': []}", "[]"]


def test_a_missing_var_dir_stops_the_start_and_is_not_created(tmp_path):
    missing = tmp_path / "nowhere"
    result = _settings(DEBUG="1", VAR_DIR=str(missing))
    assert result.returncode != 0
    assert f"VAR_DIR {missing} is not a folder: create it first." in result.stderr
    assert not missing.exists()


CSP_HEADERS = (
    "from django.test import Client; r = Client().get('/');"
    " print(sorted(h for h in r.headers if 'Content-Security-Policy' in h))"
)


def test_debug_reports_the_content_security_policy_and_production_enforces_it():
    """Django's debug pages are inline script and style: under DEBUG the policy is
    reported, not enforced, so they work; never so in production."""
    debug = _manage("shell", "--no-imports", "-c", CSP_HEADERS, DEBUG="1")
    production = _manage(
        "shell",
        "--no-imports",
        "-c",
        CSP_HEADERS,
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
    )

    assert debug.returncode == 0, debug.stderr
    assert debug.stdout.strip() == "['Content-Security-Policy-Report-Only']"
    assert production.returncode == 0, production.stderr
    assert production.stdout.strip() == "['Content-Security-Policy']"


def test_a_currency_that_is_not_an_iso_code_stops_the_start():
    result = _settings(DEBUG="1", CURRENCY="$")
    assert result.returncode != 0
    assert "CURRENCY must be an ISO 4217 code of three capital letters" in result.stderr


@pytest.mark.parametrize(
    ("name", "listed", "parsed", "refused"),
    [
        (
            "METRICS_ALLOWED_ADDRESSES",
            "127.0.0.1, 10.0.0.0/8,::1",
            ["IPv4Network('10.0.0.0/8')", "IPv6Network('::1/128')"],
            "127.0.0.1,prometheus",
        ),
        (
            "TRUSTED_PROXY_ADDRESSES",
            "10.0.0.5, 10.1.0.0/16",
            ["IPv4Network('10.1.0.0/16')"],
            "nginx",
        ),
    ],
)
def test_address_settings_must_list_addresses(name, listed, parsed, refused):
    allowed = _settings(f"print(settings.{name})", DEBUG="true", **{name: listed})
    assert allowed.returncode == 0, allowed.stderr
    for network in parsed:
        assert network in allowed.stdout

    wrong = _settings(DEBUG="true", **{name: refused})
    assert wrong.returncode != 0
    assert f"{name} must list IP addresses or networks" in wrong.stderr


def test_a_metrics_token_must_be_long():
    short = _settings(DEBUG="true", METRICS_TOKEN="secret")
    assert short.returncode != 0
    assert "METRICS_TOKEN is shorter than 16 characters" in short.stderr


def test_json_logs_carry_the_fields_of_a_routing_event_as_keys():
    code = (
        "import django, json; django.setup();"
        "from core.routing.breaker import breaker_for;"
        "breaker_for('standby').record_failure('connection refused')"
    )
    result = _settings(code, DEBUG="true", LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["event"] == "standby_offline"
    assert line["member"] == "standby"
    assert line["error"] == "connection refused"
    assert line["level"] == "ERROR" and line["logger"] == "core.routing.breaker"
    assert "unreachable" in line["message"]

    wrong = _settings(DEBUG="true", LOG_FORMAT="xml")
    assert wrong.returncode != 0
    assert "LOG_FORMAT must be text or json" in wrong.stderr
