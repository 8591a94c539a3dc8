"""BENCHMARKS.md from the figures of one run: the targets, the misses, then each section.

The tables come from ``bench/results/bench-results.json``; the prose around them says
how each figure was measured and, for a missed target, why and what to do next.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench import env, notes
from bench.stats import percentile
from bench.throughput import REPORT_PAGES

PAGE_TARGET = 1.25
"""A report page's server time over its raw SQL's."""
SMALL_SQL_MS = 20
FLOOR_MARGIN_MS = 5
"""A page whose SQL takes under SMALL_SQL_MS may instead spend at most the floor (the
fixed cost of the stack) plus FLOOR_MARGIN_MS of its own."""
METRICS_TARGET = 0.01
"""The metrics' cost per report request, over the floor's time."""
SEED_TARGET = 0.3
"""The seed's rows/s over COPY's: every row is built by its factory, spread over the cores."""
ROUTING_TARGET = 0.02
AFTER_WRITE_TARGET = 0.05
"""The primary's share of report pages opened right after a save, by WAL position."""
EXPORT_TARGET = 0.5
FIRST_ROW_TARGET = 0.1
EXPORT_GROWTH_MIB = 16
"""The export streams in constant memory if its peak RSS grows less than this at any size."""


def write(figures: dict, path: Path) -> None:
    path.write_text(render(figures))


def render(figures: dict) -> str:
    sections = [
        header,
        targets,
        misses,
        seeding,
        pages,
        routing,
        throughput,
        export,
        after_write,
        mixed,
        notes.indexes,
        machine,
        notes.how_to_run,
    ]
    parts = [render_part(figures) for render_part in sections]
    return "\n\n".join(part for part in parts if part) + "\n"


# --- Helpers ----------------------------------------------------------------------------


def n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def full_size(figures: dict) -> str:
    return str(figures["scale"])


def figures_of(figures: dict, name: str) -> dict | None:
    return figures["sections"].get(name)


# --- Checks: each target, measured ------------------------------------------------------


def seed_summary(figures: dict) -> dict | None:
    seeding = figures_of(figures, "seeding")
    return None if seeding is None else seeding["summary"][full_size(figures)]


def full_pages(figures: dict) -> dict:
    found = figures_of(figures, "pages")
    return {} if found is None else found["by_size"][full_size(figures)]


def floor_ms(figures: dict) -> float | None:
    """The fixed cost of a report request: the floor page's server time (median)."""
    found = figures_of(figures, "pages")
    floor = None if found is None else found.get("floor_by_size", {}).get(full_size(figures))
    return None if floor is None or "server_ms" not in floor else floor["server_ms"]["median"]


def page_meets_target(page: dict, floor: float | None) -> bool:
    if page["ratio"] <= PAGE_TARGET:
        return True
    small = page["raw_sql_ms"]["median"] < SMALL_SQL_MS
    return small and floor is not None and page["overhead_ms"] <= floor + FLOOR_MARGIN_MS


def pages_over_target(figures: dict) -> list[str]:
    floor = floor_ms(figures)
    return [
        name for name, page in full_pages(figures).items() if not page_meets_target(page, floor)
    ]


def query_counts_constant(by_size: dict) -> bool:
    counts = [{name: page["queries"] for name, page in size.items()} for size in by_size.values()]
    return all(count == counts[0] for count in counts)


def export_growth(figures: dict) -> list[float]:
    found = figures_of(figures, "export")
    if found is None:
        return []
    return [run["peak_rss_mib"] - run["rss_before_mib"] for run in found["by_size"].values()]


# --- Sections ---------------------------------------------------------------------------


def header(figures: dict) -> str:
    return (
        "# Benchmarks\n\n"
        f"`make bench` at `BENCH_SCALE={figures['scale']}` ({n(figures['scale'])} timecards"
        f" at full size), run on {figures['started_at']}"
        + (f" on commit `{figures['commit']}`" if "commit" in figures else "")
        + "; the whole run took"
        f" {n(figures['total_seconds'] / 60, 1)} minutes on the machine described at the"
        " end. Every figure is in `bench/results/bench-results.json`, the query plans in"
        " `bench/results/plans/` and the profiles in `bench/results/profiles/`. The"
        " machine is shared and noisy: each figure is a median of several runs, and each"
        " ratio is taken between runs that alternate within this one run of the benchmark."
    )


def targets(figures: dict) -> str:
    rows = []
    seed = seed_summary(figures)
    if seed is not None:
        rows.append(
            [
                "1",
                f"`manage.py seed`, every row built by its factory, at least {SEED_TARGET}x"
                " as fast as `COPY` of the same rows",
                f"{seed['ratio']:.2f}x: {n(seed['seed_rows_per_s'])} against"
                f" {n(seed['copy_rows_per_s'])} rows/s; peak RSS"
                f" {n(seed['seed_peak_rss_mib'])} MiB, workers'"
                f" {n(seed.get('seed_workers_peak_rss_mib', 0))} MiB",
                verdict(seed["ratio"] >= SEED_TARGET),
            ]
        )
    pages_found = figures_of(figures, "pages")
    if pages_found is not None:
        listed = ", ".join(
            f"{name} {page['ratio']:.2f}x" for name, page in full_pages(figures).items()
        )
        rows.append(
            [
                "2",
                f"every report page within {PAGE_TARGET}x of its raw SQL (or, for SQL under"
                f" {SMALL_SQL_MS} ms, its own time within the floor + {FLOOR_MARGIN_MS} ms)",
                listed,
                verdict(not pages_over_target(figures)),
            ]
        )
        floor = floor_ms(figures)
        if floor is not None:
            rows.append(
                [
                    "2",
                    "the floor measured: a report request that runs no report query",
                    f"{floor:.1f} ms",
                    "measured",
                ]
            )
        cost = pages_found.get("metrics_cost")
        if cost is not None and floor is not None:
            share = cost["report_request_us"] / (floor * 1000)
            rows.append(
                [
                    "2",
                    f"the metrics' cost under {METRICS_TARGET:.0%} of the floor per request",
                    f"{cost['report_request_us']:.1f} us a report request"
                    f" ({share:.2%} of the floor); {cost['write_statement_us']:.1f} us a write",
                    verdict(share < METRICS_TARGET),
                ]
            )
        sizes = ", ".join(n(int(size)) for size in pages_found["by_size"])
        constant = query_counts_constant(pages_found["by_size"])
        rows.append(
            [
                "2",
                f"a constant query count ({sizes} timecards)",
                "the same at every size" if constant else "it changes with the size",
                verdict(constant),
            ]
        )
    routing_found = figures_of(figures, "routing")
    if routing_found is not None:
        overhead = routing_found["overhead"]["routed"]
        rows.append(
            [
                "3",
                f"router + scope under {ROUTING_TARGET:.0%} over no router, 10,000 ORM reads",
                f"{overhead:+.1%}",
                verdict(overhead < ROUTING_TARGET),
            ]
        )
    load = figures_of(figures, "throughput")
    if load is not None:
        reports = load["results"]["reports"]
        share = reports["standby"]["primary_share"]
        rows.append(
            [
                "4",
                "the primary's share of the report queries under load: zero when routed",
                f"{share:.0%} routed; {reports['primary']['primary_share']:.0%} when the"
                " reports are forced to the primary",
                verdict(share == 0),
            ]
        )
    growth = export_growth(figures)
    if growth:
        export_found = figures_of(figures, "export")
        runs = list(export_found["by_size"].values())
        full = export_found["by_size"][full_size(figures)]
        rows.append(
            [
                "5",
                "the CSV export streams in constant memory",
                "peak RSS "
                + ", ".join(f"{run['peak_rss_mib']:.0f}" for run in runs)
                + " MiB for "
                + ", ".join(n(run["rows"]) for run in runs)
                + " rows",
                verdict(max(growth) < EXPORT_GROWTH_MIB),
            ]
        )
        rows.append(
            [
                "5",
                f"export rows/s at least {EXPORT_TARGET}x of a bare `COPY (...) TO STDOUT`",
                f"{n(full['export_rows_per_s'])} against {n(full['copy_rows_per_s'])} rows/s"
                f" ({full['ratio']:.2f}x)",
                verdict(full["ratio"] >= EXPORT_TARGET),
            ]
        )
        rows.append(
            [
                "5",
                f"the export's first row within {FIRST_ROW_TARGET} s",
                f"{full['first_row_seconds']:.3f} s",
                verdict(full["first_row_seconds"] <= FIRST_ROW_TARGET),
            ]
        )
    saved = figures_of(figures, "after_write")
    if saved is not None:
        wal, window = saved["modes"]["wal"], saved["modes"]["window"]
        rows.append(
            [
                "6",
                f"report pages right after a save: the primary serves under"
                f" {AFTER_WRITE_TARGET:.0%} with WAL positions",
                f"{wal['primary_share']:.1%} by WAL position, {window['primary_share']:.1%}"
                f" with the time window ({n(wal['report_pages'])} pages each)",
                verdict(wal["primary_share"] < AFTER_WRITE_TARGET),
            ]
        )
    budgeted = mixed_budgets(figures)
    if budgeted is not None:
        rows.append(
            [
                "7",
                "saves while reports load, each role on a CPU budget of its own: more saves/s"
                " and a lower save p95 with the reports on the standby",
                mixed_measured(budgeted),
                "not run" if "unavailable" in budgeted else verdict(mixed_met(budgeted)),
            ]
        )
    return "## Targets\n\n" + table(["#", "target", "measured", "verdict"], rows)


def mixed_budgets(figures: dict) -> dict | None:
    found = figures_of(figures, "mixed")
    return None if found is None else found["budgets"]


def mixed_met(found: dict) -> bool:
    standby, primary = found["results"]["standby"], found["results"]["primary"]
    more = standby["saves_per_s"] > primary["saves_per_s"]
    return more and standby["save_p95_ms"] < primary["save_p95_ms"]


def mixed_measured(found: dict) -> str:
    if "unavailable" in found:
        return f"not run here: {found['unavailable']}"
    standby, primary = found["results"]["standby"], found["results"]["primary"]
    return (
        f"{standby['saves_per_s']:.1f} against {primary['saves_per_s']:.1f} saves/s, p95"
        f" {standby['save_p95_ms']:.0f} against {primary['save_p95_ms']:.0f} ms; the"
        f" primary's CPU per save {standby['primary_cpu_ms_per_save']:.1f} against"
        f" {primary['primary_cpu_ms_per_save']:.1f} ms"
    )


def misses(figures: dict) -> str:
    parts = []
    seed = seed_summary(figures)
    if seed is not None and seed["ratio"] < SEED_TARGET:
        parts.append(notes.seeding_miss(figures, seed))
    over = pages_over_target(figures)
    if over:
        parts.append(notes.pages_miss(figures, over))
    routing_found = figures_of(figures, "routing")
    if routing_found is not None and routing_found["overhead"]["routed"] >= ROUTING_TARGET:
        parts.append(notes.routing_miss(routing_found))
    if export_growth(figures) and max(export_growth(figures)) >= EXPORT_GROWTH_MIB:
        parts.append(notes.export_memory_miss())
    budgeted = mixed_budgets(figures)
    if budgeted is not None and "unavailable" not in budgeted and not mixed_met(budgeted):
        parts.append(notes.mixed_miss(budgeted))
    if not parts:
        return ""
    return "## What misses, why, and the next step\n\n" + "\n\n".join(parts)


def seeding(figures: dict) -> str:
    found = figures_of(figures, "seeding")
    if found is None:
        return ""
    rows = []
    for size, summary in sorted(found["summary"].items(), key=lambda item: int(item[0])):
        load = found["loads"][size]
        copy = ["", "", ""]
        if summary["ratio"] is not None:
            copy = [
                f"{summary['copy_seconds']:.1f}",
                n(summary["copy_rows_per_s"]),
                f"{summary['ratio']:.2f}x",
            ]
        rows.append(
            [
                n(summary["timecards"]),
                n(summary["invoices"]),
                f"{load['users']} x {load['weeks']}",
                f"{summary['seed_seconds']:.1f}",
                n(summary["seed_rows_per_s"]),
                n(summary["seed_peak_rss_mib"]),
                n(summary.get("seed_workers_peak_rss_mib", 0)),
                *copy,
            ]
        )
    head = ["timecards", "invoices", "people x weeks", "seed s", "seed rows/s", "peak RSS MiB"]
    head += ["workers' peak MiB", "COPY s", "COPY rows/s", "ratio"]
    return "## 1. Seeding\n\n" + notes.SEEDING_METHOD + "\n\n" + table(head, rows)


def ratio_spread(page: dict) -> str:
    """The per-run ratios' quartiles: how far this machine moved the page's ratio."""
    ratios = [
        run["server_ms"] / run["raw_sql_ms"] for run in page.get("runs", []) if "raw_sql_ms" in run
    ]
    if not ratios:
        return ""
    return f"{percentile(ratios, 25):.2f}-{percentile(ratios, 75):.2f}x"


def pages(figures: dict) -> str:
    found = figures_of(figures, "pages")
    if found is None:
        return ""
    rows = []
    for name, page in full_pages(figures).items():
        heaviest = max(page["sql"], key=lambda query: query["raw_ms"])
        rows.append(
            [
                name,
                f"{page['server_ms']['median']:.1f}",
                f"{page['raw_sql_ms']['median']:.1f}",
                f"{page['ratio']:.2f}x",
                ratio_spread(page),
                f"{page['overhead_ms']:.1f}",
                f"{page['queries']['standby']} + {page['queries']['default']}",
                "; ".join(heaviest.get("scans", [])[:2]),
            ]
        )
    sizes = list(found["by_size"])
    counts = [
        [name, *(queries(found["by_size"][size][name]) for size in sizes)]
        for name in full_pages(figures)
    ]
    return (
        f"## 2. Report pages at {n(int(full_size(figures)))} timecards\n\n"
        + notes.PAGES_METHOD
        + "\n\n"
        + table(
            [
                "page",
                "server ms",
                "raw SQL ms",
                "ratio",
                "middle half of the runs' ratios",
                "Django's own ms",
                "queries (standby + primary)",
                "heaviest query reads",
            ],
            rows,
        )
        + floor_line(found, full_size(figures))
        + own_time_part(full_pages(figures), found.get("floor_by_size", {}).get(full_size(figures)))
        + engines_part(found)
        + template_parts_part(found)
        + hand_sql_part(found)
        + metrics_part(found)
        + "\n\nQueries per request (standby + primary) at each size, counted by"
        " `CaptureQueriesContext` on both connections:\n\n"
        + table(["page", *(f"{n(int(size))} timecards" for size in sizes)], counts)
    )


def own_time_part(found: dict, floor: dict | None) -> str:
    split = notes.own_time_split(found, floor)
    if not split:
        return ""
    rows = [
        [
            name,
            f"{figures['server_ms']:.1f}",
            f"{figures['statements_ms']:.1f}",
            f"{figures['template_ms']:.1f}",
            f"{figures['python_ms']:.1f}",
            "" if name == "floor" else f"{figures['template_beyond_ms']:.1f}",
            "" if name == "floor" else f"{figures['view_python_ms']:.1f}",
        ]
        for name, figures in split.items()
    ]
    head = [
        "page",
        "server ms",
        "statements ms",
        "template ms",
        "Python ms",
        "template beyond the frame ms",
        "view's Python ms",
    ]
    return "\n\n" + notes.OWN_TIME + "\n\n" + table(head, rows)


def engines_part(found: dict) -> str:
    compared = found.get("engines")
    if not compared:
        return ""
    rows = [
        [
            name,
            f"`{figures['url']}`",
            str(figures["rows"]),
            f"{figures['django_ms']:.2f}",
            f"{figures['jinja2_ms']:.2f}",
            f"{figures['python_ms']:.2f}",
        ]
        for name, figures in compared.items()
    ]
    head = ["page", "url", "rows", "Django's engine ms", "Jinja2 ms", "Python ms"]
    return measured_part(notes.ENGINES, head, rows, notes.engines_choice(compared))


def template_parts_part(found: dict) -> str:
    measured = found.get("template_parts")
    if not measured:
        return ""
    parts = ("whole", "frame", "form", "chart", "rows", "rest")
    rows = [
        [name, *(f"{figures[f'{part}_ms']:.2f}" for part in parts)]
        for name, figures in measured.items()
    ]
    head = [
        "page",
        "whole ms",
        "frame ms",
        "filter form ms",
        "chart ms",
        "rows ms",
        "the rest ms",
    ]
    return measured_part(notes.TEMPLATE_PARTS, head, rows, notes.template_engine_choice(measured))


def hand_sql_part(found: dict) -> str:
    compared = found.get("hand_sql")
    if not compared:
        return ""
    rows = [
        [name, figures["error"], "", "", "", "", ""]
        if "error" in figures
        else [
            name,
            f"{figures['orm_ms']:.1f}",
            f"{figures['hand_ms']:.1f}",
            f"{figures['orm_python_ms']:.1f}",
            f"{figures['hand_python_ms']:.1f}",
            f"{figures['saved_python_ms']:.1f}",
            f"{figures['saved_ms']:.1f}",
        ]
        for name, figures in compared.items()
    ]
    head = [
        "page",
        "ORM ms",
        "hand-written SQL ms",
        "ORM's Python ms",
        "hand-written's Python ms",
        "Python saved ms",
        "saved in all ms",
    ]
    return measured_part(notes.HAND_SQL, head, rows, notes.HAND_SQL_CHOICE)


def measured_part(method: str, head: list[str], rows: list[list[str]], reading: str) -> str:
    """One of section 2's measured alternatives: how it was measured, its table, and
    what it says."""
    return "\n\n" + method + "\n\n" + table(head, rows) + "\n\n" + reading


def metrics_part(found: dict) -> str:
    cost = found.get("metrics_cost")
    if not cost:
        return ""
    return (
        "\n\n**The metrics' cost** (`bench/metrics_cost.py`, in prometheus_client's"
        " multiprocess mode as under gunicorn): a report request sends one"
        " signal for its scope's decision, which the `metrics` app counts in"
        f" {cost['report_request_us']:.1f} us more than with no receiver (best of five loops"
        f" of {n(cost['sends'])}); each statement a save runs that is not a read adds"
        f" {cost['write_statement_us']:.1f} us. The lag gauges are measured when scraped,"
        " not per request."
    )


def floor_line(found: dict, size: str) -> str:
    floor = found.get("floor_by_size", {}).get(size)
    if not floor or "server_ms" not in floor:
        return ""
    return (
        "\n\n**The floor**: `bench/floor.py`, a report view declared as the others are"
        " (`require_safe`, the reports' access check, `read_from` the standby group) that"
        " renders the reports' frame and runs no report query, through the same stack:"
        f" {floor['server_ms']['median']:.1f} ms (median of {floor['server_ms']['runs']}),"
        f" {floor['queries']['default']} queries on the primary (the session and the user)"
        f" and {floor['queries']['standby']} on the standby. A page within"
        f" {PAGE_TARGET}x of its SQL meets the target; so does one whose SQL takes under"
        f" {SMALL_SQL_MS} ms and whose own time is within the floor + {FLOOR_MARGIN_MS} ms."
    )


def queries(page: dict) -> str:
    return "{standby} + {default}".format(**page["queries"])


def routing(figures: dict) -> str:
    found = figures_of(figures, "routing")
    if found is None:
        return ""
    rows = []
    for name, us in found["us_per_read"].items():
        overhead = found["overhead"].get(name)
        added = found["added_us_per_read"].get(name)
        rows.append(
            [
                name,
                f"{found['seconds'][name]['median']:.2f}",
                f"{us:.1f}",
                "" if added is None else f"{added:+.1f}",
                "" if overhead is None else f"{overhead:+.1%}",
            ]
        )
    head = ["way", f"s per {n(found['reads'])} reads", "us per read", "added us per read"]
    head.append("overhead")
    return (
        "## 3. Routing overhead\n\n"
        + notes.ROUTING_METHOD
        + "\n\n"
        + table(head, rows)
        + "\n\n"
        + notes.routing_costs(found)
    )


def throughput(figures: dict) -> str:
    found = figures_of(figures, "throughput")
    if found is None:
        return ""
    rows = []
    for load, modes in found["results"].items():
        for mode, result in modes.items():
            share = result["primary_share"]
            rows.append(
                [
                    load,
                    mode,
                    f"{result['requests_per_s']:.1f}",
                    f"{result['p50_ms']:.0f}",
                    f"{result['p95_ms']:.0f}",
                    f"{result['p99_ms']:.0f}",
                    str(result["errors"]),
                    "" if share is None else f"{share:.0%}",
                ]
            )
    server, wrk = found["gunicorn"], found["wrk"]
    setup = (
        f"gunicorn {server['worker_class']}, {server['workers']} workers x {server['threads']}"
        f" threads (`{server['config']}`); wrk {wrk['threads']} threads, {wrk['connections']}"
        f" connections, {wrk['seconds']} s a run. Loads: "
        + "; ".join(f"`{load}` = {', '.join(paths)}" for load, paths in found["loads"].items())
        + "."
    )
    head = ["load", "reports on", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"]
    head.append("primary's share of report-table scans")
    return (
        "## 4. Throughput\n\n"
        + notes.THROUGHPUT_METHOD
        + "\n\n"
        + setup
        + "\n\n"
        + table(head, rows)
        + "\n\n"
        + notes.throughput_reading(found)
    )


def export(figures: dict) -> str:
    found = figures_of(figures, "export")
    if found is None:
        return ""
    rows = [
        [
            n(run["rows"]),
            f"{run['bytes'] / 1e6:.1f}",
            f"{run['export_seconds']['median']:.2f}",
            n(run["export_rows_per_s"]),
            f"{run['first_row_seconds']:.2f}",
            f"{run['rss_before_mib']:.1f}",
            f"{run['peak_rss_mib']:.1f}",
            n(run["copy_rows_per_s"]),
        ]
        for run in found["by_size"].values()
    ]
    head = ["rows", "MB", "export s", "export rows/s", "first row s", "RSS before MiB"]
    head += ["peak RSS MiB", "COPY rows/s"]
    return (
        "## 5. CSV export\n\n"
        + notes.EXPORT_METHOD
        + "\n\n"
        + table(head, rows)
        + "\n\n"
        + notes.export_speed(found["by_size"][full_size(figures)])
    )


def after_write(figures: dict) -> str:
    found = figures_of(figures, "after_write")
    if found is None:
        return ""
    rows = [
        [
            f"`{mode}`",
            n(result["report_pages"]),
            ", ".join(f"{alias} {count}" for alias, count in sorted(result["served_by"].items())),
            f"{result['primary_share']:.1%}",
            f"{result['report_ms']['p50']:.1f}",
            f"{result['report_ms']['p95']:.1f}",
        ]
        for mode, result in found["modes"].items()
    ]
    head = ["READ_YOUR_WRITES_BY", "report pages", "served by", "primary's share"]
    head += ["report p50 ms", "report p95 ms"]
    check = found["position_check"]["microseconds_per_call"]
    cost_rows = [
        [name.replace("_", " "), f"{check[name]:.1f}"]
        for name in ("decide_unpinned", "decide_pin_known", "decide_pin_asked", "take_position")
    ]
    setup = (
        f"{found['people']} people, one thread each, {found['iterations']} saves each per mode;"
        f" the report page is `{found['report_page']}`; `READ_YOUR_WRITES_SECONDS` ="
        f" {found['read_your_writes_seconds']}. The {n(found['timecards_cleaned_up'])}"
        " timecards saved were deleted afterwards."
    )
    return (
        "## 6. Reports right after a save\n\n"
        + notes.AFTER_WRITE_METHOD
        + "\n\n"
        + setup
        + "\n\n"
        + table(head, rows)
        + "\n\n"
        + notes.POSITION_CHECK_METHOD
        + "\n\n"
        + table(["way", "us per call"], cost_rows)
        + "\n\n"
        + notes.after_write_reading(found)
    )


def mixed(figures: dict) -> str:
    found = figures_of(figures, "mixed")
    if found is None:
        return ""
    budgeted, pinned = found["budgets"], found["pinned"]
    parts = ["## 7. Saves on the primary while reports load", notes.MIXED_METHOD]
    if "unavailable" in budgeted:
        parts.append(f"**With CPU budgets**: not run here ({budgeted['unavailable']}).")
    else:
        budgets = ", ".join(f"{role} {cores} core" for role, cores in budgeted["budgets"].items())
        parts += [
            f"**With a CPU budget per role** ({budgets}; `bench/budgets.py`). {setup(budgeted)}",
            mixed_table(budgeted, budgeted=True),
            notes.mixed_reading(budgeted),
        ]
    cores = ", ".join(f"{name} on {list(pinned['cores'][name])}" for name in pinned["cores"])
    parts += [
        f"**Pinned to the two cores** ({cores}), as in earlier runs. {setup(pinned)}",
        mixed_table(pinned, budgeted=False),
        notes.pinned_reading(pinned),
    ]
    return "\n\n".join(parts)


def setup(found: dict) -> str:
    return (
        f"{found['writers']} writers, {found['readers']} `wrk` connections loading"
        f" {', '.join(f'`{path}`' for path in REPORT_PAGES)}, {found['seconds']} s a run,"
        f" {found['rounds']} rounds. The {n(found['timecards_cleaned_up'])} timecards saved"
        " were deleted afterwards."
    )


def mixed_table(found: dict, *, budgeted: bool) -> str:
    rows = []
    for mode, result in found["results"].items():
        row = [
            mode,
            f"{result['saves_per_s']:.1f}",
            f"{result['save_p50_ms']:.0f}",
            f"{result['save_p95_ms']:.0f}",
            f"{result['save_p99_ms']:.0f}",
            f"{result['report_pages_per_s']:.1f}",
            f"{result['report_p99_ms']:.0f}",
        ]
        if budgeted:
            row += [
                f"{result['primary_cpu_ms_per_save']:.1f}",
                ", ".join(f"{name} {cores:.2f}" for name, cores in result["busy"].items()),
                ", ".join(f"{name} {share:.0%}" for name, share in result["held"].items()),
            ]
        else:
            row.append(", ".join(f"{name} {share:.0%}" for name, share in result["busy"].items()))
        rows.append(row)
    head = ["reports on", "saves/s", "save p50 ms", "save p95 ms", "save p99 ms"]
    head += ["report pages/s", "report p99 ms"]
    if budgeted:
        head += ["primary's CPU ms per save", "cores used", "periods held at the budget"]
    else:
        head.append("cores busy")
    return table(head, rows)


def machine(figures: dict) -> str:
    info = figures["machine"]
    settings = ", ".join(f"`{k}` {v}" for k, v in info["postgresql_settings"].items())
    seconds = ", ".join(f"{name} {s / 60:.1f}" for name, s in figures["section_seconds"].items())
    lines = [
        f"- {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB of memory,"
        f" Linux {info['kernel']}; shared with other work (load average"
        f" {info['load_average_at_start'][0]:.2f} at the start,"
        f" {info.get('load_average_at_end', [0])[0]:.2f} at the end)",
        f"- {info['postgresql'].split(' on ')[0]}, primary and standby on this machine; {settings}",
        f"- Python {info['python']}, " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
        f"- minutes per section: {seconds}",
    ]
    return "## Machine\n\n" + "\n".join(lines)


if __name__ == "__main__":  # python -m bench.markdown: rewrite BENCHMARKS.md from the JSON
    write(json.loads((env.RESULTS / "bench-results.json").read_text()), env.REPO / "BENCHMARKS.md")
