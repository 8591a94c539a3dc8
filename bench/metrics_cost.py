"""Section 2's metrics cost: what counting the routing adds to a request.

A report request sends one ``read_scope_decided`` (its scope's decision); a save sends
one ``write_detected`` per statement that is not a read. Each is timed here with the
``metrics`` app's receivers connected and with none, many times over, and the difference
is the metrics' cost, set against the floor (the fixed cost of a report request).
Measured in a loop because it is microseconds: a page's own timing varies by more.

Run as ``python -m bench.metrics_cost`` in a process of its own with
``PROMETHEUS_MULTIPROC_DIR`` set (``bench/__main__.py``), as gunicorn runs the site:
there each count is a write to a file shared by the workers, dearer than in memory.
"""

from __future__ import annotations

import argparse
import os
import time

import django

django.setup()

from bench import env  # noqa: E402
from core.routing import signals  # noqa: E402
from core.routing.decision import ReadDecision  # noqa: E402
from metrics import receivers  # noqa: E402

__all__ = ["measure"]

SENDS = 20_000


def _per_send_us(send) -> float:
    best = float("inf")
    for _ in range(5):  # the best of five: the machine's noise only ever adds
        started = time.perf_counter()
        for _ in range(SENDS):
            send()
        best = min(best, (time.perf_counter() - started) / SENDS * 1e6)
    return best


def measure() -> dict:
    """Microseconds a request spends on metrics: a report's scope, and a save's write."""
    decision = ReadDecision("standby", "standby")

    def scope() -> None:
        signals.read_scope_decided.send_robust(__name__, decision=decision)

    def write() -> None:
        signals.write_detected.send_robust(__name__, sql="INSERT INTO t VALUES (1)")

    counted = {"scope": _per_send_us(scope), "write": _per_send_us(write)}
    signals.read_scope_decided.disconnect(dispatch_uid="metrics.count_scope")
    signals.write_detected.disconnect(dispatch_uid="metrics.count_write")
    try:
        bare = {"scope": _per_send_us(scope), "write": _per_send_us(write)}
    finally:
        receivers.connect()
    return {
        "report_request_us": counted["scope"] - bare["scope"],
        "write_statement_us": counted["write"] - bare["write"],
        "sends": SENDS,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    found = measure()
    found["multiprocess"] = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    env.write_json(args.out, found)


if __name__ == "__main__":
    main()
