"""RELIABILITY.md from the figures of one ``make chaos`` run."""

from __future__ import annotations

from bench import chaos


def render(figures: dict) -> str:
    rows = []
    for kind, found in figures["requests"].items():
        statuses = ", ".join(
            f"{status}: {count}" for status, count in sorted(found["statuses"].items())
        )
        p99 = "" if found["p99_ms"] is None else f"{found['p99_ms']:.0f}"
        p50 = "" if found["p50_ms"] is None else f"{found['p50_ms']:.0f}"
        rows.append(f"| {kind} | {found['requests']:,} | {statuses} | {p50} | {p99} |")
    actions = counts_of(figures["actions"])
    settings = ", ".join(f"`{name}={value}`" for name, value in chaos.SITE.items())
    verdict = (
        "Every promise held."
        if not figures["broken_promises"]
        else "**Broken:** " + "; ".join(figures["broken_promises"])
    )
    return f"""# Reliability

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


def _stale(stale_exports: list[float]) -> str:
    if not stale_exports:
        return "none missed one"
    return f"{len(stale_exports)} missed one, by up to {max(stale_exports)} s"


def counts_of(actions: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for action in actions:
        counts[action["action"]] = counts.get(action["action"], 0) + 1
    return counts
