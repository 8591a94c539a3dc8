"""``manage.py replication_status``: is each standby in recovery, streaming, how far behind.

For operators and scripts: every member of the standby group is listed (or the one alias
named with ``--database``). The exit status is 0 when each is a streaming hot standby (or
when the site runs embedded, with no replication to watch), and 1 when any is
unreachable, not in recovery, or not streaming.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from core.routing.groups import describe_database, members
from core.routing.status import standby_status


class Command(BaseCommand):
    help = "Show whether each standby is in recovery and streaming, its replay position and lag."

    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database",
            choices=list(connections),
            help="One alias to inspect (default: every member of the standby group).",
        )

    def handle(self, *args: Any, database: str | None, **options: Any) -> None:
        aliases = [database] if database else members(settings.STANDBY_GROUP)
        unhealthy = []
        for alias in aliases:
            status = standby_status(alias, max_age=0)
            self.stdout.write(f"{alias}: {describe_database(alias)}")
            if status.replicated and not status.error:
                self.stdout.write(f"  in recovery:  {_yes_no(status.in_recovery)}")
                self.stdout.write(f"  streaming:    {_yes_no(status.streaming)}")
                self.stdout.write(f"  replayed to:  {status.replay_lsn or 'unknown'}")
                self.stdout.write(f"  replay lag:   {status.lag_text}")
            self.stdout.write(f"  status:       {status.summary}")
            if not status.healthy:
                unhealthy.append(f"{alias} ({status.summary})")
        if unhealthy:
            raise CommandError("not a healthy streaming standby: " + "; ".join(unhealthy))


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")
