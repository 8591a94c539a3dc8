"""``python -m bench`` (``make bench``): every section in order, then BENCHMARKS.md.

Figures go to ``bench/results/bench-results.json`` as each section ends (a failure
late in the run keeps the earlier ones), the query plans and profiles next to it, and
``BENCHMARKS.md`` is written from the JSON at the end. Knobs, from the environment:
``BENCH_SCALE`` (timecards at full size, 1,000,000), ``BENCH_SEED_ROUNDS`` (3),
``BENCH_PAGE_RUNS`` (25), ``BENCH_OVERHEAD_ROUNDS`` (5), ``BENCH_WRK_SECONDS`` (20 at
a million, 5 below), ``BENCH_WRK_ROUNDS`` (2), ``BENCH_EXPORT_RUNS`` (3),
``BENCH_WRITERS`` (8 people) and ``BENCH_WRITER_SAVES`` (25 saves each) for section 6,
``BENCH_MIXED_SECONDS`` (20 at a million, 5 below), ``BENCH_MIXED_ROUNDS`` (2),
``BENCH_MIXED_WRITERS`` (4) and ``BENCH_MIXED_READERS`` (4 wrk connections) for section 7.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata

from bench import after_write, budgets, env, markdown, mixed, seeding, throughput

RESULTS_JSON = env.RESULTS / "bench-results.json"


def knob(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def versions() -> dict[str, str]:
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return {
        **{name: metadata.version(name) for name in ("Django", "psycopg2-binary", "gunicorn")},
        "wrk": (wrk.stdout or wrk.stderr).split()[1],  # "wrk debian/4.1.0-3+b2 [epoll] ..."
    }


def commit() -> str:
    """The commit measured, and whether the tree had changes besides it (the results'
    folders aside, which a run empties and writes)."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=env.REPO
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results"],
        capture_output=True,
        text=True,
        cwd=env.REPO,
    ).stdout.strip()
    return f"{head} with changes" if changed else head


class Run:
    """The figures of one ``make bench``, saved after every section."""

    def __init__(self, full: int, measured: str) -> None:
        self.started = time.monotonic()
        self.figures: dict = {
            "scale": full,
            "sizes": env.sizes(full),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": measured,
            "machine": {**env.machine(), "versions": versions()},
            "sections": {},
            "section_seconds": {},
        }

    def section(self, name: str, title: str, work: Callable[[], dict]) -> dict:
        print(f"== {title}", flush=True)
        started = time.monotonic()
        self.figures["sections"][name] = result = work()
        self.figures["section_seconds"][name] = time.monotonic() - started
        self.save()
        return result

    def save(self) -> None:
        self.figures["total_seconds"] = time.monotonic() - self.started
        RESULTS_JSON.write_text(json.dumps(self.figures, indent=2, default=str) + "\n")


def load_all(full: int) -> dict:
    rounds = knob("BENCH_SEED_ROUNDS", 3)
    loads = {str(full): seeding.load_size(full, full, rounds=rounds)}
    for size in env.sizes(full)[:-1]:
        loads[str(size)] = seeding.load_size(size, full, rounds=1)
    return {
        "loads": loads,
        "summary": {size: seeding.summarise(load) for size, load in loads.items()},
    }


def pages(full: int) -> dict:
    by_size, floor_by_size, extra = {}, {}, {}
    for size in env.sizes(full):
        db = env.db_name(size, full)
        args = ["--runs", "0"]
        if size == full:
            args = [
                "--runs",
                str(knob("BENCH_PAGE_RUNS", 25)),
                "--plans",
                str(env.RESULTS / "plans"),
                "--profiles",
                str(env.RESULTS / "profiles"),
            ]
        found = env.run_django("bench.pages", *args, db=db)
        by_size[str(size)] = found["pages"]
        floor_by_size[str(size)] = found["floor"]
        for alternatives in ("engines", "template_parts", "hand_sql"):  # the full size only
            if alternatives in found:
                extra[alternatives] = found[alternatives]
    with tempfile.TemporaryDirectory(prefix="metrics-") as folder:  # as under gunicorn
        extra["metrics_cost"] = env.run_django(
            "bench.metrics_cost", db=env.db_name(full, full), PROMETHEUS_MULTIPROC_DIR=folder
        )
    return {"by_size": by_size, "target_ratio": 1.25, "floor_by_size": floor_by_size, **extra}


def overhead(full: int) -> dict:
    rounds = str(knob("BENCH_OVERHEAD_ROUNDS", 5))
    return env.run_django("bench.overhead", "--rounds", rounds, db=env.db_name(full, full))


def load_test(full: int) -> dict:
    db = env.db_name(full, full)
    return throughput.run(
        db,
        env.staff_cookie(db),
        seconds=knob("BENCH_WRK_SECONDS", 20 if full >= env.DEFAULT_SCALE else 5),
        rounds=knob("BENCH_WRK_ROUNDS", 2),
    )


def exports(full: int) -> dict:
    by_size = {}
    for size in env.sizes(full):
        runs = knob("BENCH_EXPORT_RUNS", 3) if size == full else 1
        by_size[str(size)] = env.run_django(
            "bench.export", "--runs", str(runs), db=env.db_name(size, full)
        )
    return {"by_size": by_size}


def reports_after_a_save(full: int) -> dict:
    return after_write.run(
        env.db_name(full, full),
        people=knob("BENCH_WRITERS", 8),
        iterations=knob("BENCH_WRITER_SAVES", 25),
    )


def writes_beside_reports(full: int) -> dict:
    """The mixed run with a CPU budget per role (as three machines), then pinned to the
    cores (the two-core run of earlier benchmarks, kept for comparison)."""
    db = env.db_name(full, full)
    cookie = env.staff_cookie(db)

    def run(placement: str) -> dict:
        return mixed.run(
            db,
            cookie,
            seconds=knob("BENCH_MIXED_SECONDS", 20 if full >= env.DEFAULT_SCALE else 5),
            rounds=knob("BENCH_MIXED_ROUNDS", 2),
            people=knob("BENCH_MIXED_WRITERS", 4),
            readers=knob("BENCH_MIXED_READERS", 4),
            placement=placement,
        )

    why_not = budgets.unavailable()
    return {
        "budgets": {"unavailable": why_not} if why_not else run("budgets"),
        "pinned": run("pinned"),
    }


def main() -> None:
    full = env.scale()
    measured = commit()  # before the results' folders are emptied, which changes the tree
    for folder in ("plans", "profiles"):
        shutil.rmtree(env.RESULTS / folder, ignore_errors=True)
    env.RESULTS.mkdir(parents=True, exist_ok=True)
    print(f"bench: {full:,} timecards; sizes {', '.join(f'{s:,}' for s in env.sizes(full))}")
    env.collect_static()
    run = Run(full, measured)
    run.section("seeding", "1. Seeding against COPY", lambda: load_all(full))
    run.section("pages", "2. Report pages against their raw SQL", lambda: pages(full))
    run.section("routing", "3. Routing overhead", lambda: overhead(full))
    run.section("throughput", "4. Throughput under wrk", lambda: load_test(full))
    run.section("export", "5. CSV export against COPY", lambda: exports(full))
    run.section(
        "after_write",
        "6. Reports right after a save: time window against WAL position",
        lambda: reports_after_a_save(full),
    )
    run.section(
        "mixed",
        "7. Saves on the primary while reports load, each role on a CPU budget of its own",
        lambda: writes_beside_reports(full),
    )
    run.figures["machine"]["load_average_at_end"] = os.getloadavg()
    run.save()
    markdown.write(run.figures, env.REPO / "BENCHMARKS.md")
    print(f"bench: done in {run.figures['total_seconds'] / 60:.1f} min; wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
