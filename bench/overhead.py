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

from django.db import router  # noqa: E402

from bench import env  # noqa: E402
from bench.stats import median, summary  # noqa: E402
from core.routing import ScopedReadRouter, read_from  # noqa: E402
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
            "ratios": ratios,
        },
    )


if __name__ == "__main__":
    main()
