"""Section 3 probe: what the router and a ``read_from`` scope add to an ORM read.

Run by the orchestrator as ``python -m bench.overhead`` in a Django process. Three ways
of reading the same 10,000 timecards by primary key from the standby:

- ``routed``: a ``read_from("standby")`` scope around the reads (of one batch), as a
  report view has; every read asks ``ScopedReadRouter.db_for_read``.
- ``scope_per_read``: a scope entered and left around every single read (the worst
  case: a view that reads once).
- ``direct``: a manager bound to the standby (``db_manager("standby")``), whose queries
  Django sends to the alias without asking any router: the same reads, no routing.

Each round reads the 10,000 timecards every way, in batches of 500 that alternate
between the ways in a rotating order, so that a burst of load elsewhere on the machine
slows all three alike; the overhead is the ratio to ``direct`` within each round,
medianed over the rounds.
"""

from __future__ import annotations

import argparse
import random
import time

import django

django.setup()

from django.db import connections, router, transaction  # noqa: E402
from django.db.models import F, Sum  # noqa: E402
from django.db.models.functions import TruncWeek  # noqa: E402

from bench import env  # noqa: E402
from bench.stats import median, summary  # noqa: E402
from core.routing import ScopedReadRouter, read_from, statements  # noqa: E402
from timetrack.models import Timecard  # noqa: E402

READS = 10_000
BATCH = 500


def routed(pks: list[int]) -> None:
    with read_from("standby"):
        for pk in pks:
            Timecard.objects.get(pk=pk)


def scope_per_read(pks: list[int]) -> None:
    for pk in pks:
        with read_from("standby"):
            Timecard.objects.get(pk=pk)


def direct(pks: list[int]) -> None:
    # A manager bound to the alias (made once): the same ORM work as ``routed``, minus the
    # router, which Django does not ask when a queryset already names its database.
    standby = Timecard.objects.db_manager("standby")
    for pk in pks:
        standby.get(pk=pk)


WAYS = {"routed": routed, "scope_per_read": scope_per_read, "direct": direct}
CALLS = 100_000


def router_costs(pk: int) -> dict[str, float]:
    """The routing work itself, without the database: what one read pays for it."""
    calls = 0
    ask = ScopedReadRouter.db_for_read

    def counting(self: ScopedReadRouter, model: type, **hints: object) -> str:
        nonlocal calls
        calls += 1
        return ask(self, model, **hints)

    ScopedReadRouter.db_for_read = counting
    try:
        with read_from("standby"):
            Timecard.objects.get(pk=pk)
    finally:
        ScopedReadRouter.db_for_read = ask
    with read_from("standby"):
        started = time.perf_counter()
        for _ in range(CALLS):
            router.db_for_read(Timecard)
        call = (time.perf_counter() - started) / CALLS
    started = time.perf_counter()
    for _ in range(CALLS // 10):
        with read_from("standby"):
            pass
    scope = (time.perf_counter() - started) / (CALLS // 10)
    return {
        "router_calls_per_read": calls,
        "db_for_read_us": call * 1e6,
        "scope_enter_leave_us": scope * 1e6,
    }


class _Undo(Exception):
    """Raised to roll back the statements captured for the write detection's measure."""


def statements_of_the_site() -> list[str]:
    """The SQL the primary runs for the site's usual work, as its execute wrappers see it:
    reads by key and with joins, a report's aggregate, a locking read, an insert, an
    update, a delete and the savepoints around them (rolled back: nothing is kept)."""
    captured: list[str] = []

    def capture(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        captured.append(sql)
        return execute(sql, params, many, context)

    with connections["default"].execute_wrapper(capture):
        try:
            with transaction.atomic():
                card = Timecard.objects.select_related("project__client", "user").first()
                Timecard.objects.filter(user=card.user).aggregate(total=Sum("hours"))
                list(
                    Timecard.objects.filter(user=card.user)
                    .annotate(week=TruncWeek("date"))
                    .values("week")
                    .annotate(total=Sum("hours"))
                    .order_by("week")[:12]
                )
                list(Timecard.objects.select_for_update().filter(pk=card.pk))
                Timecard.objects.filter(pk=card.pk).update(hours=F("hours"))
                card.pk = None
                card.save()
                card.delete()
                raise _Undo
        except _Undo:
            pass
    return captured


def write_detection_costs(pk: int) -> dict:
    """What telling reads from writes costs per statement the primary runs: uncached (a
    statement's first time in the process) and cached (every later time), against a
    read by key on the primary."""
    site = statements_of_the_site()
    read_only = statements._read_only_functions()
    classify = statements._only_reads.__wrapped__  # the rules, without the cache
    repeats = 2_000
    started = time.perf_counter()
    for _ in range(repeats):
        for sql in site:
            classify(sql, read_only)
    uncached = (time.perf_counter() - started) / (repeats * len(site))
    started = time.perf_counter()
    for _ in range(repeats * 10):
        for sql in site:
            statements.only_reads(sql)
    cached = (time.perf_counter() - started) / (repeats * 10 * len(site))
    primary = Timecard.objects.db_manager("default")
    primary.get(pk=pk)
    reads = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(200):
            primary.get(pk=pk)
        reads.append((time.perf_counter() - started) / 200)
    return {
        "statements": len(site),
        "writes": sum(not statements.only_reads(sql) for sql in site),
        "uncached_us": uncached * 1e6,
        "cached_us": cached * 1e6,
        "primary_read_us": median(reads) * 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ids = list(Timecard.objects.using("standby").values_list("pk", flat=True)[: READS * 5])
    pks = random.Random(1).sample(ids, min(READS, len(ids)))
    for way in WAYS.values():  # connections open, code paths warm
        way(pks[:500])
    seconds: dict[str, list[float]] = {name: [] for name in WAYS}
    names = list(WAYS)
    batches = [pks[start : start + BATCH] for start in range(0, len(pks), BATCH)]
    for _ in range(args.rounds):
        spent = dict.fromkeys(WAYS, 0.0)
        for number, batch in enumerate(batches):
            for name in names[number % 3 :] + names[: number % 3]:
                started = time.perf_counter()
                WAYS[name](batch)
                spent[name] += time.perf_counter() - started
        for name, total in spent.items():
            seconds[name].append(total)
    pairs = {
        name: list(zip(seconds[name], seconds["direct"], strict=True))
        for name in ("routed", "scope_per_read")
    }
    added = {
        name: median([(way - direct) / len(pks) * 1e6 for way, direct in rounds])
        for name, rounds in pairs.items()
    }
    ratios = {
        name: [s / d for s, d in zip(seconds[name], seconds["direct"], strict=True)]
        for name in ("routed", "scope_per_read")
    }
    env.write_json(
        args.out,
        {
            "reads": len(pks),
            "seconds": {name: summary(values) for name, values in seconds.items()},
            "us_per_read": {
                name: median(values) / len(pks) * 1e6 for name, values in seconds.items()
            },
            "added_us_per_read": added,
            "overhead": {name: median(values) - 1 for name, values in ratios.items()},
            "costs": router_costs(pks[0]),
            "write_detection": write_detection_costs(pks[0]),
            "ratios": ratios,
        },
    )


if __name__ == "__main__":
    main()
