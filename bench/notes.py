"""The prose of BENCHMARKS.md: how each figure is measured, and why a target is missed.

Figures come from the run; the numbers quoted as "measured during development" are
one-off experiments on the same million timecards (prototypes of changes outside the
benchmark), written down so that the next step can be judged by its size.
"""

from __future__ import annotations

from bench.stats import median

SEEDING_METHOD = """\
One round: an empty database, then `manage.py seed --users N --weeks 260` in a child \
process (wall time from start to exit, Django's start and the one password hash \
included; peak RSS is that process's `VmHWM`), then the raw limit: the same rows \
(every timecard and invoice the seed wrote, dumped with `COPY ... TO STDOUT`) loaded \
back into the emptied tables with `COPY ... FROM STDIN` in one transaction, commit \
included: the same table, indexes, check constraints and foreign-key checks. Both \
start after a `CHECKPOINT` with the standby caught up, and both count timecards plus \
invoices. The seed plans the rows in its own process (`timetrack/demo/planner.py`) \
and builds every one with its factory (`TimecardFactory.build()`, `InvoiceFactory.build()`: \
`timetrack/factories.py`, the tests' too) in worker processes, one per core, forked \
(`timetrack/demo/writers.py`); on PostgreSQL each built chunk (one month x 100 people) \
comes back as `COPY` text and is sent by a thread while the next chunks are planned and \
built, invoice keys reserved from their sequence, foreign keys checked at the end of \
each `COPY` instead of all at commit; the rows are the same as before the factories, \
row for row (a test compares them). "peak RSS" is the seed process's; "workers' peak" \
the largest of its workers' (`ru_maxrss` of its children, which counts the pages they \
share with it at the fork). Its progress bar shows when `make bench` runs \
in a terminal. The two smaller sizes are seeded once, for sections 2 and 5; their \
rate is mostly the fixed second of starting Django and hashing the demo password."""

PAGES_METHOD = """\
Each page is requested in-process through Django's test `Client` (the whole middleware \
stack: session, authentication, read-your-writes, the `read_from` scope) as the staff \
demo user: two warm-ups, then the timed runs ("server ms", median). Its queries are \
captured once on both connections; those it ran on the standby (all but the \
replication-status probe, which is cached for 5 s) are re-run exactly as sent, raw, on \
a psycopg2 connection to the standby, every row fetched ("raw SQL ms": the limit). Page \
and raw SQL alternate run by run; "ratio" is the median of the per-run ratios (not \
the ratio of the two medians: each run's page is set against the SQL run beside it, \
so that a slow moment of the machine falls on both), its spread the middle half of \
them; each column is a median of its own, so they need not add up. "Django's own ms" \
is the median of the differences: middleware, the session and user \
lookups on the primary, the ORM turning rows into objects, the forms and the template. \
`hours` is the page as it opens (the last eight weeks and this one), `hours_26_weeks` \
the widest range its form allows. `EXPLAIN (ANALYZE, BUFFERS)` of every query is in \
`bench/results/plans/<page>.txt`, and the profile of every page in \
`bench/results/profiles/<page>.txt`."""

ROUTING_METHOD = """\
10,000 `Timecard.objects.get(pk=...)` of random timecards on the standby, three ways: \
`routed`, inside a `read_from("standby")` scope (one per 500 reads), every read asking \
`ScopedReadRouter.db_for_read`, as in a report view; `scope_per_read`, a scope entered \
and left around every read (the worst case); `direct`, a manager bound to the standby \
(`Timecard.objects.db_manager("standby")`), whose queries Django sends without asking \
any router: the same ORM work with no routing at all. Each round \
reads the 10,000 every way, in batches of 500 that alternate between the ways in a \
rotating order, so that a burst of load elsewhere slows all three alike; the overhead \
is the median over the rounds of each way's time over `direct`'s. A read is a loopback \
round trip to PostgreSQL plus the ORM; the router adds a context-variable lookup and a \
few attribute reads."""

THROUGHPUT_METHOD = """\
gunicorn serves the site with the web image's settings (`docker/web/gunicorn.conf.py`) \
on 127.0.0.1, in production mode (`DEBUG` off), against the full-size database; wrk \
(Debian's package) sends the pages of a load in turn with the session cookie of the \
logged-in staff demo user (`bench/wrk/pages.lua` prints the latency percentiles). Two \
server modes alternate, round after round: `standby`, the site as configured; \
`primary`, the same site with `STANDBY_DATABASE_URL` pointing at the primary: the site \
sees that this "standby" is not in recovery and reads the reports from `default` (as \
it would with no standby at all), so every report query runs on the primary. Around \
each run, the sequential and index scans of the report tables (`pg_stat_user_tables` \
of timecards, invoices, projects, clients and profiles) are read on both servers; the \
primary's share of their growth is the last column. In `mixed`, the timecard and \
invoice lists read those tables on the primary by design, so the share is not zero."""

EXPORT_METHOD = """\
The export view (`/reports/timecards.csv`, every timecard from 2000, the earliest date \
the site takes, to today) requested \
in a child process through the test `Client`, its streamed body consumed chunk by chunk \
as a server sends it. "peak RSS" is that process's `VmHWM`, reset with \
`/proc/self/clear_refs` just before the request, so it covers the download alone; \
"RSS before" is its resident memory just before. "first row s" is when the first \
timecard (not the header) came out. The limit is the ORM's SELECT of the export, \
unformatted, run on the standby as a bare `COPY (...) TO STDOUT (FORMAT csv, HEADER)` \
into a sink that only counts bytes; the export and COPY alternate at full size."""


AFTER_WRITE_METHOD = """\
The people who read reports are the people who just logged time. Staff people, one \
thread each, do what they do in a browser (`bench/after_write.py`): open the "Log time" \
form, save a timecard, follow the redirect to their timecards, then open a report page, \
over and over, against gunicorn on the full-size database. The site runs twice: with \
`READ_YOUR_WRITES_BY=window` (after a save, the browser reads the primary for \
`READ_YOUR_WRITES_SECONDS`) and with `wal` (its signed cookie holds the primary's WAL \
position after the save, and its reports read the standby as soon as the standby has \
replayed up to there). Each report page says which database served it ("Served by"): \
the primary's share of those pages is the figure. The standby is the native pair's, on \
the same two cores as everything else."""

POSITION_CHECK_METHOD = """\
What the position check costs, in one Django process on the same database \
(`bench/position_check.py`), a median per call over 5 rounds of 400 calls: choosing the \
member of a scope (`core.routing.decision.decide`) for a browser that wrote nothing; for one \
whose write the member's cached status already passed (no query); for one whose write \
the cache has not seen passed, so the member is asked (`pg_last_wal_replay_lsn()`, one \
query); and, paid once by a request that wrote, taking the primary's position \
(`pg_current_wal_lsn()`, `core.routing.positions.primary_write_lsn`)."""


def after_write_reading(found: dict) -> str:
    wal, window = found["modes"]["wal"], found["modes"]["window"]
    check = found["position_check"]["microseconds_per_call"]
    known = check["decide_pin_known"] - check["decide_unpinned"]
    asked = check["decide_pin_asked"] - check["decide_unpinned"]
    return (
        f"Reading it: with the time window the primary served {window['primary_share']:.0%}"
        " of the report pages opened right after a save, every one of them within the"
        f" window; by WAL position it served {wal['primary_share']:.1%}: the standby had"
        " replayed the save by the time the page asked, and the page read it there. The"
        f" check adds {known:+.1f} us to a report request when the cached status already"
        f" passes the write and {asked:+.1f} us when the standby has to be asked (one"
        " round trip on loopback); a request that wrote pays"
        f" {check['take_position']:.0f} us once to take the position."
    )


def pages_miss(figures: dict, over: list[str]) -> str:
    by_size = figures["sections"]["pages"]["by_size"]
    full = by_size[str(figures["scale"])]
    floor = figures["sections"]["pages"].get("floor_by_size", {}).get(str(figures["scale"]))
    seeding = figures["sections"].get("seeding", {}).get("loads", {})
    people = seeding.get(str(figures["scale"]), {}).get("users", "every")
    floor_ms = floor["server_ms"]["median"] if floor and "server_ms" in floor else None
    lines = [
        "**Report pages over 1.25x of their SQL.** The SQL of every page is a few"
        " scans, most of them index-only (the plans are in `bench/results/plans/`), and"
        " the long tables show 50 rows at a time; what is left is Django's own time,"
        " which the ratio divides by the SQL's. "
        + (FIXED_COST.format(floor=floor_ms) if floor_ms is not None else ""),
        "",
    ]
    split = own_time_split(full, floor)
    hand = figures["sections"]["pages"].get("hand_sql", {})
    for name in over:
        page = full[name]
        cause = PAGE_CAUSES.get(name, GENERIC_CAUSE).format(people=people)
        allowed = page["raw_sql_ms"]["median"] * 0.25
        lines.append(
            f"- `{name}`: {page['server_ms']['median']:.0f} ms against"
            f" {page['raw_sql_ms']['median']:.0f} ms of SQL, and {page['overhead_ms']:.0f} ms"
            f" of Django's own (medians each), where 1.25x leaves it {allowed:.0f} ms. {cause}"
            + _own_time_bound(split.get(name))
            + _hand_sql_left(page, hand.get(name), floor_ms)
        )
    slowest = max(page["server_ms"]["median"] for page in full.values())
    lines += ["", PAGES_NEXT.format(slowest=slowest, scale=figures["scale"], people=people)]
    return "\n".join(lines)


def own_time_split(pages: dict, floor: dict | None) -> dict:
    """Medians, over the timed runs of section 2, of where each page's time went
    (``bench/own_time.py``), and the ratio each run would have had without its template
    beyond the frame, without its view's Python, and without both: never less than its
    SQL plus the floor, which no page can beat (a run whose statements were quicker than
    the raw re-run would otherwise show one)."""
    if not floor or "runs" not in floor or not all("runs" in page for page in pages.values()):
        return {}
    frame = median([run["template_ms"] for run in floor["runs"]])
    stack = median([_python(run) for run in floor["runs"]])
    least = median([run["server_ms"] for run in floor["runs"]])
    split = {"floor": _split_runs(floor["runs"], frame, stack, least)}
    for name, page in pages.items():
        split[name] = _split_runs(page["runs"], frame, stack, least)
    return split


def _python(run: dict) -> float:
    """A request's time in neither statements nor its template."""
    return run["server_ms"] - run["statements_ms"] - run["template_ms"]


def _split_runs(runs: list[dict], frame: float, stack: float, floor_ms: float) -> dict:
    figures = {
        key: median([run[key] for run in runs])
        for key in ("server_ms", "statements_ms", "template_ms")
    }
    figures["python_ms"] = median([_python(run) for run in runs])
    figures["template_beyond_ms"] = median([run["template_ms"] - frame for run in runs])
    figures["view_python_ms"] = median([_python(run) - stack for run in runs])
    if all("raw_sql_ms" in run for run in runs):
        for key, saved in (
            ("without_template", lambda run: run["template_ms"] - frame),
            ("without_view_python", lambda run: _python(run) - stack),
            ("without_both", lambda run: run["template_ms"] - frame + _python(run) - stack),
        ):
            figures[key] = median(
                [
                    max(run["server_ms"] - saved(run), run["raw_sql_ms"] + floor_ms)
                    / run["raw_sql_ms"]
                    for run in runs
                ]
            )
    return figures


def _own_time_bound(page: dict | None) -> str:
    """What a page's own time split leaves an alternative, from the same runs."""
    if not page or "without_both" not in page:
        return ""
    return (
        f" Split on the same requests (below): {page['template_beyond_ms']:.1f} ms of"
        f" template beyond the frame and {page['view_python_ms']:.1f} ms of the view's"
        f" Python; a template that cost nothing would have left it at"
        f" {page['without_template']:.2f}x, querysets and rows that cost no Python at"
        f" {page['without_view_python']:.2f}x, and both at {page['without_both']:.2f}x"
        " (upper bounds of what any alternative saves, not measurements of one; never"
        " below the page's SQL plus the floor)."
    )


def _hand_sql_left(page: dict, compared: dict | None, floor_ms: float | None) -> str:
    """Where the Python that hand-written SQL saved (measured below, on the selector
    alone) would leave a page: an estimate, each timed run less that saving, never below
    its SQL plus the floor."""
    if not compared or floor_ms is None or not all("raw_sql_ms" in run for run in page["runs"]):
        return ""
    if "error" in compared:
        return f" Hand-written SQL (below) was not timed: {compared['error']}."
    # The lesser of the Python it saved and what it saved in all (its statements may
    # have run slower): the estimate never credits it with more than either.
    saved = min(compared["saved_python_ms"], compared["saved_ms"])
    if saved <= 0:
        return f" Hand-written SQL (below) saved nothing ({saved:.1f} ms)."
    left = median(
        [
            max(run["server_ms"] - saved, run["raw_sql_ms"] + floor_ms) / run["raw_sql_ms"]
            for run in page["runs"]
        ]
    )
    verdict = "within" if left <= 1.25 else "still over"
    return (
        f" Measured alternative: its selector written as SQL by hand (below) saved"
        f" {saved:.1f} ms (the lesser of its Python and its whole time saved, timed on"
        f" the selector alone after the page's runs), which, taken from each of the page's"
        f" runs, estimates it at {left:.2f}x, {verdict} the target."
    )


FIXED_COST = (
    "The floor, a report view that runs no report query through the same stack (the"
    " middleware, the session and the user read on the primary, the scope choosing a"
    " member, the reports' frame), answers in {floor:.1f} ms. On top of it each page"
    " spends its own time building its querysets (Django's ORM compiles every"
    " aggregate afresh), turning rows into objects, and writing its filter form, chart"
    " and tables; 1.25x leaves a quarter of the page's SQL for all of it, the floor"
    " included."
)

PAGE_CAUSES = {
    "hours": (
        "The page as it opens: nine weeks, whose SQL (the week totals, the people with"
        " hours and this page's 50 people by week, which read the nine weeks' timecards"
        " from the index alone, and the form's client and project lists and the person"
        " list's version)."
        " Its own time: building the rows from the"
        " grouped query, the filter form (the {people}-option person select, kept between"
        " requests while `auth_user` is unchanged, and the client and project lists), the"
        " 50 x 9 rows (`reports/tables.py`, below), the chart and the layout; the profile is"
        " `bench/results/profiles/hours.txt`."
    ),
    "hours_26_weeks": (
        "The same page at 26 weeks: the SQL grows with the weeks, and so does the page's"
        " own work, mostly in the view's Python (more rows from the grouped queries, each"
        " through the ORM's converters) and in the template; the rows themselves cost"
        " about a millisecond (below; `bench/results/profiles/hours_26_weeks.txt`)."
    ),
    "unbilled": (
        "One grouped query (every person and client with time to bill), the per-client"
        " and per-person lines added up from it in Python, 50 rows a table."
    ),
    "dashboard": (
        "Six aggregates and a chart: building the six querysets, then the stat cards and"
        " the chart's template (`bench/results/profiles/dashboard.txt`)."
    ),
    "invoices": (
        "Four aggregates, four small tables and a chart: mostly building and compiling"
        " the four querysets (the view's Python below), then the tables' cells, each a"
        " template variable with its filter (`bench/results/profiles/invoices.txt`)."
    ),
}
GENERIC_CAUSE = "Its profile is in `bench/results/profiles/`."

PAGES_NEXT = """\
What brought the pages here (the history is in `git log -p BENCHMARKS.md`; its figures \
were measured during development and this run's are above): the covering indexes and \
query shapes (below) took the SQL several times quicker, which left Django's rendering \
as nearly all of the time, ten times the SQL on the hours pages. Then: the per-person \
tables come 50 rows a page (`ROWS_PER_PAGE`), and the hours report reads the weeks of \
this page's people only; the selects list their options as values and write them \
without a template per option; the unbilled report reads one grouped query into \
slotted dataclasses; the hours rows and the unbilled tables' rows are written in Python \
(`reports/tables.py`; the three ways are measured above), the week cells and hours are \
remembered, and the person list is kept between requests while its table is unchanged \
(`timetrack/choice_lists.py`). Then: the long selects keep their options written \
between requests (`timetrack/widgets.py`), the charts' bars and labels are written in \
Python (`reports/charts.py`), the long results are read as tuples, the invoice aging is \
one grouped `CASE` instead of eight filtered aggregates, and the weeks are read as \
dates (`Cast(TruncWeek(...), DateField())`), which makes PostgreSQL's weekly totals \
quicker: a faster page, whose ratio that makes harder to meet, since the same own time \
is divided by less SQL.

What remains is measured in section 2, "Where the own time goes", on the same requests \
as the ratios: for each page the stack's Python and the reports' frame (the floor), the \
template beyond the frame and the view's Python (its forms, querysets and rows). The \
bounds above are what a free template or free querysets would leave; the alternatives \
measured are the hours table's rows written three ways and every report's selector \
written as SQL by hand (both below). The ratios move \
by tenths between runs of the same code on this shared machine (`git log -p \
BENCHMARKS.md` has the earlier runs). In absolute time, the slowest report page \
answers in {slowest:.0f} ms at {scale:,} timecards in this run: that, and the query \
counts that stay the same at every size, is the bound worth holding as the data \
grows."""


def seeding_miss(figures: dict, seed: dict) -> str:
    if seed["timecards"] < 500_000:
        return (
            f"**Seeding at {seed['ratio']:.2f}x of COPY.** At {seed['timecards']:,} timecards"
            " the seed's fixed costs (starting Django, one PBKDF2 password hash, about a"
            " second in all) weigh on a load that COPY does in a fraction of a second. Run"
            " `make bench` at the default scale for the figure the target is about."
        )
    rounds = ", ".join(f"{ratio:.2f}" for ratio in seed.get("ratios", [seed["ratio"]]))
    return (
        f"**Seeding at {seed['ratio']:.2f}x of COPY** (the rounds: {rounds}), at"
        f" {seed['timecards']:,} timecards, where the fixed costs are negligible: what"
        " counts is the seed's own work per row (planning in Python, the factories, and"
        f" {seed['invoices']:,} invoices to plan and build). The demo plan bills more of"
        " the year since issue 20 (staff approve"
        " within two weeks, a month is invoiced five days after it ends), and the rounds"
        " straddle the 0.3x line on this machine. Not yet profiled: a profile of one round"
        " (where the seed's time per row goes) is the next step."
    )


def routing_miss(routing: dict) -> str:
    return (
        f"**Routing overhead {routing['overhead']['routed']:+.1%}.** Per read the"
        f" router adds a context-variable lookup to a {routing['us_per_read']['direct']:.0f}"
        " us round trip; a figure above 2% here is the machine's noise between rounds"
        " (see `ratios` in the JSON): run `make bench` again when the machine is quieter."
    )


def routing_costs(routing: dict) -> str:
    costs = routing["costs"]
    calls = costs["router_calls_per_read"]
    return (
        "Without the database, the same work: a read asks the router"
        f" {'once' if calls == 1 else f'{calls} times'}, and `db_for_read` inside a scope"
        f" answers in {costs['db_for_read_us']:.2f} us; entering and leaving a scope costs"
        f" {costs['scope_enter_leave_us']:.2f} us, and a new scope's first read also decides"
        " where the scope reads (the cached replication status, the circuit breaker): the"
        " rest of what `scope_per_read` adds, which a view pays once per request."
        + write_detection(routing.get("write_detection"))
    )


def write_detection(found: dict | None) -> str:
    if found is None:
        return ""
    share = found["cached_us"] / found["primary_read_us"]
    return (
        "\n\n**Write detection** (`core/routing/statements.py`): every statement the primary"
        " runs is read to tell a read from a write. Over the"
        f" {found['statements']} statements of the site's usual work on the primary (reads"
        " by key and with joins, a report's aggregate, a locking read, an insert, an update,"
        f" a delete and their savepoints; {found['writes']} of them count as writes), the rules"
        f" take {found['uncached_us']:.1f} us per statement the first time a process sees it"
        f" and {found['cached_us']:.2f} us from then on (the site repeats its statements:"
        f" they are cached), {share:.2%} of a read by key on the primary"
        f" ({found['primary_read_us']:.0f} us)."
    )


def export_memory_miss() -> str:
    return (
        "**CSV export memory grows with the rows.** The export should stream: check that"
        " `reports.csv_copy` still hands the COPY's chunks over through a bounded queue"
        " (PostgreSQL), and that `reports.selectors.timecard_export_rows` still iterates"
        " with a chunk size and `reports.csv_export` yields chunk by chunk (SQLite)."
    )


def export_speed(full: dict) -> str:
    return (
        f"**CSV export at {full['ratio']:.2f}x of a bare COPY.** PostgreSQL writes the"
        " CSV itself: the ORM's SELECT of the export (the same filters and order as"
        " before), wrapped in a SELECT that formats every cell as the Python writer did"
        " (ISO dates, decimals as stored, yes/no, the formula guard as a `CASE` on the"
        " first character), sent as `COPY (...) TO STDOUT (FORMAT csv, HEADER)` and"
        " streamed to the response in 64 KiB chunks through a bounded queue"
        f" (`reports/csv_copy.py`): {full['export_rows_per_s']:,.0f} rows/s against the"
        f" bare COPY's {full['copy_rows_per_s']:,.0f}, the first timecard out after"
        f" {full['first_row_seconds']:.2f} s, memory flat. The gap is the formatting"
        " expressions on the server, and an ordered index scan instead of the bare COPY's"
        " parallel hash joins and sort: that plan sends the first row at once (the sort"
        " would hold it back for a second at a million rows). The Python writer stays for"
        " SQLite; a test compares the bytes of both on the same data."
    )


def throughput_reading(found: dict) -> str:
    reports = found["results"]["reports"]
    standby, primary = reports["standby"], reports["primary"]
    return (
        f"Reading it: the report mix serves {standby['requests_per_s']:.1f} requests/s"
        f" with the reports on the standby and {primary['requests_per_s']:.1f} with them"
        " on the primary. On this machine both PostgreSQL servers, gunicorn and wrk share"
        " two cores, so moving the report queries to another server on the same cores"
        " moves the work without removing it: the throughput cannot rise much here;"
        " what the standby buys is shown in the last"
        " column: routed, the primary runs none of the report queries, and forced to the"
        " primary it runs all of them. On separate machines that is the primary's CPU"
        " and buffer cache kept for the writes (section 7 gives each role a CPU budget of"
        " its own to show it). Both modes keep their database connections between"
        " requests (`CONN_MAX_AGE`, checked at each request's first use), so a request"
        " routed to the standby pays no connection set-up for its second database. The"
        " latencies are those of"
        f" {found['wrk']['connections']} concurrent clients queueing for"
        f" {found['gunicorn']['workers']} x {found['gunicorn']['threads']} threads on"
        " the two cores the databases use too."
    )


INDEXES = (
    (
        "timecard_date_cover",
        "timecard (date, id, user, hours, billable)",
        "date ranges: the dashboard's month and 12 weeks, the hours report;"
        " (date, id) is the CSV's order",
    ),
    (
        "timecard_unbilled",
        "timecard (user, project, hours, date, id) where approved, billable, not invoiced",
        "the unbilled report and the dashboard's unbilled total (~6% of the timecards)",
    ),
    (
        "invoice_status_cover",
        "invoice (status, issued_on, due_on, total, id)",
        "aging of sent invoices, the dashboard's outstanding and overdue totals",
    ),
    (
        "invoice_paid_cover",
        "invoice (paid_on, client, total, id) where paid",
        "revenue per month and top clients of the last 12 months, when the planner picks"
        " it over `invoice_paid_on` (`bench/results/plans/invoices.txt` says which it chose)",
    ),
)


def indexes(figures: dict) -> str:
    rows = ["| index | columns | serves |", "|---|---|---|"]
    rows += [f"| `{name}` | {columns} | {serves} |" for name, columns, serves in INDEXES]
    return INDEXES_TEXT.format(table="\n".join(rows))


INDEXES_TEXT = """\
## Indexes and query shapes

Migration `timetrack/migrations/0002_report_indexes.py` adds four covering indexes, \
every column a report reads in the key (key columns rather than `INCLUDE`, which \
SQLite lacks and Django would warn about in the embedded mode), so that PostgreSQL \
answers from the index alone (`Index Only Scan ... Heap Fetches: 0` in the plans):

{table}

`id` is in the keys because Django counts with `COUNT("id")`. The query shapes changed \
in `reports/selectors.py`, with the same results: the hours report groups timecards by \
person id and week only, then names the people found in a second query (it grouped by \
username and names, which joined and sorted every timecard by text: a sort spilling \
to disk at a million rows); the unbilled report groups by ids and takes names with \
`MIN()` (one per id); the dashboard's invoice totals read only sent invoices, through \
the index, instead of every invoice. A bulk load must be followed by `VACUUM ANALYZE` \
for index-only scans to work, once the standby's `hot_standby_feedback` no longer \
holds the new rows back (`bench/env.py` waits for that)."""


def how_to_run(figures: dict) -> str:
    return """\
## How to run

```sh
make bench                     # a million timecards: about 25 minutes here
make bench BENCH_SCALE=20000   # a quick run: about two minutes
```

It starts the native pair (`make pg-up`) and needs `wrk` (Debian: `apt-get install \
wrk`). Its databases are its own, made afresh on the primary and replicated to the \
standby: `timetrack_bench` (full size) and `timetrack_bench_<n>` (the smaller sizes); \
`timetrack` and `test_timetrack` are never touched. More runs: `BENCH_SEED_ROUNDS` \
(3), `BENCH_PAGE_RUNS` (25), `BENCH_OVERHEAD_ROUNDS` (5), `BENCH_WRK_SECONDS` (20 at a \
million, 5 below), `BENCH_WRK_ROUNDS` (2), `BENCH_EXPORT_RUNS` (3), `BENCH_WRITERS` \
(8) and `BENCH_WRITER_SAVES` (25), `BENCH_PORT` (8765, gunicorn's). The code is in \
`bench/`, one module per section."""


MIXED_METHOD = """\
People save timecards while others load report pages, on one gunicorn (the web image's \
settings): writers, one thread each, send the "Log time" form again and again (a POST \
that saves a timecard on the primary and answers with a redirect, on a keep-alive \
connection of its own), while `wrk` loads the report pages as in section 4. The two \
modes of section 4 take turns, round after round: the reports on the standby, and forced \
to the primary. The claim under test is the one a standby is bought for: reports on it \
leave the primary's CPU to the writes. Both servers run on this machine's two cores, so \
each run gives every role a share of the CPU, as separate hosts would: first with a \
budget per role (cgroup v1 `cpu.cfs_quota_us`, what Docker's `--cpus` sets: a ceiling, not \
a reservation, and the budgets add up to the two cores; each server a \
small database host, the web tier and the load generators the rest), then pinned to the \
cores as earlier runs were."""


def mixed_reading(found: dict) -> str:
    on = found["results"]
    standby, primary = on["standby"], on["primary"]
    spent = primary["held"]["primary"] >= 0.5
    reading = (
        f"Reading it: with the reports on the primary, it used"
        f" {primary['busy']['primary']:.2f} core"
        + (
            f" (held at its budget in {primary['held']['primary']:.0%} of the periods)"
            if spent
            else ""
        )
        + f" and each save cost it {primary['primary_cpu_ms_per_save']:.1f} ms of CPU, the"
        f" reports' queries included; with them on the standby it used"
        f" {standby['busy']['primary']:.2f} core, {standby['primary_cpu_ms_per_save']:.1f} ms"
        f" a save. The writers saved {standby['saves_per_s']:.1f} timecards/s (p95"
        f" {standby['save_p95_ms']:.0f} ms) against {primary['saves_per_s']:.1f}/s (p95"
        f" {primary['save_p95_ms']:.0f} ms)."
    )
    held = standby["held"]
    bound = max(held, key=held.get)
    if held[bound] >= 0.5:
        reading += (
            f" With the reports on the standby, the role held at its budget most often is"
            f" the {bound} ({held[bound]:.0%} of the periods)"
            + (": the web tier, which a site scales on its own." if bound == "web" else ".")
        )
    return reading


def pinned_reading(found: dict) -> str:
    on = found["results"]
    standby, primary = on["standby"], on["primary"]
    shared = found["cores"]["web"] == found["cores"]["standby"]
    where = (
        " On two cores the web tier shares the standby's core: with the reports on the"
        " standby its queries take that core from every request's Python, so this run"
        " cannot show what separate hosts would; the budgets above do."
        if shared
        else ""
    )
    return (
        f"The writers saved {standby['saves_per_s']:.1f} timecards/s (p95"
        f" {standby['save_p95_ms']:.0f} ms) with the reports on the standby and"
        f" {primary['saves_per_s']:.1f}/s (p95 {primary['save_p95_ms']:.0f} ms) with them on"
        f" the primary, whose core was {standby['busy']['primary']:.0%} against"
        f" {primary['busy']['primary']:.0%} busy.{where}"
    )


def mixed_miss(found: dict) -> str:
    on = found["results"]
    return (
        "**Saves while reports load, with CPU budgets: no gain from the standby.** "
        f"{on['standby']['saves_per_s']:.1f} saves/s (p95 {on['standby']['save_p95_ms']:.0f}"
        f" ms) with the reports on the standby against {on['primary']['saves_per_s']:.1f}"
        f" (p95 {on['primary']['save_p95_ms']:.0f} ms). The periods each role was held at its"
        " budget (section 7) say which one bounds the saves."
    )


OWN_TIME = """\
**Where the own time goes** (`bench/own_time.py`): the same timed requests as the table \
above, each split as it ran (medians over the runs). "statements" is every statement \
sent through Django's connections, timed at the driver (the session and user reads and \
the report's queries, each with its answer: more than the raw SQL by the driver's own \
work); "template" the page's template written out, statements inside it excluded (the \
filter form's choice lists are read while it is written, so their ORM work is here); \
"Python" the rest, the stack's and the view's (rows turned into Python values when \
fetched included, as in the raw SQL's fetch). The floor page splits the same way: its \
template is the reports' frame, its Python the stack's (middleware, session, the \
scope's choice). The last two columns are a page's beyond the floor's: what another \
engine, or Python, could save at most on its template, and hand-written SQL at most on \
its querysets and rows. Not timed: the primary's WAL position, read on a cursor of its \
own and cached for 5 s."""


ENGINES = """\
**The hours table written three ways** (`bench/engines.py`): the per-person rows of the \
hours page, from the page's own context at this size, written by Django's template \
engine (the loop the template held, its week cells already one Python filter a row), by \
Jinja2 (the same template, in a plain `jinja2.Environment`; Django's `Jinja2` backend \
adds its context processors around one) and by Python \
(`reports/tables.py`, what the page now uses); the three are checked to write the same \
markup before they are timed, in turn (median of 40 each)."""


HAND_SQL = """\
**The querysets written as SQL** (`bench/hand_sql.py`): each report's selector (the \
hours report's three queries, the unbilled report's one, the dashboard's six and the \
invoices report's four) written by hand in PostgreSQL's SQL and read through a plain \
cursor into the same dataclasses, against the site's selectors built with the ORM; \
each pair is checked to return the same report, then timed in turn inside \
the standby's scope (40 pairs, which of the two goes first alternating; medians, the \
savings medians of the pairs' differences), split as above: "Python" is all but the \
statements. What the ORM costs is the building and compiling of its querysets on every \
request and each row passed through its converters; the rows and the report's \
arithmetic are the same on both sides."""

HAND_SQL_CHOICE = """\
Why the site keeps the ORM for its reports: the SQL above is PostgreSQL's \
(`date_trunc`, `= ANY`), so the embedded site on SQLite would need a second selector \
for each report (for the hours report every filter of its form written twice); the ORM \
writes one query for each backend from one definition, and the site's tests run both. \
The CSV export made the other choice (`reports/csv_copy.py`: the ORM builds the SELECT, \
PostgreSQL's `COPY` writes the CSV, the Python writer kept for SQLite), because there \
the gain grows with every row of a download of up to a million; here it is the same \
few milliseconds a page, within the spread of the runs' ratios (the table's middle \
half, above). A site that must hold 1.25x on every run would add these as \
PostgreSQL-only selectors, chosen by `connection.vendor`, held to the ORM's by \
`tests/postgres/test_hand_sql.py`, which already checks that they agree. "What misses" \
estimates, for each page over target, where the time it saved would have left it."""


TEMPLATE_PARTS = """\
**The hours page's template by part** (`bench/engines.template_parts`): the page's \
template written from its own context at this size, whole and by part (median of 40 \
each, in turn): the reports' frame (`reports/_layout.html`), the filter form (its \
include, with a form made afresh as the view makes it and its choice lists read as a \
request that wrote nothing reads them: the statements included), the chart's include, \
the table's rows, and the rest (the page's head, totals, the table's head and foot and \
the pager: the whole less the others)."""


def template_engine_choice(measured: dict) -> str:
    """Where another template engine could save, from the parts measured."""
    form = max(figures["form_ms"] for figures in measured.values())
    rest = max(figures["rest_ms"] + figures["chart_ms"] for figures in measured.values())
    return (
        "Why the page stays a Django template: beyond the frame, most of it is the"
        f" filter form (up to {form:.1f} ms here), which Django's forms write through"
        " their own renderer and widgets whichever engine writes the page around them"
        " (its long selects in Python already, `timetrack/widgets.py`); the part an"
        " engine such as Jinja2 would write (the rest and the chart's include) comes to"
        f" at most {rest:.1f} ms, of which the table measured above suggests it would"
        " save about half, for the site's base template, tags and filters kept in a"
        " second template language."
    )


def engines_choice(compared: dict) -> str:
    python_fastest = all(
        figures["python_ms"] <= min(figures["django_ms"], figures["jinja2_ms"])
        for figures in compared.values()
    )
    measured = (
        "Python wrote them fastest in this run"
        if python_fastest
        else "Python was not the fastest in every case of this run; the choice rests on"
        " its being the fastest when it was made"
    )
    return (
        f"Why Python: the rows are the one part of the page drawn by the hundred, and"
        f" {measured}, while the rest of the page (its frame, filters, chart and totals)"
        " stays a Django template that a reader can change. Jinja2 would need the site's"
        " base template, tags and filters in a second template language for a gain on"
        " this table alone. The week cells and the hours they show are remembered"
        " (`functools.lru_cache`: people's weeks and quarter hours repeat), which helps"
        " whichever engine writes them: in Python the rows at 26 weeks went from 8.3 ms"
        " to 1.0 ms when measured during development."
    )
