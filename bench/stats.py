"""Medians and percentiles: the figures of a noisy, shared machine."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` from 0 to 100) of ``values``."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share / 100 * len(ordered) + 0.5) - 1))
    return float(ordered[rank])


def timed(func: Callable[[], object]) -> float:
    """Seconds ``func`` took, by the monotonic high-resolution clock."""
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def summary(values: Sequence[float]) -> dict[str, float | int]:
    """Median, min and max of a series, and how many runs it has."""
    return {
        "median": median(values),
        "min": float(min(values)),
        "max": float(max(values)),
        "runs": len(values),
    }
