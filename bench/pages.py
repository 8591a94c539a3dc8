"""Section 2 probe: each report page's server time against its own SQL run raw.

Run by the orchestrator as ``python -m bench.pages`` in a Django process on one
benchmark database. A page is requested through Django's test ``Client`` (the whole
middleware stack: session, authentication, read-your-writes, the ``read_from`` scope),
logged in as the staff demo user. Its queries are captured once per alias with
``CaptureQueriesContext``; those the page ran on the standby are then re-run raw on a
plain psycopg2 connection to the standby, fetching every row: the limit of what the
page could cost. Page and raw SQL alternate, run after run, and the ratio is taken
within each pair. ``--runs 0`` only counts the queries (the constant-count check).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import pstats
import re
import time
from pathlib import Path

import django

django.setup()

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import engines, env, hand_sql, own_time, plans  # noqa: E402
from bench.floor import FLOOR_URL  # noqa: E402
from bench.markdown import PAGE_TARGET  # noqa: E402
from bench.stats import median, summary  # noqa: E402
from core.routing.measure import STATUS_SQL  # noqa: E402
from timetrack.demo import STAFF_USERNAME  # noqa: E402
from timetrack.periods import week_start  # noqa: E402

ALIASES = ("default", "standby")
WARM_UP = 2


def report_pages() -> dict[str, str]:
    """The report pages as a person opens them, and the hours page at its widest range."""
    today = timezone.localdate()
    widest = week_start(today) - datetime.timedelta(weeks=25)
    return {
        "dashboard": "/reports/",
        "hours": "/reports/hours/",
        "hours_26_weeks": f"/reports/hours/?start={widest}&end={today}",
        "unbilled": "/reports/unbilled/",
        "invoices": "/reports/invoices/",
    }


def logged_in_client() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=STAFF_USERNAME))
    return client


def get(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    b"".join(response) if response.streaming else response.content


def timed_get(client: Client, url: str) -> tuple[float, own_time.Clock]:
    """Seconds of one request of ``url``, and where they went (``bench.own_time``)."""
    return own_time.timed(lambda: get(client, url))


def capture(client: Client, url: str) -> dict[str, list[dict]]:
    """The queries one request ran, per alias (SQL with its parameters inlined)."""
    contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in ALIASES}
    for context in contexts.values():
        context.__enter__()
    try:
        get(client, url)
    finally:
        for context in contexts.values():
            context.__exit__(None, None, None)
    return {alias: list(context.captured_queries) for alias, context in contexts.items()}


DECLARE = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH HOLD FOR ', re.IGNORECASE)


def runnable(sql: str) -> str:
    """The SELECT itself: ``.iterator()`` (a form's choices) runs it in a server cursor."""
    return DECLARE.sub("", sql)


def is_report_query(sql: str) -> bool:
    """The page's own reads, not the replication-status probe (cached for 5 s)."""
    return sql.strip() != STATUS_SQL.strip()


def raw_standby() -> psycopg2.extensions.connection:
    standby = settings.DATABASES["standby"]
    connection = psycopg2.connect(
        host=standby["HOST"], port=standby["PORT"], user=standby["USER"], dbname=standby["NAME"]
    )
    connection.autocommit = True
    return connection


def run_raw(cursor: psycopg2.extensions.cursor, queries: list[str]) -> list[float]:
    """Seconds of each query, run raw and fetched to the last row."""
    times = []
    for sql in queries:
        started = time.perf_counter()
        cursor.execute(sql)
        cursor.fetchall()
        times.append(time.perf_counter() - started)
    return times


def measure(client: Client, cursor: psycopg2.extensions.cursor, url: str, runs: int) -> dict:
    for _ in range(WARM_UP):
        get(client, url)
    captured = capture(client, url)
    counts = {alias: len(queries) for alias, queries in captured.items()}
    figures: dict = {"url": url, "queries": counts}
    report_sql = [runnable(q["sql"]) for q in captured["standby"] if is_report_query(q["sql"])]
    figures["report_queries"] = len(report_sql)
    if not runs:
        return figures
    server, raw, ratios, per_query = [], [], [], [[] for _ in report_sql]
    for _ in range(WARM_UP):
        run_raw(cursor, report_sql)
    splits = []
    for _ in range(runs):
        seconds, clock = timed_get(client, url)
        server.append(seconds)
        splits.append(clock)
        times = run_raw(cursor, report_sql)
        raw.append(sum(times))
        ratios.append(server[-1] / raw[-1])
        for series, seconds in zip(per_query, times, strict=True):
            series.append(seconds)
    figures.update(
        server_ms=summary([s * 1000 for s in server]),
        raw_sql_ms=summary([s * 1000 for s in raw]),
        ratio=median(ratios),
        overhead_ms=median([(s - r) * 1000 for s, r in zip(server, raw, strict=True)]),
        sql=[
            {"sql": sql, "raw_ms": median(series) * 1000}
            for sql, series in zip(report_sql, per_query, strict=True)
        ],
        runs=[
            {**clock.figures(total), "raw_sql_ms": sql * 1000}
            for total, sql, clock in zip(server, raw, splits, strict=True)
        ],
    )
    return figures


def save_profile(client: Client, name: str, url: str, folder: Path) -> None:
    """Where a page's own time goes (cProfile of three requests, by cumulative time)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3):
        get(client, url)
    profiler.disable()
    folder.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    out.write(f"# {name}: {url} (cProfile, 3 requests; times inflated by the profiler)\n\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    (folder / f"{name}.txt").write_text(out.getvalue())


def save_plans(cursor: psycopg2.extensions.cursor, name: str, figures: dict, folder: Path) -> None:
    queries = []
    for query in figures["sql"]:
        plan = plans.explain(cursor, query["sql"])
        query["scans"] = plans.scans(plan)
        queries.append((query["sql"], query["raw_ms"], plan))
    plans.save(folder / f"{name}.txt", f"{name}: {figures['url']}", queries)


def measure_floor(client: Client, runs: int) -> dict:
    """The fixed cost: the same stack around a page that runs no report query."""
    for _ in range(WARM_UP):
        get(client, FLOOR_URL)
    captured = capture(client, FLOOR_URL)
    figures: dict = {
        "url": FLOOR_URL,
        "queries": {alias: len(queries) for alias, queries in captured.items()},
        "primary_sql": [query["sql"] for query in captured["default"]],
    }
    if runs:
        server, splits = [], []
        for _ in range(runs * 2):
            seconds, clock = timed_get(client, FLOOR_URL)
            server.append(seconds)
            splits.append(clock)
        figures["runs"] = [
            clock.figures(total) for total, clock in zip(server, splits, strict=True)
        ]
        figures["server_ms"] = summary([seconds * 1000 for seconds in server])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--runs", type=int, default=0)
    parser.add_argument("--plans", help="folder for the EXPLAIN (ANALYZE, BUFFERS) files")
    parser.add_argument("--profiles", help="folder for the pages' profiles")
    parser.add_argument("--target", type=float, default=PAGE_TARGET)
    args = parser.parse_args()
    settings.ROOT_URLCONF = "bench.floor"  # the site's URLs and the floor page
    client = logged_in_client()
    floor = measure_floor(client, args.runs)
    connection = raw_standby()
    pages = {}
    with connection.cursor() as cursor:
        for name, url in report_pages().items():
            pages[name] = measure(client, cursor, url, args.runs)
            if args.plans and args.runs:
                save_plans(cursor, name, pages[name], Path(args.plans))
            if args.profiles and args.runs:  # every page: a ratio near the target moves
                save_profile(client, name, url, Path(args.profiles))
    connection.close()
    found = {"pages": pages, "floor": floor}
    if args.runs:
        found["engines"] = {
            name: engines.compare(client, report_pages()[name])
            for name in ("hours", "hours_26_weeks")
        }
        found["template_parts"] = {
            name: engines.template_parts(client, report_pages()[name])
            for name in ("hours", "hours_26_weeks")
        }
        found["hand_sql"] = hand_sql.compare(
            {name: report_pages()[name] for name in ("hours", "hours_26_weeks")},
            get_user_model().objects.get(username=STAFF_USERNAME),
        )
    env.write_json(args.out, found)


if __name__ == "__main__":
    main()
