"""Section 7: what the standby buys. People save timecards while others load reports.

On one gunicorn (the web image's settings), two loads run at once for a bounded time:

- **writers**: staff people, one thread each, who send the "Log time" form (a POST that
  saves a timecard on the primary and answers with a redirect), again and again, each
  on a keep-alive connection of its own;
- **readers**: ``wrk`` loading the report pages, as in section 4.

Where the work runs is the ``placement``:

- ``budgets``: each role has a CPU budget of its own (``bench.budgets.BUDGETS``: cgroup
  v1 quotas, half a core for each server and the rest for the web tier and the load),
  as three small machines would; the primary's CPU time per save is counted;
- ``pinned``: each PostgreSQL server is pinned to a core of its own
  (``sched_setaffinity``, what ``taskset`` does, on the postmaster and every process it
  has; the backends it starts later inherit it), and gunicorn, ``wrk`` and the writers'
  threads to the other cores; on two cores the web tier shares the standby's.

Two server modes take turns,
round after round: ``standby``, the site as configured; ``primary``, the reports forced
to the primary (section 4's way). The figure is the writers': saves per second and the
latency of a save (p50, p95, p99), with the reports on the standby against on the primary;
the readers' pages per second are recorded beside them.
"""

from __future__ import annotations

import http.client
import os
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import budgets as budgets_module
from bench import env, servers, throughput
from bench.stats import median, percentile

DESCRIPTION = "bench: saved during the mixed run"
DAYS_BACK = 200
"""Saves cycle over this many days back from today: no day nears the 24-hour limit."""


def cores() -> dict[str, set[int]]:
    """The cores of the primary, of the standby, and of everything else."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        raise RuntimeError("the mixed run pins the two servers to two cores: this has one")
    rest = set(available[2:]) or {available[1]}
    return {"primary": {available[0]}, "standby": {available[1]}, "web": rest}


def server_processes(port: int) -> list[int]:
    """The postmaster listening on ``port`` and all its children."""
    (data_directory,) = env.query("show data_directory", port=port)[0]
    return servers.processes(data_directory)


def pin(pids: list[int], to: set[int]) -> None:
    for pid in pids:
        try:
            os.sched_setaffinity(pid, to)
        except ProcessLookupError:
            pass  # ended meanwhile


@contextmanager
def pinned_servers(where: dict[str, set[int]]) -> Iterator[None]:
    """The primary and the standby each on their own core, then back on every core."""
    everywhere = os.sched_getaffinity(0)
    try:
        pin(server_processes(env.PRIMARY_PORT), where["primary"])
        pin(server_processes(env.STANDBY_PORT), where["standby"])
        # This thread, and what it starts: gunicorn, wrk, the writers' threads.
        os.sched_setaffinity(0, where["web"])
        yield
    finally:
        os.sched_setaffinity(0, everywhere)
        for port in (env.PRIMARY_PORT, env.STANDBY_PORT):
            pin(server_processes(port), everywhere)


class Writer:
    """One person saving timecards over a keep-alive connection of its own."""

    def __init__(self, cookie_name: str, session: str, project: int) -> None:
        self.csrf = secrets.token_hex(16)  # a CSRF secret of our own: cookie and form agree
        self.headers = {
            "Cookie": f"{cookie_name}={session}; csrftoken={self.csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        self.project = project
        self.connection = http.client.HTTPConnection(env.HOST, throughput.PORT, timeout=60)

    def post(self, day: str, description: str = DESCRIPTION) -> int:
        """Send the form for ``day``; the status of the answer (302: saved)."""
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": self.csrf,
                "project": self.project,
                "date": day,
                "hours": "0.25",
                "description": description,
                "billable": "on",
            }
        )
        self.connection.request("POST", "/timecards/new/", body=form, headers=self.headers)
        response = self.connection.getresponse()
        response.read()
        return response.status

    def save(self, day: str) -> None:
        status = self.post(day)
        if status != 302:
            raise RuntimeError(f"saving a timecard answered {status}, not a redirect")

    def reconnect(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection(env.HOST, throughput.PORT, timeout=60)

    def close(self) -> None:
        self.connection.close()


def write_for(writers: dict, seconds: float) -> dict:
    """Every writer saves until ``seconds`` have passed; how many saves and how long each."""
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def person(session: str) -> None:
        writer = Writer(writers["cookie_name"], session, writers["project"])
        own: list[float] = []
        try:
            for iteration in range(10**9):
                if time.monotonic() >= deadline:
                    break
                day = time.strftime(
                    "%Y-%m-%d", time.gmtime(time.time() - 86400 * (iteration % DAYS_BACK))
                )
                started = time.perf_counter()
                writer.save(day)
                own.append(time.perf_counter() - started)
        except BaseException as error:
            errors.append(error)
        finally:
            writer.close()
            with lock:
                latencies.extend(own)

    threads = [threading.Thread(target=person, args=(s,)) for s in writers["cookies"]]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if errors:
        raise RuntimeError(f"{len(errors)} writers failed; the first: {errors[0]!r}")
    milliseconds = [latency * 1000 for latency in latencies]
    return {
        "saves": len(latencies),
        "saves_per_s": len(latencies) / elapsed,
        "p50_ms": median(milliseconds),
        "p95_ms": percentile(milliseconds, 95),
        "p99_ms": percentile(milliseconds, 99),
    }


def core_times() -> dict[int, tuple[int, int]]:
    """Per core, (busy, total) clock ticks since boot, from ``/proc/stat``."""
    times = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *fields = line.split()
        if name.startswith("cpu") and name != "cpu":
            ticks = [int(field) for field in fields]
            idle = ticks[3] + ticks[4]  # idle and iowait
            times[int(name[3:])] = (sum(ticks) - idle, sum(ticks))
    return times


def busy_shares(before: dict, after: dict, cores: set[int]) -> float:
    """How busy ``cores`` were between two readings (0 to 1)."""
    busy = sum(after[core][0] - before[core][0] for core in cores)
    total = sum(after[core][1] - before[core][1] for core in cores)
    return busy / total if total else 0.0


class PinnedMeter:
    """How busy each role's cores were (``/proc/stat``), for the pinned placement."""

    def __init__(self, where: dict[str, set[int]]) -> None:
        self.where = where

    def reading(self) -> dict:
        return core_times()

    def figures(self, before: dict, after: dict, saves: int, seconds: float) -> dict:
        return {"busy": {name: busy_shares(before, after, c) for name, c in self.where.items()}}


class BudgetMeter:
    """What each role used of its budget (``cpuacct``) and how often it hit it."""

    def __init__(self, budgets: budgets_module.Budgets) -> None:
        self.budgets = budgets

    def reading(self) -> dict:
        return {
            role: (self.budgets.usage_seconds(role), self.budgets.throttled(role))
            for role in budgets_module.BUDGETS
        }

    def figures(self, before: dict, after: dict, saves: int, seconds: float) -> dict:
        used = {role: after[role][0] - before[role][0] for role in before}
        held = {}
        for role in before:
            periods = after[role][1]["periods"] - before[role][1]["periods"]
            throttled = after[role][1]["throttled_periods"] - before[role][1]["throttled_periods"]
            held[role] = throttled / periods if periods else 0.0
        return {
            # Cores used, against the budget: 0.6 of 0.6 is all the role may have.
            "busy": {role: used[role] / seconds for role in used},
            "held": held,
            "primary_cpu_ms_per_save": used["primary"] * 1000 / saves if saves else None,
        }


def one_run(writers: dict, cookie: str, seconds: int, readers: int, meter) -> dict:
    """Writers and readers at once for ``seconds``; what each role used meanwhile."""
    result: dict = {}

    def read() -> None:
        result["readers"] = throughput.run_wrk(throughput.REPORT_PAGES, cookie, seconds, readers)

    reading = threading.Thread(target=read)
    before = meter.reading()
    started = time.monotonic()
    reading.start()
    result["writers"] = write_for(writers, seconds)
    reading.join()
    after = meter.reading()
    elapsed = time.monotonic() - started
    result.update(meter.figures(before, after, result["writers"]["saves"], elapsed))
    return result


@contextmanager
def placed(placement: str, where: dict[str, set[int]]) -> Iterator[PinnedMeter | BudgetMeter]:
    """The servers and this process where ``placement`` puts them, with its meter."""
    if placement == "pinned":
        with pinned_servers(where):
            yield PinnedMeter(where)
        return
    processes = {
        "primary": server_processes(env.PRIMARY_PORT),
        "standby": server_processes(env.STANDBY_PORT),
    }
    with budgets_module.within_budgets(processes) as budgets:
        yield BudgetMeter(budgets)


def run(
    db: str,
    cookie: str,
    *,
    seconds: int,
    rounds: int,
    people: int,
    readers: int,
    placement: str = "pinned",
) -> dict:
    where = cores()
    writers = env.run_django("bench.writers", "--people", str(people), db=db)
    log = env.VAR / "gunicorn-mixed.log"
    runs: dict[str, list[dict]] = {mode: [] for mode in throughput.MODES}
    try:
        with placed(placement, where) as meter:
            for number in range(rounds):
                modes = throughput.MODES if number % 2 == 0 else throughput.MODES[::-1]
                for mode in modes:
                    process = throughput.start_gunicorn(db, mode, log)
                    try:
                        for path in throughput.REPORT_PAGES:
                            throughput.warm(path, cookie)
                        figures = one_run(writers, cookie, seconds, readers, meter)
                    finally:
                        throughput.stop(process)
                    runs[mode].append(figures)
                    print(
                        f"  reports on {mode:8} writers {figures['writers']['saves_per_s']:6.1f}"
                        f" saves/s, p99 {figures['writers']['p99_ms']:7.1f} ms; readers"
                        f" {figures['readers']['requests_per_s']:6.1f} pages/s; busy"
                        f" {', '.join(f'{k} {v:.0%}' for k, v in figures['busy'].items())}",
                        flush=True,
                    )
    finally:
        cleaned = env.run_django("bench.writers", "--clean", db=db)
    return {
        "placement": placement,
        "budgets": budgets_module.BUDGETS if placement == "budgets" else None,
        "cores": {name: sorted(found) for name, found in where.items()},
        "writers": people,
        "readers": readers,
        "seconds": seconds,
        "rounds": rounds,
        "results": {mode: summarise(mode_runs) for mode, mode_runs in runs.items()},
        "timecards_cleaned_up": cleaned["deleted"],
    }


def summarise(runs: list[dict]) -> dict:
    budgeted = {}
    if "held" in runs[0]:
        budgeted = {
            "held": {name: median([run["held"][name] for run in runs]) for name in runs[0]["held"]},
            "primary_cpu_ms_per_save": median([run["primary_cpu_ms_per_save"] for run in runs]),
        }
    return {
        **budgeted,
        "saves_per_s": median([run["writers"]["saves_per_s"] for run in runs]),
        "save_p50_ms": median([run["writers"]["p50_ms"] for run in runs]),
        "save_p95_ms": median([run["writers"]["p95_ms"] for run in runs]),
        "save_p99_ms": median([run["writers"]["p99_ms"] for run in runs]),
        "report_pages_per_s": median([run["readers"]["requests_per_s"] for run in runs]),
        "report_p99_ms": median([run["readers"]["latency_us"]["p99"] / 1000 for run in runs]),
        "busy": {name: median([run["busy"][name] for run in runs]) for name in runs[0]["busy"]},
        "runs": runs,
    }
