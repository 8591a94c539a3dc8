"""Section 6 probe: what read-your-writes by WAL position adds to a report request.

Run by the orchestrator as ``python -m bench.position_check`` in a Django process, on the
benchmark's database. Each way is timed over many calls in batches that alternate, and
the median per call is kept:

- ``decide_unpinned``: ``core.routing.decision.decide`` for a browser that wrote nothing (the
  member's status comes from the brief cache, as on most requests);
- ``decide_pin_known``: the same for a browser whose write the cached status has already
  passed (no query: the usual case, as replay is quick);
- ``decide_pin_asked``: a write the cache has not seen passed, so the chosen member is
  asked for its replay position (one query on the standby);
- ``take_position``: what a writing request pays once, at its end: the primary's
  ``core.routing.positions.primary_write_position()``.
"""

from __future__ import annotations

import argparse
import time

import django

django.setup()

from bench import env  # noqa: E402
from bench.stats import median  # noqa: E402
from core.routing import decision, positions, status  # noqa: E402

CALLS = 400
ROUNDS = 5


def _per_call_us(func, calls: int = CALLS) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        func()
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    position = positions.primary_write_position()
    status.standby_status("standby", max_age=0)  # the cache, as a running site has it
    assert positions.has_replayed("standby", position), "the standby is behind the primary"

    def pin_asked() -> None:
        with status._cache_lock:
            positions._replayed.clear()  # what the cache knew: forgotten, so it asks
        decision.decide("standby", min_position=position)

    ways = {
        "decide_unpinned": lambda: decision.decide("standby"),
        "decide_pin_known": lambda: decision.decide("standby", min_position=position),
        "decide_pin_asked": pin_asked,
        "take_position": positions.primary_write_position,
    }
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(ROUNDS):
        for name, way in ways.items():
            status.standby_status("standby", max_age=0)
            samples[name].append(_per_call_us(way))
    figures = {name: median(values) for name, values in samples.items()}
    figures["calls_per_round"] = CALLS
    figures["rounds"] = ROUNDS
    env.write_json(args.out, {"microseconds_per_call": figures})


if __name__ == "__main__":
    main()
