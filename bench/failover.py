"""``make chaos-failover``: the primary is killed under load, a standby takes over.

A Jepsen-style run against a cluster of three nodes (``bench.failover_clusters``): three
native nodes of the run's own (``.pg-failover/``, synchronous by default: a commit is
confirmed once a standby has it), or, with ``--cluster compose``, the compose stack of
``make up`` (Patroni and etcd). The site has every node in one ``DATABASE_URL``
(``target_session_attrs=read-write``) and every node a member of the standby group, as
``make run-pg`` and compose have. Meanwhile (``bench.failover_people``):

- **writers** post the "Log time" form at a steady pace, each form with its own
  submission id. A save answered 503 (or not answered) is sent again, the same form,
  until it is confirmed: the site promises that a form sent twice logs the time once.
  After each confirmed save the writer loads the CSV export with its own cookies: its
  save must be there (read-your-writes, across the failover too);
- **readers** load the report pages.

After a few seconds the leader is killed: natively ``SIGKILL`` on its postmaster, then
``native-pair.sh failover`` promotes the standby that received the most at once (what
Patroni does once the lost leader's key expires); in compose its container is killed and
Patroni elects the next leader. A few seconds later the old leader is brought back as a
standby.

It fails when a save that got a 302 is missing afterwards (in synchronous mode), a form
is saved twice, an answer is a 5xx other than the promised 503, a request goes
unanswered, or a writer's export misses its own confirmed save. It reports the time from
the kill to the first confirmed save sent after it, how many sendings were refused
meanwhile, and the WAL an asynchronous failover would have put at risk; the figures go
to ``bench/results/`` (or ``--out``), and ``--markdown`` writes RELIABILITY.md.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from bench import env
from bench.failover_clusters import SITE, Cluster, ComposeCluster, NativeCluster
from bench.failover_people import Log, reader, writer
from bench.stats import median, percentile

__all__ = ["SITE", "main"]

PROMISED = {"save": {302, 503}, "own save": {200, 503}, "report": {200, 503}}
"""The answers the site promises: a save is saved (302) or refused with the 503 page;
a read is served, or the 503 page of a database that stopped answering."""


def results_name(cluster: str, mode: str) -> str:
    """Where `make chaos-failover` keeps a run's figures (RELIABILITY.md shows each)."""
    return f"failover-{cluster}-{mode}.json"


def run(cluster: Cluster, seconds: float, before_kill: float, before_rejoin: float, pace: float):
    cluster.prepare()
    try:
        people = cluster.people(3)
        staff = cluster.staff_session()
        mode = replication_mode(cluster)
        log, stop = Log(uuid.uuid4().hex[:8]), threading.Event()
        port = cluster.site_port
        threads = [
            threading.Thread(target=writer, args=(port, people, session, log, stop, pace))
            for session in people["cookies"]
        ]
        threads += [
            threading.Thread(target=reader, args=(port, staff, n, log, stop, pace))
            for n in range(2)
        ]
        started = time.monotonic()
        timeline: dict = {}
        try:
            for thread in threads:
                thread.start()
            at_risk = measure_bytes_at_risk(cluster, before_kill)
            timeline["lost"] = lost = cluster.kill_leader()
            killed_at = time.monotonic()
            timeline["killed_at_s"] = round(killed_at - started, 2)
            timeline["promoted"] = cluster.fail_over(lost)
            timeline["promoted_after_s"] = round(time.monotonic() - killed_at, 2)
            time.sleep(before_rejoin)
            rejoin_started = time.monotonic()
            cluster.rejoin(lost)
            timeline["rejoined_after_s"] = round(time.monotonic() - killed_at, 2)
            timeline["rejoin_took_s"] = round(time.monotonic() - rejoin_started, 2)
            time.sleep(max(0.0, seconds - (time.monotonic() - started)))
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=120)
    finally:
        cluster.finish()
    figures = judge(cluster, log, killed_at, timeline, mode)
    figures.update(
        cluster=cluster.name,
        seconds=round(time.monotonic() - started, 1),
        mode=mode,
        bytes_at_risk=at_risk,
    )
    figures["broken_promises"] = broken_promises(figures)
    return figures


def replication_mode(cluster: Cluster) -> str:
    """What the leader runs: synchronous when it names standbys to wait for."""
    (names,) = cluster.query(
        cluster.leader(), "select current_setting('synchronous_standby_names')"
    )[0]
    return "synchronous" if names else "asynchronous"


def measure_bytes_at_risk(cluster: Cluster, seconds: float) -> dict:
    """For ``seconds`` under load, every 50 ms: how much WAL the leader has written that
    the most advanced standby has not yet flushed. A failover promotes that standby, so
    in asynchronous mode this is what a failover at that moment would lose (synchronous
    mode confirms no commit beyond it)."""
    samples = []
    deadline = time.monotonic() + seconds
    connection = cluster.connect(cluster.leader())
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


# --- The verdict ------------------------------------------------------------------------


def saved_numbers(cluster: Cluster, node: str, log: Log) -> Counter[int]:
    rows = cluster.query(
        node,
        "select description from timetrack_timecard where description like %s",
        (f"{log.marker} #%",),
    )
    return Counter(number for (description,) in rows for number in log.saved_numbers(description))


def judge(cluster: Cluster, log: Log, killed_at: float, timeline: dict, mode: str) -> dict:
    leader = cluster.leader()
    saved = saved_numbers(cluster, leader, log)
    wait_for_standbys(cluster, leader)
    on_standbys = {
        node: sum(saved_numbers(cluster, node, log).values())
        for node in cluster.nodes
        if node != leader
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
    return {
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
        "sendings_refused": len(refused),
        "first_save_after_kill_s": (
            None if recovered_at is None else round(recovered_at - killed_at, 2)
        ),
        "confirmed_missing": sorted(confirmed - set(saved)),
        "saved_twice": sorted(number for number, count in saved.items() if count > 1),
        "saved_on_leader": sum(saved.values()),
        "saved_on_standbys": on_standbys,
        "stale_reads": log.stale_reads,
    }


def _status(status: int) -> str:
    return str(status) if status else "no answer"


def wait_for_standbys(cluster: Cluster, leader: str, timeout: float = 60) -> None:
    (lsn,) = cluster.query(leader, "select pg_current_wal_lsn()::text")[0]
    deadline = time.monotonic() + timeout
    for node in cluster.nodes:
        if node == leader:
            continue
        while True:
            (done,) = cluster.query(node, "select pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,))[
                0
            ]
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
    if figures["confirmed_missing"] and figures["mode"] == "synchronous":
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
    parser.add_argument("--cluster", choices=("native", "compose"), default="native")
    parser.add_argument(
        "--mode",
        choices=("synchronous", "asynchronous"),
        default="synchronous",
        help="native only (compose runs what .env's REPLICATION_MODE says)",
    )
    parser.add_argument("--seconds", type=float, default=60, help="the whole run under load")
    parser.add_argument("--before-kill", type=float, default=10)
    parser.add_argument("--before-rejoin", type=float, default=10)
    parser.add_argument(
        "--pace", type=float, default=0.05, help="the pause between two saves, or two pages"
    )
    parser.add_argument("--out", type=Path, help="default: bench/results/failover-*.json")
    parser.add_argument("--markdown", type=Path, help="write RELIABILITY.md here")
    args = parser.parse_args()
    env.VAR.mkdir(parents=True, exist_ok=True)
    cluster = NativeCluster(args.mode) if args.cluster == "native" else ComposeCluster()
    figures = run(cluster, args.seconds, args.before_kill, args.before_rejoin, args.pace)
    out = args.out or env.RESULTS / results_name(figures["cluster"], figures["mode"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    if args.markdown:
        from bench import reliability

        reliability.write(args.markdown)
    print(json.dumps({key: figures[key] for key in ("answers", "timeline", "broken_promises")}))
    if figures["broken_promises"]:
        raise SystemExit("failover: broken promises: " + "; ".join(figures["broken_promises"]))
    print(
        f"failover ({figures['cluster']}, {figures['mode']}): {figures['timeline']['lost']}"
        f" lost, {figures['timeline']['promoted']} promoted; first save"
        f" {figures['first_save_after_kill_s']} s after the kill,"
        f" {figures['sendings_refused']} sendings refused meanwhile,"
        f" {figures['saves_confirmed']} saves confirmed,"
        f" {len(figures['confirmed_missing'])} lost, none doubled"
    )


if __name__ == "__main__":
    main()
