"""The prose of BENCHMARKS.md: how each figure is measured, and why a target is missed.

Figures come from the run; the numbers quoted as "measured during development" are
one-off experiments on the same million timecards (prototypes of changes outside the
benchmark), written down so that the next step can be judged by its size.
"""

from __future__ import annotations

SEEDING_METHOD = """\
One round: an empty database, then `manage.py seed --users N --weeks 260` in a child \
process (wall time from start to exit, Django's start and the one password hash \
included; peak RSS is that process's `VmHWM`), then the raw limit: the same rows \
(every timecard and invoice the seed wrote, dumped with `COPY ... TO STDOUT`) loaded \
back into the emptied tables with `COPY ... FROM STDIN` in one transaction, commit \
included: the same table, indexes, check constraints and foreign-key checks. Both \
start after a `CHECKPOINT` with the standby caught up, and both count timecards plus \
invoices. On PostgreSQL the seed itself writes with `COPY` (`timetrack/demo_data.py`): \
each chunk (one month x 100 people) is formatted as `COPY` text in memory and sent by a \
second thread while the next chunk is generated, invoice keys reserved from their \
sequence, foreign keys checked at the end of each `COPY` instead of all at commit; the \
rows are the same as before, row for row. Its progress bar shows when `make bench` runs \
in a terminal. The two smaller sizes are seeded once, for sections 2 and 5; their \
rate is mostly the fixed second of starting Django and hashing the demo password."""

PAGES_METHOD = """\
Each page is requested in-process through Django's test `Client` (the whole middleware \
stack: session, authentication, read-your-writes, the `read_from` scope) as the staff \
demo user: two warm-ups, then the timed runs ("server ms", median). Its queries are \
captured once on both connections; those it ran on the standby (all but the \
replication-status probe, which is cached for 5 s) are re-run exactly as sent, raw, on \
a psycopg2 connection to the standby, every row fetched ("raw SQL ms": the limit). Page \
and raw SQL alternate run by run; "ratio" is the median of the per-run ratios, \
"Django's own ms" the median of the differences: middleware, the session and user \
lookups on the primary, the ORM turning rows into objects, the forms and the template. \
`hours` is the page as it opens (the last eight weeks and this one), `hours_26_weeks` \
the widest range its form allows. `EXPLAIN (ANALYZE, BUFFERS)` of every query is in \
`bench/results/plans/<page>.txt`, and the profile of every page over the target in \
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
The export view (`/reports/timecards.csv`, every timecard from 1990 to today) requested \
in a child process through the test `Client`, its streamed body consumed chunk by chunk \
as a server sends it. "peak RSS" is that process's `VmHWM`, reset with \
`/proc/self/clear_refs` just before the request, so it covers the download alone; \
"RSS before" is its resident memory just before. "first row s" is when the first \
timecard (not the header) came out. The limit is the SELECT the view ran (captured), \
run on the standby as `COPY (...) TO STDOUT (FORMAT csv, HEADER)` into a sink that \
only counts bytes; the export and COPY alternate at full size."""


def pages_miss(figures: dict, over: list[str]) -> str:
    by_size = figures["sections"]["pages"]["by_size"]
    full = by_size[str(figures["scale"])]
    seeding = figures["sections"].get("seeding", {}).get("loads", {})
    people = seeding.get(str(figures["scale"]), {}).get("users", "every")
    lines = [
        "**Report pages over 1.5x of their SQL.** The SQL of every page is now a few"
        " index-only scans (the plans are in `bench/results/plans/`); what is left is"
        " Django's own time, which the ratio divides by a now small number:",
        "",
    ]
    for name in over:
        page = full[name]
        cause = PAGE_CAUSES.get(name, GENERIC_CAUSE).format(
            people=people, overhead=page["overhead_ms"]
        )
        lines.append(
            f"- `{name}`: {page['server_ms']['median']:.0f} ms, of which"
            f" {page['raw_sql_ms']['median']:.0f} ms of SQL and {page['overhead_ms']:.0f} ms"
            f" of Django. {cause}"
        )
    lines += ["", PAGES_NEXT]
    return "\n".join(lines)


PAGE_CAUSES = {
    "hours": (
        "The page is a table of every person ({people}) by every week (9 columns), each"
        " cell through `floatformat`, `intcomma` and `widthratio`, plus a person select of"
        " {people} options: the profile (`bench/results/profiles/hours.txt`) puts most of"
        " the time in template rendering, `floatformat` and the number formatting"
        " under it first."
    ),
    "hours_26_weeks": (
        "The same table at 26 weeks: three times the cells, so three times the rendering."
    ),
    "unbilled": (
        "Three tables (per client, per person, and per client and person: a row for"
        " each pair with time to bill), each cell through `floatformat`, `intcomma` or"
        " `date` (`bench/results/profiles/unbilled.txt`); its three aggregates are"
        " index-only scans of the ~6% of timecards waiting to be billed, joined to"
        " their project, client, user and profile."
    ),
    "dashboard": (
        "The cost every page has (middleware, session and user on the primary, the"
        " layout and chart templates: {overhead:.0f} ms here), which does not grow with"
        " the data; it weighs only where the SQL is a few milliseconds."
    ),
    "invoices": (
        "The cost every page has (middleware, session and user on the primary, the"
        " layout and chart templates: {overhead:.0f} ms here), which does not grow with"
        " the data; it weighs only where the SQL is a few milliseconds."
    ),
}
GENERIC_CAUSE = "Its profile is in `bench/results/profiles/`."

PAGES_NEXT = """\
Next steps, outside the benchmark's files (templates and forms), measured during \
development on the same million timecards: one filter instead of \
`floatformat:"-2"|intcomma` (a `Decimal` formatted once with `f"{value:,.2f}"`) took \
the hours page from 315 to 153 ms; rendering its per-person rows in Python, as \
`reports/charts.py` does for the chart, took it to 80 ms (3.3x its SQL), most of the \
rest being the filter form's person select. The same two changes apply to the \
unbilled tables. Persistent connections (`conn_max_age` in the database URLs) save the \
two connection set-ups of each request (about 2 ms each here). A page that draws \
thousands of cells from a 25 ms index-only scan will not come within 1.5x of it in \
Django's templates; for these pages an absolute bound (say under 100 ms at a million \
timecards) is the target worth keeping.

What the indexes and query shapes already changed, measured during development at \
947,633 timecards (server ms / raw SQL ms, before and after): dashboard 212/212 to \
37/29; hours 354/101 to 315/24; hours_26_weeks 896/172 to 788/60; unbilled 660/412 \
to 247/83; invoices 48/36 to 30/22."""


def seeding_miss(figures: dict, seed: dict) -> str:
    return (
        f"**Seeding at {seed['ratio']:.2f}x of COPY.** At {seed['timecards']:,} timecards"
        " the seed's fixed costs (starting Django, one PBKDF2 password hash, about a"
        " second in all) weigh on a load that COPY does in a fraction of a second; at a"
        " million timecards the same code runs at about 0.6x of COPY. Run"
        " `make bench` at the default scale for the figure the target is about."
    )


def routing_miss(routing: dict) -> str:
    return (
        f"**Routing overhead {routing['overhead']['routed']:+.1%}.** Per read the"
        f" router adds a context-variable lookup to a {routing['us_per_read']['direct']:.0f}"
        " us round trip; a figure above 3% here is the machine's noise between rounds"
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
    )


def export_memory_miss() -> str:
    return (
        "**CSV export memory grows with the rows.** The export should stream: check that"
        " `reports.selectors.timecard_export_rows` still iterates with a chunk size and"
        " that `reports.csv_export` yields line by line."
    )


def export_speed(full: dict) -> str:
    return (
        f"**CSV export at {full['ratio']:.2f}x of COPY** (no target; the figure the issue"
        f" asks for). The export streams {full['export_rows_per_s']:,.0f} rows/s in flat"
        f" memory against COPY's {full['copy_rows_per_s']:,.0f}. Every value is formatted"
        " in Python (`reports/csv_export.py`) and every CSV line is a chunk of its own"
        " through `StreamingHttpResponse` and the `read_from` wrapper that keeps the body"
        " in the scope, a million times over; yielding 500 lines per chunk instead reached"
        " 179,000 rows/s (+53%) in a prototype during development, memory still flat."
        " The query: `.iterator()` outside a transaction declares a `WITH HOLD` cursor,"
        " which PostgreSQL runs to the end and stores (in memory up to `work_mem`, then in"
        " a temporary file) before the first fetch: the first timecard comes out after"
        f" {full['first_row_seconds']:.2f} s, and the standby holds a copy of the whole"
        " result while it is downloaded. (That store happens at commit, outside"
        " `REPORT_STATEMENT_TIMEOUT`: during development a 400 ms statement timeout did"
        " not stop it.) Declared inside a transaction (`WITHOUT HOLD`), the same cursor"
        " gave its first 2,000 rows after 17 ms instead of 1.35 s. Next steps: batch the"
        " lines in `csv_lines`; iterate the export inside a read-only transaction on the"
        " standby, or in keyset pages over the new `timecard_date_cover` index"
        " (`date, id`), so that nothing on the server grows with the export."
    )


def throughput_reading(found: dict) -> str:
    reports = found["results"]["reports"]
    standby, primary = reports["standby"], reports["primary"]
    return (
        f"Reading it: the report mix serves {standby['requests_per_s']:.1f} requests/s"
        f" with the reports on the standby and {primary['requests_per_s']:.1f} with them"
        " on the primary. On this machine both PostgreSQL servers, gunicorn and wrk share"
        " two cores, and the report pages spend most of their time rendering in Python"
        " (section 2), so moving their queries to another server on the same cores"
        " cannot raise the throughput here; what the standby buys is shown in the last"
        " column: routed, the primary runs none of the report queries, and forced to the"
        " primary it runs all of them. On separate machines that is the primary's CPU"
        " and buffer cache kept for the writes. (A request routed to the standby also"
        " opens two database connections, the session's on the primary and the"
        " report's on the standby, where the fallback to the primary opens one:"
        " `CONN_MAX_AGE` is 0, so each costs a connection set-up per request.) The"
        " latencies are those of"
        f" {found['wrk']['connections']} concurrent clients queueing for"
        f" {found['gunicorn']['workers']} x {found['gunicorn']['threads']} threads whose"
        " slowest pages take hundreds of milliseconds each."
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
        "revenue per month and top clients of the last 12 months",
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
make bench                     # a million timecards: about ten minutes here
make bench BENCH_SCALE=20000   # a quick run: about two minutes
```

It starts the native pair (`make pg-up`) and needs `wrk` (Debian: `apt-get install \
wrk`). Its databases are its own, made afresh on the primary and replicated to the \
standby: `timetrack_bench` (full size) and `timetrack_bench_<n>` (the smaller sizes); \
`timetrack` and `test_timetrack` are never touched. More runs: `BENCH_SEED_ROUNDS` \
(3), `BENCH_PAGE_RUNS` (15), `BENCH_OVERHEAD_ROUNDS` (5), `BENCH_WRK_SECONDS` (20 at a \
million, 5 below), `BENCH_WRK_ROUNDS` (2), `BENCH_EXPORT_RUNS` (3), `BENCH_PORT` \
(8765, gunicorn's). The code is in `bench/`, one module per section."""
