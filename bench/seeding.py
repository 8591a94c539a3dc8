"""Section 1: ``manage.py seed`` at scale against the raw limit, ``COPY`` of the same rows.

One round: an empty database, ``manage.py seed`` in a child process (wall time, and its
peak RSS and its workers' from ``bench.peak``), then the rows it wrote dumped with
``COPY ... TO STDOUT`` and loaded back into the emptied tables with ``COPY ... FROM STDIN``
in one transaction, commit included (the same rows, table, indexes, constraints and
foreign-key checks). Both start after a ``CHECKPOINT`` with the standby caught up, and
both count the timecards and invoices they load. The ratio is taken within each round,
then medianed.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import time
from pathlib import Path

from bench import env
from bench.stats import median

TABLES = ("timetrack_invoice", "timetrack_timecard")  # the order the keys need
COPY_READ_SIZE = 1 << 20


def migrate(db: str) -> None:
    subprocess.run(
        [env.PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=env.REPO,
        env=env.django_env(db),
        check=True,
    )


def fresh_database(db: str) -> None:
    env.recreate_database(db)
    migrate(db)


def settle() -> None:
    """A checkpoint and a caught-up standby: each load starts from the same state."""
    env.query("checkpoint")
    env.wait_for_replay()


def run_seed(db: str, users: int, weeks: int) -> dict:
    """``manage.py seed`` in a child process: wall time, peak RSS, what it loaded.

    Its progress bar shows when the benchmark runs in a terminal (stderr is inherited).
    """
    with tempfile.NamedTemporaryFile(suffix=".kib") as peak:
        command = ["manage.py", "seed", "--users", str(users), "--weeks", str(weeks)]
        started = time.perf_counter()
        result = subprocess.run(
            [env.PYTHON, "-m", "bench.peak", peak.name, *command],
            cwd=env.REPO,
            env=env.django_env(db),
            stdout=subprocess.PIPE,
            text=True,
        )
        seconds = time.perf_counter() - started
        if result.returncode:
            raise RuntimeError(f"manage.py seed failed ({result.returncode}):\n{result.stdout}")
        peak_kib, workers_peak_kib = map(int, Path(peak.name).read_text().split())
    loaded = re.search(r"Demo data loaded in ([\d.]+) s", result.stdout)
    return {
        "seconds": seconds,
        "seconds_reported_by_command": float(loaded[1]) if loaded else None,
        "peak_rss_mib": peak_kib / 1024,
        "workers_peak_rss_mib": workers_peak_kib / 1024,
        "timecards": _count(db, "timetrack_timecard"),
        "invoices": _count(db, "timetrack_invoice"),
        "output": result.stdout.strip().splitlines()[:4],
    }


def copy_same_rows(db: str) -> dict:
    """Dump the seeded rows, empty the tables, load them back with COPY; time the load."""
    connection = env.connect(env.PRIMARY_PORT, db)
    try:
        dumps = {}
        with connection.cursor() as cursor:
            for table in TABLES:
                dumps[table] = io.BytesIO()
                cursor.copy_expert(f"copy {table} to stdout", dumps[table])
            cursor.execute(f"truncate {', '.join(TABLES)}")
        settle()
        connection.autocommit = False
        with connection.cursor() as cursor:
            started = time.perf_counter()
            for table in TABLES:
                dumps[table].seek(0)
                cursor.copy_expert(f"copy {table} from stdin", dumps[table], COPY_READ_SIZE)
            connection.commit()
            seconds = time.perf_counter() - started
    finally:
        connection.close()
    return {
        "seconds": seconds,
        "timecards": _count(db, "timetrack_timecard"),
        "invoices": _count(db, "timetrack_invoice"),
        "bytes": sum(len(dump.getbuffer()) for dump in dumps.values()),
    }


def vacuum_analyze(db: str) -> dict:
    """What any bulk load needs before reads: statistics and the visibility map."""
    env.wait_for_replay()
    feedback = env.wait_for_standby_feedback()
    connection = env.connect(env.PRIMARY_PORT, db)
    try:
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("vacuum (analyze)")
            seconds = time.perf_counter() - started
            cursor.execute(
                "select sum(relallvisible)::float / greatest(sum(relpages), 1) from pg_class"
                " where relname in ('timetrack_timecard', 'timetrack_invoice')"
            )
            (all_visible,) = cursor.fetchone()
    finally:
        connection.close()
    return {"seconds": seconds, "standby_feedback": feedback, "all_visible_share": all_visible}


def load_size(size: int, full: int, *, rounds: int) -> dict:
    """Seed one size ``rounds`` times, each round against COPY; keep the last load."""
    db = env.db_name(size, full)
    users, weeks = env.seed_shape(size)
    runs = []
    for number in range(1, rounds + 1):
        fresh_database(db)
        settle()
        seed = run_seed(db, users, weeks)
        copy = copy_same_rows(db) if size == full else None
        runs.append({"seed": seed, "copy": copy})
        rows = seed["timecards"] + seed["invoices"]
        line = f"  seed {size:,}, round {number}: {rows / seed['seconds']:,.0f} rows/s"
        if copy is not None:
            line += f"; COPY {(copy['timecards'] + copy['invoices']) / copy['seconds']:,.0f} rows/s"
        print(line, flush=True)
    vacuum = vacuum_analyze(db)
    env.wait_for_replay()
    return {"db": db, "users": users, "weeks": weeks, "runs": runs, "vacuum": vacuum}


def summarise(loaded: dict) -> dict:
    """Rows/s of the seed and of COPY, and their ratio, as medians over the rounds."""
    seed_rates, copy_rates, ratios = [], [], []
    for run in loaded["runs"]:
        seed, copy = run["seed"], run["copy"]
        seed_rate = (seed["timecards"] + seed["invoices"]) / seed["seconds"]
        seed_rates.append(seed_rate)
        if copy is not None:
            copy_rate = (copy["timecards"] + copy["invoices"]) / copy["seconds"]
            copy_rates.append(copy_rate)
            ratios.append(seed_rate / copy_rate)
    last = loaded["runs"][-1]["seed"]
    return {
        "timecards": last["timecards"],
        "invoices": last["invoices"],
        "seed_rows_per_s": median(seed_rates),
        "seed_seconds": median([run["seed"]["seconds"] for run in loaded["runs"]]),
        "seed_peak_rss_mib": max(run["seed"]["peak_rss_mib"] for run in loaded["runs"]),
        "seed_workers_peak_rss_mib": max(
            run["seed"].get("workers_peak_rss_mib", 0) for run in loaded["runs"]
        ),
        "copy_rows_per_s": median(copy_rates) if copy_rates else None,
        "copy_seconds": (
            median([run["copy"]["seconds"] for run in loaded["runs"]]) if copy_rates else None
        ),
        "ratio": median(ratios) if ratios else None,
        "ratios": ratios,
        "rounds": len(loaded["runs"]),
    }


def _count(db: str, table: str) -> int:
    return env.query(f"select count(*) from {table}", db=db)[0][0]
