"""What one scrape collects: this process's counters, or the files of every worker.

Under gunicorn each worker counts what it serves. With ``PROMETHEUS_MULTIPROC_DIR`` set
(``docker/web/gunicorn.conf.py`` sets it before the workers start), prometheus_client
keeps every worker's values in files there, and a scrape that any worker answers adds
them up (``MultiProcessCollector``); the master marks a worker's files dead when it
exits, so a gauge such as ``db_standby_breaker_open`` only counts live ones. Without it
(``manage.py runserver``, tests) the scrape reads this process's counters directly.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from metrics.instruments import INSTRUMENTS
from metrics.replication import ReplicationCollector

__all__ = ["scrape_registry"]


def scrape_registry() -> CollectorRegistry:
    """A registry holding everything one scrape writes."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        for instrument in INSTRUMENTS:
            registry.register(instrument)
    registry.register(ReplicationCollector())
    return registry
