"""``manage.py replication_status``: is the standby in recovery, streaming, how far behind.

For operators and scripts: the exit status is 0 when the standby is a streaming hot
standby (or when the site runs embedded, with no replication to watch), and 1 when it is
unreachable, not in recovery, or not streaming.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from core.context_processors import describe_database
from core.replication import standby_status


class Command(BaseCommand):
    help = "Show whether the standby is in recovery and streaming, and its replay lag."

    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database",
            default="standby",
            choices=list(connections),
            help="The read alias to inspect (default: standby).",
        )

    def handle(self, *args: Any, database: str, **options: Any) -> None:
        status = standby_status(database, max_age=0)
        self.stdout.write(f"{database}: {describe_database(database)}")
        if status.replicated and not status.error:
            self.stdout.write(f"  in recovery:  {_yes_no(status.in_recovery)}")
            self.stdout.write(f"  streaming:    {_yes_no(status.streaming)}")
            self.stdout.write(f"  replay lag:   {status.lag_text}")
        self.stdout.write(f"  status:       {status.summary}")
        if not status.healthy:
            raise CommandError(f"{database} is not a healthy streaming standby: {status.summary}")


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")
