"""RELIABILITY.md from the figures of the last ``make chaos`` and ``make chaos-failover``
runs (``bench/results/chaos.json`` and ``failover.json``)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import chaos, env, failover


def write(path: Path) -> None:
    """RELIABILITY.md from the results of both runs kept in ``bench/results``."""
    sections = []
    chaos_results = env.RESULTS / "chaos.json"
    if chaos_results.exists():
        sections.append(render(json.loads(chaos_results.read_text())))
    runs = [
        json.loads((env.RESULTS / failover.results_name(cluster, mode)).read_text())
        for cluster in ("native", "compose")
        for mode in ("synchronous", "asynchronous")
        if (env.RESULTS / failover.results_name(cluster, mode)).exists()
    ]
    if runs:
        sections.append(render_failover(runs))
    compose_results = env.RESULTS / "compose-failover.json"
    if compose_results.exists():
        sections.append(render_compose(json.loads(compose_results.read_text())))
    path.write_text("\n".join(sections))


def render(figures: dict) -> str:
    rows = _answer_rows(figures["requests"], count="requests")
    actions = counts_of(figures["actions"])
    settings = ", ".join(f"`{name}={value}`" for name, value in chaos.SITE.items())
    verdict = _verdict(figures["broken_promises"])
    return f"""# Reliability

## When a standby fails

`make chaos` ({figures["seconds"]:.0f} s): gunicorn serves the site on the native pair while
people save timecards and others load the report pages and the CSV export, and a loop
does to the standby, in turn: {", ".join(f"{name} ({count}x)" for name, count in actions.items())}.
Each failure lasts a few seconds, with a calm between two. The method is in
`bench/chaos.py`; the figures in `bench/results/chaos.json`. `make test` runs a short
run of the same (15 s, on a primary and standby of its own in `.pg-chaos/`) and fails on
any broken promise.

{verdict}

| requests | count | status codes | p50 ms | p99 ms |
|---|---|---|---|---|
{chr(10).join(rows)}

- **Status codes**: a save answers 302 (saved) or 200 (the form again, refused); a report
  or the export answers 200, or a 503 page the site promises. "no answer" would be a
  request gunicorn never answered: {figures["errors"] or "none"}.
- **The breaker** opened {figures["breaker"]["opened"]} times and closed
  {figures["breaker"]["closed"]} times (each state change is logged once, as
  "Standby 'standby' is unreachable" and "is reachable again").
- **Nothing lost**: {figures["saves_confirmed"]:,} saves were confirmed with a redirect
  ({figures["saves_unanswered"]} went unanswered); the primary holds
  {figures["saved_on_primary"]:,} of those timecards, and the standby, once replay caught
  up, {figures["saved_on_standby"]:,}.
- **Nothing stale past the bound**: each of the {figures["exports_checked"]:,} complete CSV
  exports (every timecard, from whichever server served it) was checked for every save
  confirmed more than the lag bound (`STANDBY_MAX_LAG_SECONDS`) and
  {chaos.STALE_SLACK_SECONDS} s before it was asked for: {_stale(figures["stale_exports"])}.

The site's settings for this run: {settings}.
"""


def _answer_rows(by_kind: dict, *, count: str) -> list[str]:
    """A table row for each kind of request: how many, their status codes, p50, p99."""
    rows = []
    for kind, found in by_kind.items():
        statuses = ", ".join(
            f"{status}: {number}" for status, number in sorted(found["statuses"].items())
        )
        p50 = "" if found["p50_ms"] is None else f"{found['p50_ms']:.0f}"
        p99 = "" if found["p99_ms"] is None else f"{found['p99_ms']:.0f}"
        rows.append(f"| {kind} | {found[count]:,} | {statuses} | {p50} | {p99} |")
    return rows


def _verdict(broken_promises: list[str]) -> str:
    if not broken_promises:
        return "Every promise held."
    return "**Broken:** " + "; ".join(broken_promises)


def _stale(stale_exports: list[float]) -> str:
    if not stale_exports:
        return "none missed one"
    return f"{len(stale_exports)} missed one, by up to {max(stale_exports)} s"


def counts_of(actions: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for action in actions:
        counts[action["action"]] = counts.get(action["action"], 0) + 1
    return counts


def render_failover(runs: list[dict]) -> str:
    settings = ", ".join(f"`{name}={value}`" for name, value in failover.SITE.items())
    return f"""
## When the primary fails

`make chaos-failover`: three native nodes (`.pg-failover/`), gunicorn with every node in
`DATABASE_URL` (`target_session_attrs=read-write`) and every node a member of the
standby group; `make chaos-failover-compose` runs the same against the compose stack
(Patroni and etcd). Three people save timecards at a steady pace (each form sent again,
the same form, until it is confirmed) and read the CSV export after each confirmed save;
two others load the report pages. Mid-run the leader is killed: natively `SIGKILL` on its
postmaster, then `native-pair.sh failover` promotes the standby that received the most
(at once: what Patroni does once the lost leader's key expires), and `native-pair.sh up`
brings the old leader back as a standby (a fresh clone); in compose its container is
killed (`docker kill`), Patroni elects the next leader once the lost one's key expires
(`PATRONI_TTL`), and `compose start` brings the old one back (`pg_rewind`). The method is
in `bench/failover.py`; `make test` runs a short native form of it (synchronous, 14 s)
and fails on any broken promise. The native site's settings: {settings} (compose's:
`.env`).
{"".join(_failover_run(figures) for figures in runs)}"""


def _failover_run(figures: dict) -> str:
    timeline = figures["timeline"]
    rows = _answer_rows(figures["answers"], count="count")
    verdict = _verdict(figures["broken_promises"])
    missing = len(figures["confirmed_missing"])
    standbys = ", ".join(f"{n} {c:,}" for n, c in figures["saved_on_standbys"].items())
    risk = figures.get("bytes_at_risk") or {}
    return f"""
### {_cluster_name(figures)}, {figures["mode"]} replication ({figures["seconds"]:.0f} s)

{timeline["killed_at_s"]} s in, `{timeline["lost"]}` was killed; `{timeline["promoted"]}`
led {timeline["promoted_after_s"]} s after the kill, and `{timeline["lost"]}` was a
standby again {timeline["rejoined_after_s"]} s after it (bringing it back took
{timeline["rejoin_took_s"]} s). {verdict}

| answers | count | status codes | p50 ms | p99 ms |
|---|---|---|---|---|
{chr(10).join(rows)}

- **Time to recover**: the first save sent after the kill was confirmed
  **{figures["first_save_after_kill_s"]} s** after it (goal: under 10 s natively, under
  30 s with Patroni).
- **Refused meanwhile**: from the kill to that save, {figures["sendings_refused"]}
  sendings of a form were answered with the 503 page ("send it again"); requests that
  got no answer at all: {figures["errors"] or "none"}.
- **Lost confirmed saves: {missing}** of {figures["saves_confirmed"]:,} confirmed.
- **Bytes at risk**: the WAL the leader had written that its most advanced standby had
  not flushed, sampled every 50 ms before the kill: median {_bytes(risk.get("median"))},
  largest {_bytes(risk.get("max"))}, at the kill {_bytes(risk.get("at_kill"))}. In
  asynchronous mode a failover loses up to that (Patroni refuses to promote a standby
  further behind than `maximum_lag_on_failover`); in synchronous mode no commit is
  confirmed beyond it.
- **Saved twice: {len(figures["saved_twice"])}**: every form resent after a 503 carried its
  submission id; the leader holds {figures["saved_on_leader"]:,} of the run's timecards,
  and the standbys, once caught up: {standbys}.
- **Read-your-writes across the failover**: after each confirmed save the writer's next
  read (the export) held it: {len(figures["stale_reads"])} did not.
"""


def _cluster_name(figures: dict) -> str:
    return {"native": "Native nodes", "compose": "Compose, with Patroni"}[
        figures.get("cluster", "native")
    ]


def _bytes(value: int | None) -> str:
    return "?" if value is None else f"{value:,} bytes"


def render_compose(figures: dict) -> str:
    return f"""
### In compose, with Patroni

`make compose-test` kills the leader's container outright (`docker kill`: its host lost)
in {figures["replication_mode"]} mode, with `PATRONI_TTL={figures["patroni_ttl"]}`: the
lost leader's key expires in etcd, a standby takes over, and the site finds it through
`DATABASE_URL`. `{figures["lost"]}` was killed and `{figures["promoted"]}` took over; a
save filled in before the kill and sent again after each 503 went through
**{figures["first_save_after_kill_s"]} s** after the kill (goal: under 30 s), with
{figures["sendings_refused"]} sendings refused meanwhile; confirmed saves lost:
{figures["confirmed_lost"]}. `{figures["lost"]}`, started again, was back as a standby
with every save {figures["rejoined_after_s"]} s after the kill.
"""
