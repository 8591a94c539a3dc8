"""``manage.py seed``: fill an empty database with a year of realistic demo data.

``make run`` calls it with ``--if-empty``, so a fresh clone opens on a site with
something to look at, and a second ``make run`` leaves the data alone. The generation
itself is ``timetrack.demo``; this command parses, guards and reports.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from presentation import numbers
from timetrack import demo

ALREADY_SEEDED = (
    "Demo data not loaded: the database already has data ({clients} clients,"
    " {timecards} timecards)."
)
HAS_DATA = (
    "The database already has data ({clients} clients, {timecards} timecards,"
    " {invoices} invoices). Pass --append to add a demo data set next to it, or --if-empty to do"
    " nothing when there is data. To start over in the embedded mode, delete the SQLite"
    " file (var/db.sqlite3 by default) and run `manage.py migrate` first."
)
EITHER_OR = "Use either --if-empty or --append, not both."


DEFAULT_SITE_URL = "http://127.0.0.1:8000/"
"""Where `make run` serves the site unless told another port."""


class Command(BaseCommand):
    help = (
        "Fill the database with demo data: clients, projects, people and weeks of timecards"
        f" and invoices. Every demo user has the password {demo.DEMO_PASSWORD!r}:"
        " for local use only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--users",
            type=int,
            default=demo.DEFAULT_USERS,
            help=(
                f"People to create, the two staff users and alice included"
                f" ({demo.MIN_USERS}-{demo.MAX_USERS}, default %(default)s)."
            ),
        )
        parser.add_argument(
            "--weeks",
            type=int,
            default=demo.DEFAULT_WEEKS,
            help=(
                f"Weeks of timecards up to today ({demo.MIN_WEEKS}-{demo.MAX_WEEKS},"
                " default %(default)s)."
            ),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help="Random seed: the same arguments on the same day give the same rows"
            " (default %(default)s).",
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and say so) when the database already has data.",
        )
        group.add_argument(
            "--append",
            action="store_true",
            help="Add a demo data set even though the database already has data.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw the progress bar."
        )
        parser.add_argument(
            "--site-url",
            default=DEFAULT_SITE_URL,
            help="Where the site is served, for the closing line (`make run PORT=8123`"
            " passes its own; default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            demo.validate_arguments(
                users=options["users"], weeks=options["weeks"], seed=options["seed"]
            )
        except demo.SeedArgumentError as error:
            raise CommandError(str(error)) from error
        if options["if_empty"] and options["append"]:  # call_command skips argparse's check
            raise CommandError(EITHER_OR)

        existing = demo.existing_data()
        if existing and options["if_empty"]:
            self.stdout.write(
                ALREADY_SEEDED.format(
                    clients=numbers.count(existing.clients),
                    timecards=numbers.count(existing.timecards),
                )
            )
            return
        if existing and not options["append"]:
            raise CommandError(
                HAS_DATA.format(
                    clients=numbers.count(existing.clients),
                    timecards=numbers.count(existing.timecards),
                    invoices=numbers.count(existing.invoices),
                )
            )

        started = time.monotonic()
        summary = demo.seed_demo_data(
            users=options["users"],
            weeks=options["weeks"],
            seed=options["seed"],
            progress_file=self._progress_file(options["no_progress"]),
        )
        self._report(summary, time.monotonic() - started, options["site_url"])

    def _progress_file(self, no_progress: bool) -> Any:
        """The terminal behind stderr, or ``None`` (no bar) for pipes, files and tests."""
        if no_progress or not self.stderr.isatty():
            return None
        # The bar redraws itself with "\r": write to the stream, not through OutputWrapper,
        # which would end every redraw with a new line.
        return getattr(self.stderr, "_out", sys.stderr)

    def _report(self, summary: demo.SeedSummary, seconds: float, site_url: str) -> None:
        timecards = ", ".join(
            f"{numbers.count(count)} {status}"
            for status, count in summary.timecards_by_status.items()
        )
        invoices = ", ".join(
            f"{numbers.count(count)} {status}"
            for status, count in summary.invoices_by_status.items()
        )
        write = self.stdout.write
        write(
            self.style.SUCCESS(
                f"Demo data loaded in {seconds:.1f} s, {summary.first_day} to {summary.last_day}."
            )
        )
        write(
            f"  {summary.clients} clients, {summary.projects} projects"
            f" ({summary.closed_projects} closed), {summary.people} people"
            f" ({summary.staff} staff)"
        )
        hours = numbers.hours(summary.hours)
        write(f"  {numbers.count(summary.timecards)} timecards, {hours} hours ({timecards})")
        overdue = numbers.count(summary.overdue_invoices)
        write(f"  {numbers.count(summary.invoices)} invoices ({invoices}; {overdue} overdue)")
        password = demo.DEMO_PASSWORD
        logins = []
        if demo.STAFF_USERNAME in summary.logins:
            logins.append(f"{demo.STAFF_USERNAME} / {password} (staff)")
        if demo.MEMBER_USERNAME in summary.logins:
            logins.append(f"{demo.MEMBER_USERNAME} / {password}")
        if logins:
            write(f"Log in at {site_url} as {' or '.join(logins)}.")
        skipped = sorted({demo.STAFF_USERNAME, demo.MEMBER_USERNAME} - set(summary.logins))
        for username in skipped:
            write(f"User {username!r} existed already and was left unchanged.")
        write(f"Every demo user has the password {password!r}: demo data is for local use only.")
