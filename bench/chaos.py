"""``make chaos``: the site under a mixed load while its standby fails, for a set time.

gunicorn serves the site (the web image's settings) on the native pair. People save
timecards (POST, each on a keep-alive connection of its own) while others load the
report pages and download the CSV, and meanwhile a loop does to the standby, one after
the other, what real standbys go through:

- ``stall sender``: the primary's WAL sender to the standby stopped (``SIGSTOP``) for
  longer than the lag bound, then continued: the standby receives nothing and says it is
  streaming with nothing to replay, so only a lag measured against the primary sees it;
- ``pause replay``: ``pg_wal_replay_pause()``, then resume (the standby falls behind);
- ``cut connections``: every client connection of the standby terminated;
- ``stop``: the standby shut down, then started again;
- ``freeze``: every process of the standby stopped (``SIGSTOP``), then continued.

Afterwards every timecard a person was told was saved (a redirect) must be on the
primary, and on the standby once replay has caught up; no request may answer a 5xx
but the 503 pages the site promises (a report stopped by its timeout, or a page whose
standby failed under a request that must not be run twice); and nothing stale is served
past the bound: every CSV export (all timecards) must hold every save confirmed more than
``STANDBY_MAX_LAG_SECONDS`` before the export was asked for, whichever server served it.
The figures go to ``RELIABILITY.md`` and
``bench/results/chaos.json`` (``make chaos``), or, for the short run that ``make test``
makes, to ``var/bench/chaos-short.json``; either way the command fails when a promise was
broken. Loopback only, bounded in time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

from bench import env, mixed, seeding, servers, throughput
from bench.stats import median, percentile

DB = f"{env.BASE_DB}_chaos"
DESCRIPTION = "chaos: saved while the standby failed"
REPORTS = ("/reports/", "/reports/hours/", "/reports/unbilled/", "/reports/invoices/")
EXPORT = "/reports/timecards.csv?start=2000-01-01"
PAIR = env.REPO / "docker" / "postgres" / "native-pair.sh"
SITE = {
    # Quick to notice and quick to come back, so a short run sees each state change.
    "STANDBY_COOL_DOWN_SECONDS": "2",
    "STANDBY_CONNECT_TIMEOUT_SECONDS": "2",
    "STANDBY_MAX_LAG_SECONDS": "2",
    "GUNICORN_TIMEOUT": "60",
}
LAG_BOUND = float(SITE["STANDBY_MAX_LAG_SECONDS"])
CUT_SHORT = -1
"""The status recorded for a download that began (200) and stopped short."""
PROMISED = {
    "save": frozenset({302, 200}),  # saved, or the form again with its error
    "report": frozenset({200, 503}),  # read (a standby or the primary), or a promised 503
    "export": frozenset({200, 503, CUT_SHORT}),
}
BREAKER = re.compile(r"Standby '(\w+)' is (unreachable|reachable again)")
SAVED = re.compile(re.escape(DESCRIPTION) + r" #(\d+)")
STALE_SLACK_SECONDS = 0.5
"""Allowance on the lag bound when judging an export: the bound plus this is a breach."""


class Log:
    """Every request's outcome, from every thread; when each save was confirmed, and what
    each complete export held."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, int, float]] = []  # (kind, status or 0, seconds)
        self.errors: Counter[str] = Counter()
        self.numbers = iter(range(1, 10**9))
        self.confirmed: dict[int, float] = {}  # save number -> monotonic time of its 302
        self.exports: list[tuple[float, set[int]]] = []  # (asked at, save numbers it held)

    def next_number(self) -> int:
        with self.lock:
            return next(self.numbers)

    def confirm(self, number: int) -> None:
        with self.lock:
            self.confirmed[number] = time.monotonic()

    def exported(self, asked_at: float, body: bytes) -> None:
        numbers = {int(number) for number in SAVED.findall(body.decode())}
        with self.lock:
            self.exports.append((asked_at, numbers))

    def stale_exports(self, bound: float) -> list[float]:
        """For each export missing a save confirmed more than ``bound`` before it was
        asked for: how old the oldest missing save was (seconds)."""
        stale = []
        for asked_at, held in self.exports:
            missing = [
                asked_at - confirmed_at
                for number, confirmed_at in self.confirmed.items()
                if confirmed_at < asked_at - bound and number not in held
            ]
            if missing:
                stale.append(round(max(missing), 2))
        return stale

    def add(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.requests.append((kind, status, seconds))

    def error(self, kind: str, error: BaseException) -> None:
        with self.lock:
            self.errors[f"{kind}: {type(error).__name__}"] += 1
            self.requests.append((kind, 0, 0.0))


def writer(
    session: dict, cookie: str, project: int, log: Log, stop: threading.Event, pace: float
) -> None:
    person = mixed.Writer(session["cookie_name"], cookie, project)
    day = 0
    while not stop.wait(pace):
        day += 1
        started = time.perf_counter()
        number = log.next_number()
        try:
            status = person.post(_days_ago(day % 150), f"{DESCRIPTION} #{number}")
        except (OSError, http.client.HTTPException) as error:
            log.error("save", error)
            person.reconnect()
            continue
        if status == 302:
            log.confirm(number)
        log.add("save", status, time.perf_counter() - started)
    person.close()


def _days_ago(days: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400 * days))


def reader(cookie: str, number: int, log: Log, stop: threading.Event, pace: float) -> None:
    connection = http.client.HTTPConnection(env.HOST, throughput.PORT, timeout=90)
    pages = [*REPORTS, EXPORT] if number == 0 else list(REPORTS)
    turn = number
    while not stop.wait(pace):
        path = pages[turn % len(pages)]
        turn += 1
        kind = "export" if path == EXPORT else "report"
        started, asked_at = time.perf_counter(), time.monotonic()
        try:
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            body = response.read()
        except http.client.IncompleteRead:
            # A download whose standby failed after its status line went out stops short:
            # what the site promises (README, "Failure modes").
            log.add(kind, CUT_SHORT, time.perf_counter() - started)
            connection.close()
            connection = http.client.HTTPConnection(env.HOST, throughput.PORT, timeout=90)
            continue
        except (OSError, http.client.HTTPException) as error:
            log.error(kind, error)
            connection.close()
            connection = http.client.HTTPConnection(env.HOST, throughput.PORT, timeout=90)
            continue
        log.add(kind, response.status, time.perf_counter() - started)
        if kind == "export" and response.status == 200:
            log.exported(asked_at, body)
    connection.close()


# --- What is done to the standby -------------------------------------------------------


def _standby(sql: str) -> None:
    env.query(sql, port=env.STANDBY_PORT)


def _pair(command: str) -> None:
    subprocess.run(["bash", str(PAIR), command], check=True, capture_output=True, timeout=120)


def stall_sender(hold: float) -> None:
    """The primary's WAL sender to the standby stopped for longer than the lag bound."""
    (pid,) = env.query(
        "select pid from pg_stat_replication where application_name = 'standby'",
        port=env.PRIMARY_PORT,
    )[0]
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(max(hold, 2.5 * LAG_BOUND))
    finally:
        os.kill(pid, signal.SIGCONT)


def pause_replay(hold: float) -> None:
    _standby("select pg_wal_replay_pause()")
    time.sleep(hold)
    _standby("select pg_wal_replay_resume()")


def cut_connections(hold: float) -> None:
    _standby(
        "select pg_terminate_backend(pid) from pg_stat_activity"
        " where backend_type = 'client backend' and pid <> pg_backend_pid()"
    )
    time.sleep(hold)


def stop_and_start(hold: float) -> None:
    _pair("stop-standby")
    time.sleep(hold)
    _pair("up")


def freeze(hold: float) -> None:
    with servers.frozen(mixed.server_processes(env.STANDBY_PORT)):
        time.sleep(hold)


ACTIONS = {
    "stall sender": stall_sender,
    "pause replay": pause_replay,
    "cut connections": cut_connections,
    "stop": stop_and_start,
    "freeze": freeze,
}


def torment(seconds: float, hold: float, calm: float, stop: threading.Event) -> list[dict]:
    """The actions in turn until ``seconds`` have passed; what was done, and when."""
    done = []
    started = time.monotonic()
    names = list(ACTIONS)
    turn = 0
    while time.monotonic() - started < seconds:
        name = names[turn % len(names)]
        turn += 1
        at = time.monotonic() - started
        ACTIONS[name](hold)
        done.append(
            {
                "action": name,
                "at_s": round(at, 1),
                "took_s": round(time.monotonic() - started - at, 1),
            }
        )
        time.sleep(calm)
    stop.set()
    return done


# --- The run --------------------------------------------------------------------------


def prepare(users: int = 12, weeks: int = 26) -> dict:
    env.collect_static()
    env.recreate_database(DB)
    seeding.migrate(DB)
    subprocess.run(
        [
            *(env.PYTHON, "manage.py", "seed", "--no-progress"),
            *("--users", str(users), "--weeks", str(weeks)),
        ],
        cwd=env.REPO,
        env=env.django_env(DB),
        check=True,
        capture_output=True,
    )
    env.wait_for_replay()
    return env.run_django("bench.writers", "--people", "3", db=DB)


def count_saved(port: int) -> int:
    return env.query(
        "select count(*) from timetrack_timecard where description like %s",
        (f"{DESCRIPTION} #%",),
        port=port,
        db=DB,
    )[0][0]


def _status_name(status: int) -> str:
    return {0: "no answer", CUT_SHORT: "200, cut short"}.get(status, str(status))


def summarise(log: Log) -> dict:
    by_kind: dict[str, dict] = {}
    for kind in sorted({kind for kind, _, _ in log.requests}):
        rows = [(status, seconds) for k, status, seconds in log.requests if k == kind]
        times = [seconds * 1000 for status, seconds in rows if status]
        by_kind[kind] = {
            "requests": len(rows),
            "statuses": dict(Counter(_status_name(status) for status, _ in rows)),
            "p50_ms": median(times) if times else None,
            "p99_ms": percentile(times, 99) if times else None,
        }
    return by_kind


def run(
    seconds: float, hold: float, calm: float, pace: float = 0.0, demo: tuple[int, int] = (12, 26)
) -> dict:
    writers = prepare(*demo)
    cookie = env.staff_cookie(DB)
    log_file = env.VAR / "gunicorn-chaos.log"
    log_file.unlink(missing_ok=True)
    process = throughput.start_gunicorn(DB, "standby", log_file, **SITE)
    log, stop = Log(), threading.Event()
    threads = [
        threading.Thread(target=writer, args=(writers, c, writers["project"], log, stop, pace))
        for c in writers["cookies"]
    ]
    threads += [
        threading.Thread(target=reader, args=(cookie, n, log, stop, pace)) for n in range(3)
    ]
    try:
        for thread in threads:
            thread.start()
        actions = torment(seconds, hold, calm, stop)
        for thread in threads:
            thread.join(timeout=120)
    finally:
        stop.set()
        throughput.stop(process)
        _pair("up")  # whatever happened, the standby runs again
        _standby("select pg_wal_replay_resume()")
    env.wait_for_replay(timeout=120)
    saves = sum(1 for kind, status, _ in log.requests if kind == "save" and status == 302)
    unanswered_saves = sum(1 for kind, status, _ in log.requests if kind == "save" and not status)
    transitions = Counter(state for _, state in BREAKER.findall(log_file.read_text()))
    figures = {
        "seconds": seconds,
        "actions": actions,
        "requests": summarise(log),
        "errors": dict(log.errors),
        "breaker": {"opened": transitions["unreachable"], "closed": transitions["reachable again"]},
        "saves_confirmed": saves,
        "saves_unanswered": unanswered_saves,
        "saved_on_primary": count_saved(env.PRIMARY_PORT),
        "saved_on_standby": count_saved(env.STANDBY_PORT),
        "exports_checked": len(log.exports),
        "stale_exports": log.stale_exports(LAG_BOUND + STALE_SLACK_SECONDS),
    }
    figures["broken_promises"] = broken_promises(figures)
    return figures


def broken_promises(figures: dict) -> list[str]:
    broken = []
    for kind, found in figures["requests"].items():
        allowed = {_status_name(status) for status in PROMISED[kind]}
        for status, count in found["statuses"].items():
            if status != "no answer" and status not in allowed:
                broken.append(f"{count} {kind} requests answered {status}")
    if figures["errors"]:
        broken.append(f"requests the server did not answer: {figures['errors']}")
    primary, confirmed = figures["saved_on_primary"], figures["saves_confirmed"]
    if not confirmed <= primary <= confirmed + figures["saves_unanswered"]:
        broken.append(f"{confirmed} saves confirmed, {primary} timecards on the primary")
    if figures["stale_exports"]:
        broken.append(
            f"{len(figures['stale_exports'])} exports missed saves confirmed more than"
            f" {LAG_BOUND:g} s before (by up to {max(figures['stale_exports'])} s)"
        )
    if figures["saved_on_standby"] != primary:
        broken.append(
            f"{primary} saved on the primary, {figures['saved_on_standby']} on the standby"
        )
    return broken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--hold", type=float, default=4, help="how long each failure lasts")
    parser.add_argument("--calm", type=float, default=3, help="the pause between two")
    parser.add_argument(
        "--pace", type=float, default=0.0, help="each person's pause between two requests"
    )
    parser.add_argument(
        "--demo",
        type=int,
        nargs=2,
        default=(12, 26),
        metavar=("USERS", "WEEKS"),
        help="the demo data the run starts from (seed --users, --weeks)",
    )
    parser.add_argument("--out", type=Path, default=env.RESULTS / "chaos.json")
    parser.add_argument("--markdown", type=Path, help="write the report here (RELIABILITY.md)")
    args = parser.parse_args()
    env.VAR.mkdir(parents=True, exist_ok=True)
    figures = run(args.seconds, args.hold, args.calm, args.pace, tuple(args.demo))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    if args.markdown:
        from bench import reliability

        reliability.write(args.markdown)
    print(json.dumps({key: figures[key] for key in ("requests", "breaker", "broken_promises")}))
    if figures["broken_promises"]:
        raise SystemExit("chaos: broken promises: " + "; ".join(figures["broken_promises"]))
    print(
        f"chaos: {sum(k['requests'] for k in figures['requests'].values())} requests,"
        f" {figures['saves_confirmed']} saves, all kept; nothing broken"
    )


if __name__ == "__main__":
    main()
