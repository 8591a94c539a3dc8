"""Where the benchmark runs: its scale, its databases on the native pair, the machine.

The benchmark never touches the ``timetrack`` or ``test_timetrack`` databases: it makes
its own on the primary (``timetrack_bench`` at full scale, ``timetrack_bench_<n>`` for
the smaller sizes), and the standby gets them by replication like any other database.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg2

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
VAR = REPO / "var" / "bench"
"""Run-time files (collected static files, gunicorn's log): git-ignored."""
PYTHON = sys.executable
HOST = "127.0.0.1"
PRIMARY_PORT = int(os.environ.get("PG_PRIMARY_PORT", "25432"))
STANDBY_PORT = int(os.environ.get("PG_STANDBY_PORT", "25433"))
BASE_DB = "timetrack_bench"
NOT_OURS = frozenset({"postgres", "template0", "template1", "timetrack", "test_timetrack"})

DEFAULT_SCALE = 1_000_000
MIN_SCALE = 1_000
TIMECARDS_PER_PERSON_WEEK = 6.9
"""What the demo data averages per person and week over five years: sizes the seed."""


def scale() -> int:
    """BENCH_SCALE: timecards at full size (the two smaller sizes are 1/10 and 1/100)."""
    value = int(os.environ.get("BENCH_SCALE", DEFAULT_SCALE))
    if value < MIN_SCALE:
        raise SystemExit(f"BENCH_SCALE must be at least {MIN_SCALE:,}, not {value:,}.")
    return value


def sizes(full: int) -> list[int]:
    return [full // 100, full // 10, full]


def db_name(size: int, full: int) -> str:
    return BASE_DB if size == full else f"{BASE_DB}_{size}"


def seed_shape(timecards: int) -> tuple[int, int]:
    """(people, weeks) for about ``timecards`` rows: five years of a growing team."""
    person_weeks = timecards / TIMECARDS_PER_PERSON_WEEK
    if person_weeks / 260 >= 3:
        return min(2_000, round(person_weeks / 260)), 260
    return 3, max(1, min(260, round(person_weeks / 3)))


def django_env(db: str, **extra: str) -> dict[str, str]:
    """The environment of a Django process on the benchmark's database: production mode."""
    env = dict(os.environ)
    env.pop("STANDBY_DATABASE_URLS", None)  # the benchmark reads the native pair's standby
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY="bench-only-not-a-secret-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"postgres://postgres@{HOST}:{PRIMARY_PORT}/{db}",
        STANDBY_DATABASE_URL=f"postgres://postgres@{HOST}:{STANDBY_PORT}/{db}",
        VAR_DIR=str(VAR),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def connect(port: int = PRIMARY_PORT, db: str = "postgres") -> Any:
    """A psycopg2 connection in autocommit mode (the benchmark's own, not Django's)."""
    connection = psycopg2.connect(host=HOST, port=port, user="postgres", dbname=db)
    connection.autocommit = True
    return connection


def query(sql: str, params: tuple = (), *, port: int = PRIMARY_PORT, db: str = "postgres") -> list:
    return query_once(connect(port, db), sql, params)


def query_once(connection: Any, sql: str, params: tuple = ()) -> list:
    """Run one statement on ``connection``, then close it: its rows, if it returns any."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def recreate_database(db: str) -> None:
    """Drop ``db`` (ours only) and create it empty on the primary."""
    if db in NOT_OURS or not db.startswith(BASE_DB):
        raise ValueError(f"refusing to recreate {db!r}: not a benchmark database")
    query(f'drop database if exists "{db}" with (force)')
    query(f'create database "{db}"')


def database_exists(db: str) -> bool:
    return bool(query("select 1 from pg_database where datname = %s", (db,)))


def wait_for_replay(timeout: float = 600.0) -> float:
    """Wait until the standby replayed everything the primary wrote; return the seconds."""
    started = time.monotonic()
    (lsn,) = query("select pg_current_wal_lsn()::text")[0]
    while True:
        (done,) = query("select pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,), port=STANDBY_PORT)[
            0
        ]
        if done:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"the standby did not replay up to {lsn} in {timeout:.0f} s")
        time.sleep(0.05)


def wait_for_standby_feedback(timeout: float = 60.0) -> bool:
    """Wait until the standby's oldest snapshot is newer than everything written so far.

    With ``hot_standby_feedback`` the primary keeps every row a standby query might still
    see, and the standby reports its horizon only every few seconds: a VACUUM right after
    a bulk load would find no page visible to all and leave the visibility map empty (no
    index-only scans). False when another session on the standby holds an older snapshot.
    """
    started = time.monotonic()
    (fresh,) = query("select pg_current_xact_id()::text")[0]
    while time.monotonic() - started < timeout:
        (caught_up,) = query(
            "select coalesce(bool_and(xmin is null or age(xmin) <= age(%s::xid)), true)"
            " from pg_replication_slots",
            (fresh,),
        )[0]
        if caught_up:
            return True
        time.sleep(0.5)
    return False


def run_django(module: str, *args: str, db: str, **extra_env: str) -> dict:
    """Run ``python -m module`` against ``db``; it writes its figures as JSON to --out."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [PYTHON, "-m", module, "--out", out.name, *args],
            cwd=REPO,
            env=django_env(db, **extra_env),
            check=True,
        )
        return json.loads(Path(out.name).read_text())


def collect_static() -> None:
    """The static files of production mode (whitenoise's manifest), as a deploy collects them."""
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=REPO,
        env=django_env(BASE_DB),
        check=True,
    )


def staff_cookie(db: str) -> str:
    """``name=value`` of a session cookie of the staff demo user on ``db`` (bench.session)."""
    session = run_django("bench.session", db=db)
    return f"{session['name']}={session['value']}"


def write_json(path: str, figures: dict) -> None:
    """How a child process hands its figures back."""
    Path(path).write_text(json.dumps(figures, indent=2, default=str))


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    meminfo = Path("/proc/meminfo").read_text().split()
    memory_gib = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024 / 1024
    settings = dict(
        query(
            "select name, current_setting(name) from pg_settings where name in"
            " ('shared_buffers', 'work_mem', 'max_parallel_workers_per_gather',"
            " 'effective_cache_size', 'random_page_cost', 'max_wal_size', 'fsync',"
            " 'synchronous_commit')"
        )
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": query("select version()")[0][0],
        "postgresql_settings": settings,
        "load_average_at_start": os.getloadavg(),
    }
