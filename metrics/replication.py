"""Each member's replication state, measured when Prometheus scrapes.

Lag is a state, not an event: a value kept by the workers would say what the last
report page saw, which may be minutes old on a quiet site. So a scrape asks
``core.routing.status`` for every member, as a decision does (``current_status``: the
measurement the pages of this process share, taken again when its age could carry it
past the lag bound), and writes:

- ``db_standby_up{member}``: 1 when it is a hot standby streaming the primary's timeline,
  0 when it is down, does not replicate, or leads;
- ``db_standby_leading{member}``: 1 when it leads (a failover cluster lists every node,
  the primary among them: that member is not down, and serves no report);
- ``db_standby_replay_lag_seconds{member}``: how far behind it may be now (the lag the
  routing holds against ``STANDBY_MAX_LAG_SECONDS``, the measurement's age included);
- ``db_standby_lag_bytes{member}``: the WAL between the primary's position and what the
  member has replayed.

A lag that could not be measured (the member is down) has no sample rather than a
made-up one: alert on ``db_standby_up + db_standby_leading == 0``. The embedded SQLite
standby reads the primary's own file, so its lag is 0.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from core.routing.groups import all_members
from core.routing.status import StandbyStatus, current_status

__all__ = ["ReplicationCollector"]


class ReplicationCollector(Collector):
    """The members' state, measured (or taken from the status cache) at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "db_standby_up",
            "1 when a member is a hot standby streaming the primary's timeline, else 0.",
            labels=["member"],
        )
        leading = GaugeMetricFamily(
            "db_standby_leading",
            "1 when a member leads (the primary of a failover cluster), else 0.",
            labels=["member"],
        )
        seconds = GaugeMetricFamily(
            "db_standby_replay_lag_seconds",
            "How far behind the primary a member may be now, in seconds.",
            labels=["member"],
        )
        size = GaugeMetricFamily(
            "db_standby_lag_bytes",
            "WAL bytes between the primary's position and what a member has replayed.",
            labels=["member"],
        )
        for member in sorted(all_members()):
            status = current_status(member)
            up.add_metric([member], 1 if status.healthy else 0)
            leads = not status.error and status.replicated and status.in_recovery is False
            leading.add_metric([member], 1 if leads else 0)
            lag_seconds, lag_bytes = _lag(status)
            if lag_seconds is not None:
                seconds.add_metric([member], lag_seconds)
            if lag_bytes is not None:
                size.add_metric([member], lag_bytes)
        yield from (up, leading, seconds, size)

    def describe(self) -> list:
        return []  # measured at scrape time only, never when registered


def _lag(status: StandbyStatus) -> tuple[float | None, int | None]:
    if status.error:
        return None, None
    if not status.replicated:  # the embedded standby: the primary's own file
        return 0.0, 0
    if not status.in_recovery:  # it leads: not a standby, no lag to speak of
        return None, None
    return status.lag_now(), status.lag_bytes
