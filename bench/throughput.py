"""Section 4: gunicorn under wrk, reports on the standby against reports on the primary.

gunicorn runs with the web image's own settings (``docker/web/gunicorn.conf.py``:
gthread, its workers and threads) on loopback. ``wrk`` (Debian's package) requests
the pages of a load in turn, logged in with a session cookie made beforehand, for a
bounded time. Two server modes take turns, round after round:

- ``standby``: the site as configured, the report views reading the standby;
- ``primary``: the same site with ``STANDBY_DATABASE_URL`` pointing at the primary,
  so every report query lands on the primary (the load the standby takes away).

Around each run, the scan counters of the report tables (``pg_stat_user_tables``:
sequential plus index scans) are read on both servers; their growth gives the
primary's share of the report queries, which must be zero when the reports are routed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from bench import env
from bench.stats import median

PORT = int(os.environ.get("BENCH_PORT", "8765"))
GUNICORN_CONF = "docker/web/gunicorn.conf.py"
WRK_THREADS = 2
REPORT_TABLES = (
    "timetrack_timecard",
    "timetrack_invoice",
    "timetrack_project",
    "timetrack_client",
    "accounts_userprofile",
)
REPORT_PAGES = ("/reports/", "/reports/hours/", "/reports/unbilled/", "/reports/invoices/")
LOADS = {
    "reports": REPORT_PAGES,
    "mixed": (*REPORT_PAGES, "/timecards/", "/timecards/?page=2", "/invoices/", "/timecards/"),
}
MODES = ("standby", "primary")


def gunicorn_settings() -> dict[str, int]:
    """Workers and threads as the web image runs them (its environment defaults)."""
    settings: dict = {}
    exec(Path(env.REPO / GUNICORN_CONF).read_text(), settings)
    return {"workers": settings["workers"], "threads": settings["threads"]}


def start_gunicorn(db: str, mode: str, log: Path, **settings: str) -> subprocess.Popen:
    """gunicorn on the site; ``mode`` "primary" reads the reports there; ``settings`` are
    more environment variables of the site."""
    if port_answers(PORT):
        # A server left from another run would answer for this one (it happened: a
        # chaos run's gunicorn outlived it and served the benchmark its 503s).
        raise RuntimeError(f"something already listens on {env.HOST}:{PORT}: stop it first")
    extra = {"GUNICORN_BIND": f"{env.HOST}:{PORT}", **settings}
    if mode == "primary":
        extra["STANDBY_DATABASE_URL"] = f"postgres://postgres@{env.HOST}:{env.PRIMARY_PORT}/{db}"
    process = subprocess.Popen(
        [env.PYTHON, "-m", "gunicorn", "--config", GUNICORN_CONF, "config.wsgi:application"],
        cwd=env.REPO,
        env=env.django_env(db, **extra),
        stdout=subprocess.DEVNULL,  # the access log
        stderr=log.open("ab"),
    )
    try:
        wait_for_site(PORT, process, log)
    except BaseException:
        stop(process)  # never left behind, whatever stopped the wait
        raise
    return process


def wait_for_site(port: int, process: subprocess.Popen | None, log: Path | None) -> None:
    """Until the site on ``port`` serves its login page, 60 s at most; ``process``, the
    gunicorn serving it when it is this run's, must not exit meanwhile."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://{env.HOST}:{port}/accounts/login/", timeout=5):
                return
        except OSError:
            # Not listening yet, an error page, or a worker still importing Django on a
            # busy machine (make test runs this beside two test passes): ask again.
            time.sleep(0.2)
    raise RuntimeError(f"the site on port {port} did not answer within 60 s; see {log}")


def port_answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((env.HOST, port)) == 0


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def warm(path: str, cookie: str) -> None:
    """One request, which must be a page and not the login redirect."""
    status = subprocess.run(
        [
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-b",
            cookie,
            f"http://{env.HOST}:{PORT}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if status != "200":
        raise RuntimeError(f"GET {path} answered {status}, not 200: is the session valid?")


def scans(db: str, port: int) -> int:
    """Sequential plus index scans of the report tables on one server, so far."""
    (total,) = env.query(
        "select coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) from pg_stat_user_tables"
        " where relname = any(%s)",
        (list(REPORT_TABLES),),
        port=port,
        db=db,
    )[0]
    return int(total)


def run_wrk(paths: tuple[str, ...], cookie: str, seconds: int, connections: int) -> dict:
    result = subprocess.run(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(env.REPO / "bench" / "wrk" / "pages.lua"),
            f"http://{env.HOST}:{PORT}",
        ],
        env={**os.environ, "BENCH_PATHS": ",".join(paths), "BENCH_COOKIE": cookie},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON "))
    figures = json.loads(line.removeprefix("BENCH_JSON "))
    figures["requests_per_s"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def one_load(db: str, paths: tuple[str, ...], cookie: str, seconds: int, connections: int) -> dict:
    before = {port: scans(db, port) for port in (env.PRIMARY_PORT, env.STANDBY_PORT)}
    figures = run_wrk(paths, cookie, seconds, connections)
    time.sleep(1.5)  # backends flush their statistics at exit, at most every second
    after = {port: scans(db, port) for port in (env.PRIMARY_PORT, env.STANDBY_PORT)}
    primary = after[env.PRIMARY_PORT] - before[env.PRIMARY_PORT]
    standby = after[env.STANDBY_PORT] - before[env.STANDBY_PORT]
    figures["report_table_scans"] = {"primary": primary, "standby": standby}
    figures["primary_share"] = primary / (primary + standby) if primary + standby else None
    return figures


def run(db: str, cookie: str, *, seconds: int, rounds: int) -> dict:
    server = gunicorn_settings()
    connections = server["workers"] * server["threads"]
    env.VAR.mkdir(parents=True, exist_ok=True)
    log = env.VAR / "gunicorn.log"
    log.unlink(missing_ok=True)
    runs: dict[str, dict[str, list[dict]]] = {load: {mode: [] for mode in MODES} for load in LOADS}
    for number in range(rounds):
        for mode in MODES if number % 2 == 0 else MODES[::-1]:
            process = start_gunicorn(db, mode, log)
            try:
                for load, paths in LOADS.items():
                    for path in dict.fromkeys(paths):  # warm: templates, connections
                        warm(path, cookie)
                    figures = one_load(db, paths, cookie, seconds, connections)
                    runs[load][mode].append(figures)
                    print(
                        f"  {load:8} {mode:8} {figures['requests_per_s']:7.1f} req/s,"
                        f" p50 {figures['latency_us']['p50'] / 1000:7.1f} ms,"
                        f" p99 {figures['latency_us']['p99'] / 1000:7.1f} ms,"
                        f" primary share {figures['primary_share']}",
                        flush=True,
                    )
            finally:
                stop(process)
    return {
        "gunicorn": {**server, "worker_class": "gthread", "config": GUNICORN_CONF},
        "wrk": {"threads": WRK_THREADS, "connections": connections, "seconds": seconds},
        "loads": {load: list(paths) for load, paths in LOADS.items()},
        "results": {
            load: {mode: summarise(mode_runs) for mode, mode_runs in modes.items()}
            for load, modes in runs.items()
        },
    }


def summarise(runs: list[dict]) -> dict:
    shares = [run["primary_share"] for run in runs if run["primary_share"] is not None]
    return {
        "requests_per_s": median([run["requests_per_s"] for run in runs]),
        "p50_ms": median([run["latency_us"]["p50"] / 1000 for run in runs]),
        "p95_ms": median([run["latency_us"]["p95"] / 1000 for run in runs]),
        "p99_ms": median([run["latency_us"]["p99"] / 1000 for run in runs]),
        "errors": sum(sum(run["errors"].values()) for run in runs),
        "primary_share": median(shares) if shares else None,
        "runs": runs,
    }
