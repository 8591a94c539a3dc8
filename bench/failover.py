"""``make chaos-failover``: the primary is killed under load, a standby takes over.

A Jepsen-style run on three native nodes of its own (``.pg-failover/``: the primary and
two standbys, synchronous by default: a commit is confirmed once a standby has it).
gunicorn serves the site with every node in one ``DATABASE_URL``
(``target_session_attrs=read-write``) and every node a member of the standby group, as
``make run-pg`` does. Meanwhile:

- **writers** post the "Log time" form at a steady pace, each form with its own
  submission id. A save answered 503 (or not answered) is sent again, the same form,
  until it is confirmed: the site promises that a form sent twice logs the time once.
  After each confirmed save the writer loads the CSV export with its own cookies: its
  save must be there (read-your-writes, across the failover too);
- **readers** load the report pages.

After a few seconds the leader's postmaster is killed (``SIGKILL``), and at once
``native-pair.sh failover`` promotes the standby that received the most (what Patroni
does after its TTL; natively the run measures the site, not a lease). A few seconds
later ``native-pair.sh up`` brings the old primary back as a standby (cloned again).

It fails when a save that got a 302 is missing afterwards (synchronous mode), a form is
saved twice, an answer is a 5xx other than the promised 503, or a writer's export misses
its own confirmed save. It reports the time from the kill to the first confirmed save
and how many sendings were refused meanwhile; the figures go to
``bench/results/failover.json`` (or ``--out``), and ``--markdown`` writes RELIABILITY.md.
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
import urllib.parse
import uuid
from collections import Counter
from pathlib import Path

from bench import env
from bench.stats import median, percentile

DB = f"{env.BASE_DB}_failover"
DESCRIPTION = "failover: saved while the primary failed"
SAVED = re.compile(re.escape(DESCRIPTION) + r" #(\d+)")
PAIR = env.REPO / "docker" / "postgres" / "native-pair.sh"
PG_DIR = Path(os.environ.get("PG_DIR", env.REPO / ".pg-failover"))
NODES = ("primary", "standby", "standby_2")
PORT = int(os.environ.get("FAILOVER_PORT", "8766"))
MODE = os.environ.get("PG_REPLICATION_MODE", "synchronous")
REPORTS = ("/reports/", "/reports/hours/", "/reports/unbilled/", "/reports/invoices/")
EXPORT = "/reports/timecards.csv?start=2000-01-01"
SITE = {
    # Quick to notice and quick to come back, so a short run sees each state change.
    "STANDBY_COOL_DOWN_SECONDS": "2",
    "STANDBY_CONNECT_TIMEOUT_SECONDS": "2",
    "PRIMARY_CONNECT_TIMEOUT_SECONDS": "2",
    "STANDBY_MAX_LAG_SECONDS": "2",
    "GUNICORN_TIMEOUT": "60",
}
PROMISED = {"save": {302, 503}, "own save": {200, 503}, "report": {200, 503}}
"""The answers the site promises: a save is saved (302) or refused with the 503 page;
a read is served, or the 503 page of a database that stopped answering."""
RESULTS = {"synchronous": "failover.json", "asynchronous": "failover-asynchronous.json"}
"""Where `make chaos-failover` keeps each mode's figures (RELIABILITY.md shows both)."""
KEPT_COOKIES = ("read_position",)
"""The cookies a writer keeps from the answers (the session and CSRF ones are its own;
the messages cookie would only grow, as no writer follows the redirect)."""


def node_port(node: str) -> int:
    """The port of a node of the run's cluster (as native-pair.sh numbers them)."""
    variable = {
        "primary": "PG_PRIMARY_PORT",
        "standby": "PG_STANDBY_PORT",
        "standby_2": "PG_STANDBY_2_PORT",
    }
    defaults = {"primary": 55452, "standby": 55453, "standby_2": 55454}
    return int(os.environ.get(variable[node], defaults[node]))


def pair_env() -> dict[str, str]:
    return {
        **os.environ,
        "PG_DIR": str(PG_DIR),
        "PG_STANDBYS": "2",
        "PG_REPLICATION_MODE": MODE,
        **{
            name: str(node_port(node))
            for name, node in (
                ("PG_PRIMARY_PORT", "primary"),
                ("PG_STANDBY_PORT", "standby"),
                ("PG_STANDBY_2_PORT", "standby_2"),
            )
        },
    }


def pair(*command: str) -> str:
    result = subprocess.run(
        ["bash", str(PAIR), *command],
        env=pair_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"native-pair.sh {' '.join(command)}: {result.stderr.strip()}")
    return result.stdout


def leader() -> str:
    path = PG_DIR / "leader"
    return path.read_text().strip() if path.exists() else "primary"


def site_env() -> dict[str, str]:
    """The site against every node, whichever leads (as ``make run-pg``)."""
    nodes = ",".join(f"{env.HOST}:{node_port(node)}" for node in NODES)
    members = ",".join(f"postgres://postgres@{env.HOST}:{node_port(n)}/{DB}" for n in NODES)
    variables = env.django_env(DB, **SITE, GUNICORN_BIND=f"{env.HOST}:{PORT}")
    variables.pop("STANDBY_DATABASE_URL")
    variables["DATABASE_URL"] = f"postgres://postgres@{nodes}/{DB}?target_session_attrs=read-write"
    variables["STANDBY_DATABASE_URLS"] = members
    return variables


# --- The people -------------------------------------------------------------------------


class Log:
    """Every answer, from every thread: each sending of a form, each read, and when."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: list[tuple[str, int, float, float]] = []  # kind, status, at, seconds
        self.errors: Counter[str] = Counter()
        self.numbers = iter(range(1, 10**9))
        self.confirmed: dict[int, tuple[float, float]] = {}
        """Save number -> when the sending that got its 302 was sent, and when it came."""
        self.sendings: Counter[int] = Counter()  # save number -> times sent
        self.stale_reads: list[str] = []

    def next_number(self) -> int:
        with self.lock:
            return next(self.numbers)

    def answer(self, kind: str, status: int, started: float) -> None:
        with self.lock:
            self.answers.append((kind, status, started, time.monotonic() - started))

    def error(self, kind: str, error: BaseException) -> None:
        with self.lock:
            self.errors[f"{kind}: {type(error).__name__}"] += 1
            self.answers.append((kind, 0, time.monotonic(), 0.0))


class Browser:
    """One person's browser: a keep-alive connection, the session, and the cookies the
    site sets that matter here (``read_position``)."""

    def __init__(self, cookie_name: str, session: str) -> None:
        self.csrf = uuid.uuid4().hex  # a CSRF secret of our own: cookie and form agree
        self.cookies = {cookie_name: session, "csrftoken": self.csrf}
        self.connection = self._connect()

    @staticmethod
    def _connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(env.HOST, PORT, timeout=60)

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.csrf})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = self._connect()
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                self._keep(value)
        return response.status, content

    def _keep(self, header: str) -> None:
        name, _, rest = header.partition("=")
        if name not in KEPT_COOKIES:
            return
        value = rest.split(";", 1)[0].strip('"')
        if "max-age=0" in header.lower() or not value:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def close(self) -> None:
        self.connection.close()


def writer(people: dict, session: str, log: Log, stop: threading.Event, pace: float) -> None:
    """Log time at a steady pace; send each form until it is confirmed; then read it."""
    browser = Browser(people["cookie_name"], session)
    day = 0
    while not stop.is_set():
        day += 1
        number = log.next_number()
        form = {
            "project": people["project"],
            "date": time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400 * (day % 150))),
            "hours": "0.25",
            "description": f"{DESCRIPTION} #{number}",
            "billable": "on",
            "submission": str(uuid.uuid4()),
        }
        confirmed = False
        while not confirmed and not stop.is_set():
            started = time.monotonic()
            with log.lock:
                log.sendings[number] += 1
            try:
                status, _ = browser.request("POST", "/timecards/new/", form)
            except (OSError, http.client.HTTPException) as error:
                log.error("save", error)
                time.sleep(0.2)
                continue
            log.answer("save", status, started)
            if status == 302:
                confirmed = True
                with log.lock:
                    log.confirmed[number] = (started, time.monotonic())
            else:
                time.sleep(0.2)  # the 503 says "in a moment"
        if confirmed:
            read_own_save(browser, number, log)
        stop.wait(pace)
    browser.close()


def read_own_save(browser: Browser, number: int, log: Log) -> None:
    """The writer's next read shows its save (the export, wherever it is served from)."""
    started = time.monotonic()
    try:
        status, body = browser.request("GET", EXPORT)
    except (OSError, http.client.HTTPException) as error:
        log.error("own save", error)
        return
    log.answer("own save", status, started)
    if status == 200 and str(number) not in SAVED.findall(body.decode()):
        with log.lock:
            log.stale_reads.append(f"#{number} missing from the writer's next read")


def reader(
    cookie_name: str, session: str, turn: int, log: Log, stop: threading.Event, pace: float
) -> None:
    browser = Browser(cookie_name, session)
    while not stop.wait(pace):
        path = REPORTS[turn % len(REPORTS)]
        turn += 1
        started = time.monotonic()
        try:
            status, _ = browser.request("GET", path)
        except (OSError, http.client.HTTPException) as error:
            log.error("report", error)
            time.sleep(0.2)
            continue
        log.answer("report", status, started)
    browser.close()


# --- The failure ------------------------------------------------------------------------


def kill_leader() -> tuple[str, float]:
    """SIGKILL the leader's postmaster (its backends follow): the host is lost."""
    lost = leader()
    pid = int((PG_DIR / lost / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    return lost, time.monotonic()


def run(seconds: float, before_kill: float, before_rejoin: float, pace: float) -> dict:
    prepare()
    people = env.run_django("bench.writers", "--people", "3", **_django_db())
    staff_session = env.run_django("bench.session", **_django_db())
    log_file = env.VAR / "gunicorn-failover.log"
    log_file.unlink(missing_ok=True)
    process = start_site(log_file)
    log, stop = Log(), threading.Event()
    threads = [
        threading.Thread(target=writer, args=(people, session, log, stop, pace))
        for session in people["cookies"]
    ]
    threads += [
        threading.Thread(
            target=reader,
            args=(staff_session["name"], staff_session["value"], n, log, stop, pace),
        )
        for n in range(2)
    ]
    started = time.monotonic()
    timeline: dict = {}
    try:
        for thread in threads:
            thread.start()
        at_risk = measure_bytes_at_risk(before_kill)
        timeline["lost"], killed_at = kill_leader()
        timeline["killed_at_s"] = round(killed_at - started, 2)
        failover_output = pair("failover")
        timeline["promoted"] = leader()
        timeline["promoted_after_s"] = round(time.monotonic() - killed_at, 2)
        timeline["failover_output"] = failover_output.strip().splitlines()
        time.sleep(before_rejoin)
        rejoin_started = time.monotonic()
        pair("up")
        timeline["rejoined_after_s"] = round(time.monotonic() - killed_at, 2)
        timeline["rejoin_took_s"] = round(time.monotonic() - rejoin_started, 2)
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        stop_site(process)
    figures = judge(log, killed_at, timeline)
    figures["seconds"] = round(time.monotonic() - started, 1)
    figures["mode"] = MODE
    figures["bytes_at_risk"] = at_risk
    return figures


def measure_bytes_at_risk(seconds: float) -> dict:
    """For ``seconds`` under load, every 50 ms: how much WAL the leader has written that
    the most advanced standby has not yet flushed. A failover promotes that standby, so
    in asynchronous mode this is what a failover at that moment would lose (synchronous
    mode confirms no commit beyond it)."""
    samples = []
    deadline = time.monotonic() + seconds
    connection = env.connect(node_port(leader()))
    try:
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(
                    "select min(pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn))"
                    " from pg_stat_replication where state = 'streaming'"
                )
                (behind,) = cursor.fetchone()
                if behind is not None:
                    samples.append(int(behind))
                time.sleep(0.05)
    finally:
        connection.close()
    return {
        "samples": len(samples),
        "at_kill": samples[-1] if samples else None,
        "median": int(median(samples)) if samples else None,
        "max": max(samples, default=None),
    }


def _django_db() -> dict:
    """``env.run_django``'s database arguments: the run's database on the leader."""
    standby = f"postgres://postgres@{env.HOST}:{node_port('standby')}/{DB}"
    return {"db": DB, "DATABASE_URL": site_env()["DATABASE_URL"], "STANDBY_DATABASE_URL": standby}


def prepare() -> None:
    """The cluster up with `primary` leading (a run may have left another leading), and
    a database of the run's own with a little demo data."""
    pair("up")
    if leader() != "primary":
        pair("switchover", "primary")
    env.collect_static()
    port = node_port("primary")
    env.query(f'drop database if exists "{DB}" with (force)', port=port)
    env.query(f'create database "{DB}"', port=port)
    variables = site_env()
    for command in (
        ["migrate", "--noinput", "-v", "0"],
        ["seed", "--users", "4", "--weeks", "4", "--no-progress"],
    ):
        subprocess.run(
            [env.PYTHON, "manage.py", *command],
            cwd=env.REPO,
            env=variables,
            check=True,
            capture_output=True,
        )


def start_site(log_file: Path) -> subprocess.Popen:
    from bench import throughput

    process = subprocess.Popen(
        [env.PYTHON, "-m", "gunicorn", "--config", throughput.GUNICORN_CONF, "config.wsgi"],
        cwd=env.REPO,
        env=site_env(),
        stdout=subprocess.DEVNULL,
        stderr=log_file.open("ab"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log_file}")
        try:
            connection = http.client.HTTPConnection(env.HOST, PORT, timeout=5)
            connection.request("GET", "/accounts/login/")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    stop_site(process)
    raise RuntimeError(f"gunicorn did not answer within 60 s; see {log_file}")


def stop_site(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- The verdict ------------------------------------------------------------------------


def saved_numbers(port: int) -> Counter[int]:
    rows = env.query(
        "select description from timetrack_timecard where description like %s",
        (f"{DESCRIPTION} #%",),
        port=port,
        db=DB,
    )
    return Counter(int(SAVED.search(description)[1]) for (description,) in rows)


def judge(log: Log, killed_at: float, timeline: dict) -> dict:
    leader_port = node_port(leader())
    saved = saved_numbers(leader_port)
    wait_for_standbys()
    on_standbys = {
        node: sum(saved_numbers(node_port(node)).values()) for node in NODES if node != leader()
    }
    confirmed = set(log.confirmed)
    # A save sent after the kill (one in flight then may still have been confirmed).
    after_kill = [at for sent, at in log.confirmed.values() if sent > killed_at]
    recovered_at = min(after_kill, default=None)
    refused = [
        status
        for kind, status, at, _ in log.answers
        if kind == "save" and status != 302 and killed_at <= at <= (recovered_at or at)
    ]
    kinds = sorted({kind for kind, *_ in log.answers})
    statuses = {
        kind: dict(Counter(_status(status) for k, status, *_ in log.answers if k == kind))
        for kind in kinds
    }
    times = {
        kind: [seconds * 1000 for k, status, _, seconds in log.answers if k == kind and status]
        for kind in statuses
    }
    figures = {
        "timeline": timeline,
        "answers": {
            kind: {
                "count": sum(statuses[kind].values()),
                "statuses": statuses[kind],
                "p50_ms": round(median(times[kind]), 1) if times[kind] else None,
                "p99_ms": round(percentile(times[kind], 99), 1) if times[kind] else None,
            }
            for kind in statuses
        },
        "errors": dict(log.errors),
        "saves_confirmed": len(confirmed),
        "sendings_refused": len(refused) + sum(log.errors.values()),
        "first_save_after_kill_s": (round(min(after_kill) - killed_at, 2) if after_kill else None),
        "confirmed_missing": sorted(confirmed - set(saved)),
        "saved_twice": sorted(number for number, count in saved.items() if count > 1),
        "saved_on_leader": sum(saved.values()),
        "saved_on_standbys": on_standbys,
        "stale_reads": log.stale_reads,
    }
    figures["broken_promises"] = broken_promises(figures)
    return figures


def _status(status: int) -> str:
    return str(status) if status else "no answer"


def wait_for_standbys(timeout: float = 60) -> None:
    (lsn,) = env.query("select pg_current_wal_lsn()::text", port=node_port(leader()))[0]
    deadline = time.monotonic() + timeout
    for node in NODES:
        if node == leader():
            continue
        while True:
            (done,) = env.query(
                "select pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,), port=node_port(node)
            )[0]
            if done:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{node} did not replay up to {lsn} in {timeout:.0f} s")
            time.sleep(0.05)


def broken_promises(figures: dict) -> list[str]:
    broken = []
    for kind, found in figures["answers"].items():
        for status, count in found["statuses"].items():
            if status != "no answer" and int(status) not in PROMISED[kind]:
                broken.append(f"{count} {kind} answers were {status}")
    if figures["errors"]:
        broken.append(f"requests the site did not answer: {figures['errors']}")
    if figures["confirmed_missing"] and MODE == "synchronous":  # asynchronous: reported
        broken.append(f"confirmed saves lost: {figures['confirmed_missing'][:10]}")
    if figures["saved_twice"]:
        broken.append(f"forms saved twice: {figures['saved_twice'][:10]}")
    if figures["stale_reads"]:
        broken.append(f"reads older than the reader's own save: {figures['stale_reads'][:5]}")
    if figures["first_save_after_kill_s"] is None:
        broken.append("no save was confirmed after the primary was killed")
    for node, count in figures["saved_on_standbys"].items():
        if count != figures["saved_on_leader"]:
            broken.append(f"{node} holds {count} saves, the leader {figures['saved_on_leader']}")
    return broken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="the whole run under load")
    parser.add_argument("--before-kill", type=float, default=10)
    parser.add_argument("--before-rejoin", type=float, default=10)
    parser.add_argument(
        "--pace", type=float, default=0.05, help="the pause between two saves, or two pages"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=env.RESULTS / RESULTS[MODE],
    )
    parser.add_argument("--markdown", type=Path, help="write RELIABILITY.md here")
    args = parser.parse_args()
    env.VAR.mkdir(parents=True, exist_ok=True)
    figures = run(args.seconds, args.before_kill, args.before_rejoin, args.pace)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    if args.markdown:
        from bench import reliability

        reliability.write(args.markdown)
    print(json.dumps({key: figures[key] for key in ("answers", "timeline", "broken_promises")}))
    if figures["broken_promises"]:
        raise SystemExit("failover: broken promises: " + "; ".join(figures["broken_promises"]))
    print(
        f"failover: {figures['timeline']['lost']} lost, {figures['timeline']['promoted']}"
        f" promoted; first save {figures['first_save_after_kill_s']} s after the kill,"
        f" {figures['sendings_refused']} sendings refused meanwhile,"
        f" {figures['saves_confirmed']} saves confirmed, none lost or doubled"
    )


if __name__ == "__main__":
    main()
