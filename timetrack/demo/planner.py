"""The demo planner: who logs what and when, which time is approved, billed and paid.

For one seed and one "now" it plans the same rows every time, and every rule of the
models holds (the check constraints, and the ones only ``timetrack.services`` enforces:
quarter hours, days of at most 24 hours, invoices that add up). It plans from a
``random.Random(seed)`` and a seeded ``Faker`` (never the global random state), as plain
values; the factories build the rows from them (``timetrack.demo.writers``), and one
password hash serves every user.

The rows are planned by chunks of one calendar month x a block of people. A chunk holds
every timecard a month's invoices bill, so the invoices get their keys first and the
timecards point to them; memory stays bounded by the chunk, whatever ``--users`` and
``--weeks`` say.

Decisions that concern a whole week of one person (submitted? approved? when, by whom?)
come from a ``Random`` derived from the seed, the person and the week, so a week that
spans two months is decided the same way in both chunks.
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import TextIO

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker
from tqdm import tqdm

from accounts.factories import UserFactory, UserProfileFactory
from accounts.models import UserProfile
from timetrack import periods
from timetrack.demo.vocabulary import (
    BILLABLE_TASKS,
    FEATURES,
    NON_BILLABLE_TASKS,
    PROJECT_NAMES,
    TOPICS,
)
from timetrack.demo.writers import (
    BATCH_SIZE,
    PlannedInvoice,
    PlannedTimecard,
    bulk_create_keyed,
    chunk_writer,
    default_workers,
)
from timetrack.factories import ClientFactory, ProjectFactory
from timetrack.invoice_numbers import next_invoice_numbers
from timetrack.models import Client, Invoice, InvoiceStatus, Project, Timecard, TimecardStatus

DEMO_PASSWORD = "demo-password"
"""The password of every demo user. Published on purpose: demo data is for local use."""

STAFF_USERNAME = "demo"
"""Staff and superuser: approves timecards, sees every report, opens the admin."""

MEMBER_USERNAME = "alice"
"""A regular person with a year of her own timecards and invoices."""

DEFAULT_USERS = 36
DEFAULT_WEEKS = 52
DEFAULT_SEED = 1
MIN_USERS = 3  # the two staff users and alice
MAX_USERS = 2_000
MIN_WEEKS = 1
MAX_WEEKS = 260  # five years
MAX_SEED = 2**63 - 1

PEOPLE_PER_CHUNK = 100
"""People generated together for one month: at most ~7,000 timecards held at once."""

APPROVAL_HORIZON_DAYS = 14
"""Weeks older than this are approved: staff keep up, and the queue holds the last two."""

BILLING_LAG_DAYS = 5
"""A month is invoiced once it ended this many days ago (invoices go out in its first
days), so this month's list has current invoices beside the paid ones."""

STUCK_SHARE = 0.03
"""Share of the invoices of the last months still unpaid past their due date (older
ones were chased and paid): the few overdue ones."""

STUCK_AFTER = datetime.timedelta(days=120)

INVOICED_SHARE = 0.93
"""Share of (person, client, month) groups of approved billable time that were invoiced."""

BILLABLE_SHARE = 0.85

# A generic set of days nobody works, (month, day): no country's calendar in particular.
HOLIDAYS = frozenset({(1, 1), (5, 1), (12, 24), (12, 25), (12, 26), (12, 31)})

# A working day, in quarter hours: 4h to 11h, typically 6-9h.
DAY_QUARTERS = (16, 24, 26, 28, 30, 32, 34, 36, 40, 44)
DAY_WEIGHTS = (2, 5, 6, 10, 14, 30, 14, 10, 6, 3)
# Cumulative weights, given to ``choices`` as such: the same draws, without summing the
# weights again for every day of every person.
DAY_CUM_WEIGHTS = tuple(accumulate(DAY_WEIGHTS))
ENTRY_CUM_WEIGHTS = tuple(accumulate((40, 42, 18)))  # one, two or three entries a day
CENT = Decimal("0.01")
HOURS = tuple(Decimal(quarters) / 4 for quarters in range(24 * 4 + 1))


class SeedArgumentError(ValueError):
    """An argument out of range; the message names the option and its bounds."""


def validate_arguments(*, users: object, weeks: object, seed: object) -> None:
    """Reject what would load nothing useful, or more than a laptop should hold."""
    for option, value, low, high in (
        ("--users", users, MIN_USERS, MAX_USERS),
        ("--weeks", weeks, MIN_WEEKS, MAX_WEEKS),
        ("--seed", seed, 0, MAX_SEED),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            hint = " (the two staff users and alice)" if option == "--users" else ""
            raise SeedArgumentError(
                f"{option} must be a whole number from {low} to {high}{hint}, not {value!r}."
            )


@dataclass(frozen=True)
class ExistingData:
    """What the database already holds, to decide whether seeding may go ahead."""

    clients: int
    timecards: int
    invoices: int

    def __bool__(self) -> bool:
        # Every project, timecard and invoice hangs off a client.
        return self.clients > 0 or self.timecards > 0


def existing_data() -> ExistingData:
    return ExistingData(
        clients=Client.objects.count(),
        timecards=Timecard.objects.count(),
        invoices=Invoice.objects.count(),
    )


@dataclass(frozen=True)
class SeedSummary:
    """Counts of what one run wrote, for the command's closing message and the tests."""

    first_day: datetime.date
    last_day: datetime.date
    clients: int
    projects: int
    closed_projects: int
    people: int
    staff: int
    timecards_by_status: dict[str, int]
    invoices_by_status: dict[str, int]
    overdue_invoices: int
    hours: Decimal
    logins: tuple[str, ...]
    """The reserved demo usernames this run created (an existing one is left alone)."""

    @property
    def timecards(self) -> int:
        return sum(self.timecards_by_status.values())

    @property
    def invoices(self) -> int:
        return sum(self.invoices_by_status.values())


def seed_demo_data(
    *,
    users: int = DEFAULT_USERS,
    weeks: int = DEFAULT_WEEKS,
    seed: int = DEFAULT_SEED,
    now: datetime.datetime | None = None,
    progress_file: TextIO | None = None,
    workers: int | None = None,
) -> SeedSummary:
    """Write a demo data set in one transaction and return what it wrote.

    ``now`` anchors the data (the last ``weeks`` weeks up to its local date); the same
    arguments and the same ``now`` date give the same rows, whatever the number of
    ``workers`` building them (default: one per core for a large run, none for a small
    one). A progress bar is drawn on ``progress_file`` when one is given.
    """
    validate_arguments(users=users, weeks=weeks, seed=seed)
    if workers is None:
        workers = default_workers(users * weeks)
    with transaction.atomic():
        generator = _Generator(users=users, weeks=weeks, seed=seed, now=now, workers=workers)
        return generator.run(progress_file)


# --- Plans: what the generator decided, before and beside the model instances ----------


@dataclass(eq=False)
class _ClientPlan:
    index: int
    name: str
    pays_after_days: int
    pk: int | None = None


@dataclass(eq=False)
class _ProjectPlan:
    client: _ClientPlan
    code: str
    name: str
    is_active: bool
    opens_on: datetime.date
    closes_on: datetime.date | None
    pk: int | None = None

    def is_open_on(self, day: datetime.date) -> bool:
        return self.opens_on <= day and (self.closes_on is None or day <= self.closes_on)


@dataclass(eq=False)
class _PersonPlan:
    index: int
    username: str
    first_name: str
    last_name: str
    is_staff: bool
    is_superuser: bool
    hourly_rate: Decimal
    previous_rate: Decimal
    raise_on: datetime.date
    weekly_hours: Decimal
    days_off: frozenset[int]
    starts_on: datetime.date
    vacation_weeks: frozenset[datetime.date]
    projects: list[_ProjectPlan]
    pk: int | None = None

    def rate_on(self, day: datetime.date) -> Decimal:
        return self.previous_rate if day < self.raise_on else self.hourly_rate


@dataclass(frozen=True, slots=True)
class _WeekPlan:
    status: str
    submitted_at: datetime.datetime | None
    approved_at: datetime.datetime | None
    approver_pk: int | None


@dataclass
class _Tally:
    timecards: Counter[str] = field(default_factory=Counter)
    invoices: Counter[str] = field(default_factory=Counter)
    overdue: int = 0
    hours: Decimal = Decimal("0")


class _Generator:
    def __init__(
        self, *, users: int, weeks: int, seed: int, now: datetime.datetime | None, workers: int
    ) -> None:
        self.workers = workers
        self.seed = seed
        self.rng = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.tz = timezone.get_current_timezone()
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now, self.tz)
        self.this_monday = periods.week_start(self.today)
        self.first_day = periods.weeks_back(self.today, weeks - 1)
        self.user_count = users
        # Months that ended BILLING_LAG_DAYS ago or more are billed; this is the latest.
        billed_by = self.today - datetime.timedelta(days=BILLING_LAG_DAYS - 1)
        self.last_billed_month_end = periods.previous_month(billed_by)[1]
        self.terms = datetime.timedelta(days=settings.INVOICE_PAYMENT_TERMS_DAYS)
        self.tally = _Tally()
        self._numbers: dict[int, Iterator[str]] = {}

    # -- the whole run -------------------------------------------------------------------

    def run(self, progress_file: TextIO | None) -> SeedSummary:
        clients = self._plan_clients()
        projects = self._plan_projects(clients)
        people, logins = self._plan_people(projects)
        bulk_create_keyed(
            Client, [ClientFactory.build(name=client.name) for client in clients], clients
        )
        bulk_create_keyed(
            Project,
            [
                ProjectFactory.build(
                    client=Client(pk=project.client.pk),
                    code=project.code,
                    name=project.name,
                    is_active=project.is_active,
                )
                for project in projects
            ],
            projects,
        )
        self._create_people(people)
        self.staff_pks = [person.pk for person in people if person.is_staff]

        working_days = sum(1 for day in self._days(self.first_day, self.today) if _works(day))
        with (
            chunk_writer(self.workers) as self.writer,
            tqdm(
                total=len(people) * working_days,
                desc="Timecards",
                unit=" person-days",
                unit_scale=True,
                file=progress_file,
                disable=progress_file is None,
            ) as bar,
        ):
            for month_start, month_end in periods.months_between(self.first_day, self.today):
                first = max(month_start, self.first_day)
                last = min(month_end, self.today)
                days = sum(1 for day in self._days(first, last) if _works(day))
                for block in _blocks(people, PEOPLE_PER_CHUNK):
                    self._fill_chunk(block, first, last, month_start, month_end)
                    bar.update(len(block) * days)
                    bar.set_postfix(timecards=sum(self.tally.timecards.values()), refresh=False)

        return SeedSummary(
            first_day=self.first_day,
            last_day=self.today,
            clients=len(clients),
            projects=len(projects),
            closed_projects=sum(1 for project in projects if not project.is_active),
            people=len(people),
            staff=len(self.staff_pks),
            timecards_by_status={
                status: self.tally.timecards[status] for status in TimecardStatus.values
            },
            invoices_by_status={
                status: self.tally.invoices[status] for status in InvoiceStatus.values
            },
            overdue_invoices=self.tally.overdue,
            hours=self.tally.hours,
            logins=logins,
        )

    # -- clients, projects, people -------------------------------------------------------

    def _plan_clients(self) -> list[_ClientPlan]:
        taken = set(Client.objects.values_list("name", flat=True))
        clients = []
        for index in range(self.rng.randint(6, 10)):
            name = self.fake.company()
            while name in taken:
                name = self.fake.company()
            taken.add(name)
            # Most clients pay within the terms; one in seven is a late payer.
            pays_after = self.rng.choice((10, 14, 18, 21, 25, 28, 45))
            clients.append(_ClientPlan(index=index, name=name, pays_after_days=pays_after))
        return clients

    def _plan_projects(self, clients: list[_ClientPlan]) -> list[_ProjectPlan]:
        taken = set(Project.objects.values_list("code", flat=True))
        span = (self.today - self.first_day).days
        projects: list[_ProjectPlan] = []
        for client in clients:
            names = self.rng.sample(PROJECT_NAMES, self.rng.randint(2, 4))
            for position, name in enumerate(names):
                code = _unique(slugify(f"{client.name} {name}")[:34].strip("-"), taken)
                project = _ProjectPlan(
                    client=client,
                    code=code,
                    name=name,
                    is_active=True,
                    opens_on=self.first_day,
                    closes_on=None,
                )
                # The first project of a client runs all along; others may start late.
                if position and self.rng.random() < 0.2 and span > 28:
                    project.opens_on += datetime.timedelta(days=self.rng.randint(7, span * 2 // 3))
                projects.append(project)
        # Close about one project in five (at least one), never a client's first one.
        closable = [project for project in projects if project.opens_on == self.first_day]
        closable = [p for p in closable if p is not _first_of(projects, p.client)]
        closed = self.rng.sample(closable, min(len(closable), max(1, round(len(projects) / 5))))
        for project in closed:
            project.is_active = False
            if span > 60:
                project.closes_on = self.first_day + datetime.timedelta(
                    days=self.rng.randint(span // 5, span - 35)
                )
            else:  # closed before the period the data covers: no time on it
                project.closes_on = self.first_day - datetime.timedelta(days=1)
        return projects

    def _plan_people(
        self, projects: list[_ProjectPlan]
    ) -> tuple[list[_PersonPlan], tuple[str, ...]]:
        User = get_user_model()
        taken = set(User.objects.values_list("username", flat=True))
        mainstays = [project for project in projects if project.is_open_on(self.today)]
        mainstays = [project for project in mainstays if project.opens_on == self.first_day]
        span = (self.today - self.first_day).days
        # The weeks before this one: about three of them a year are holidays.
        mondays = periods.weeks_between(self.first_day, self.this_monday)[:-1]
        # (username wanted, staff, superuser, first name): the two logins, a second staff.
        roles: list[tuple[str | None, bool, bool, str | None]] = [
            (STAFF_USERNAME, True, True, "Demo"),
            (None, True, False, None),
            (MEMBER_USERNAME, False, False, "Alice"),
        ]
        roles += [(None, False, False, None)] * (self.user_count - len(roles))
        people: list[_PersonPlan] = []
        logins: list[str] = []
        for index, (wanted, is_staff, is_superuser, first_name) in enumerate(roles):
            last_name = self.fake.last_name()
            if wanted is not None and wanted not in taken:
                username = wanted
                logins.append(wanted)
                if wanted == STAFF_USERNAME:
                    last_name = "Manager"
            else:  # not a reserved login, or one that exists already and stays as it is
                first_name = self.fake.first_name()
                username = _unique(_ascii(f"{first_name}.{last_name}"), taken, separator="")
                is_superuser = False
            taken.add(username)
            # Whole currency units: hours x rate then never needs rounding.
            low, high = (120, 205) if is_staff else (55, 165)
            rate = Decimal(self.rng.randrange(low, high, 5))
            weekly, days_off = (Decimal(40), frozenset())
            if not is_staff and index > 2:
                weekly, days_off = self.rng.choices(
                    (
                        (Decimal(40), frozenset()),
                        (Decimal(32), frozenset({4})),
                        (Decimal(24), frozenset({0, 4})),
                    ),
                    weights=(80, 15, 5),
                )[0]
            starts_on = self.first_day
            if index > 2 and span > 60 and self.rng.random() < 0.1:  # joined during the year
                starts_on += datetime.timedelta(days=self.rng.randint(14, span - 30))
            vacation = self.rng.sample(mondays, min(len(mondays), round(len(mondays) * 3 / 52)))
            own = [mainstays[index % len(mainstays)]]
            others = [project for project in projects if project is not own[0]]
            own += self.rng.sample(others, min(len(others), self.rng.randint(1, 3)))
            people.append(
                _PersonPlan(
                    index=index,
                    username=username,
                    first_name=first_name,
                    last_name=last_name,
                    is_staff=is_staff,
                    is_superuser=is_superuser,
                    hourly_rate=rate,
                    previous_rate=rate - self.rng.choice((0, 5, 10)),
                    raise_on=self.first_day
                    + datetime.timedelta(days=self.rng.randint(0, max(span, 0))),
                    weekly_hours=weekly,
                    days_off=days_off,
                    starts_on=starts_on,
                    vacation_weeks=frozenset(vacation),
                    projects=own,
                )
            )
        return people, tuple(logins)

    def _create_people(self, people: list[_PersonPlan]) -> None:
        # Hashing is slow on purpose: once for everybody, the factory told not to again.
        password = factory.Transformer.Force(make_password(DEMO_PASSWORD))
        users = [
            UserFactory.build(
                username=person.username,
                first_name=person.first_name,
                last_name=person.last_name,
                password=password,
                is_staff=person.is_staff,
                is_superuser=person.is_superuser,
                date_joined=self._at(person.starts_on - datetime.timedelta(days=30), 9),
            )
            for person in people
        ]
        # bulk_create sends no post_save, so the profiles the signal would add come here.
        bulk_create_keyed(get_user_model(), users, people)
        UserProfile.objects.bulk_create(
            [
                UserProfileFactory.build(
                    user=user,
                    hourly_rate=person.hourly_rate,
                    weekly_hours_target=person.weekly_hours,
                )
                for user, person in zip(users, people, strict=True)
            ],
            batch_size=BATCH_SIZE,
        )

    # -- timecards and invoices, one month x block of people at a time -----------------

    def _fill_chunk(
        self,
        people: list[_PersonPlan],
        first: datetime.date,
        last: datetime.date,
        month_start: datetime.date,
        month_end: datetime.date,
    ) -> None:
        billed = month_end <= self.last_billed_month_end
        cards: list[PlannedTimecard] = []
        billable: dict[tuple[_PersonPlan, _ClientPlan], list[PlannedTimecard]] = {}
        for person in people:
            weeks: dict[datetime.date, _WeekPlan] = {}
            for day in self._days(max(first, person.starts_on), last):
                if not self._at_work(person, day):
                    continue
                monday = periods.week_start(day)
                if monday not in weeks:
                    weeks[monday] = self._week_plan(person, monday)
                week = weeks[monday]
                for project, quarters, is_billable in self._day_entries(person, day):
                    card = PlannedTimecard(
                        person.pk,
                        project.pk,
                        day,
                        HOURS[quarters],
                        self._describe(project, is_billable),
                        is_billable,
                        week.status,
                        week.submitted_at,
                        week.approved_at,
                        week.approver_pk,
                    )
                    cards.append(card)
                    if billed and is_billable and week.status == TimecardStatus.APPROVED:
                        billable.setdefault((person, project.client), []).append(card)

        bills = self._invoice(billable, month_start, month_end) if billable else []
        self.writer.write(bills, cards)
        timecards, hours = self.tally.timecards, self.tally.hours
        for card in cards:
            timecards[card.status] += 1
            hours += card.hours
        self.tally.hours = hours

    def _invoice(
        self,
        groups: dict[tuple[_PersonPlan, _ClientPlan], list[PlannedTimecard]],
        month_start: datetime.date,
        month_end: datetime.date,
    ) -> list[PlannedInvoice]:
        """Bill most groups as ``services.invoice_generate`` would have, after month end."""
        issued_on = min(
            self.today,
            _weekday_on_or_after(
                month_end
                + datetime.timedelta(
                    days=self._month_rng(month_start).randint(1, BILLING_LAG_DAYS - 1)
                )
            ),
        )
        issued_at = self._at(issued_on, 9)
        bills: list[PlannedInvoice] = []
        for (person, client), cards in groups.items():
            if self.rng.random() >= INVOICED_SHARE:
                continue  # left approved: time still waiting for an invoice
            rate = person.rate_on(issued_on)
            bill = PlannedInvoice(
                number=self._next_number(issued_on.year),
                user_id=person.pk,
                client_id=client.pk,
                period_start=month_start,
                period_end=month_end,
                issued_on=issued_on,
                due_on=issued_on + self.terms,
                total=sum((card.hours * rate for card in cards), Decimal("0.00")).quantize(CENT),
            )
            self._settle(bill, client)
            bills.append(bill)
            for card in cards:
                card.status = TimecardStatus.INVOICED
                card.invoice = bill
                card.billed_rate = rate
                # Approved before the invoice was issued, submitted before approved.
                if card.approved_at > issued_at - datetime.timedelta(hours=1):
                    card.approved_at = issued_at - datetime.timedelta(hours=1)
                if card.submitted_at > card.approved_at - datetime.timedelta(minutes=30):
                    card.submitted_at = card.approved_at - datetime.timedelta(minutes=30)
        return bills

    def _settle(self, invoice: PlannedInvoice, client: _ClientPlan) -> None:
        """Sent a few days after issue, paid when the client pays; the latest, maybe not sent."""
        if invoice.period_end == self.last_billed_month_end and self.rng.random() < 0.35:
            invoice.status = InvoiceStatus.DRAFT
        else:
            sent_on = invoice.issued_on + datetime.timedelta(days=self.rng.choice((0, 0, 1, 2)))
            invoice.sent_on = min(sent_on, self.today)
            # Sending issues it, as services.invoice_mark_sent does: the terms start then.
            invoice.issued_on = invoice.sent_on
            invoice.due_on = invoice.sent_on + self.terms
            pays_after = max(3, round(self.rng.gauss(client.pays_after_days, 6)))
            paid_on = invoice.sent_on + datetime.timedelta(days=pays_after)
            recent = invoice.issued_on > self.today - STUCK_AFTER
            if paid_on <= self.today and not (recent and self.rng.random() < STUCK_SHARE):
                invoice.status = InvoiceStatus.PAID
                invoice.paid_on = paid_on
            else:  # not paid yet, or stuck with the client's accounts department
                invoice.status = InvoiceStatus.SENT
                if invoice.due_on < self.today:
                    self.tally.overdue += 1
        self.tally.invoices[invoice.status] += 1

    def _next_number(self, year: int) -> str:
        """The numbers of a year continue after those in use: read once, then counted here."""
        if year not in self._numbers:
            self.writer.drain()  # the connection is free again: no chunk being sent
            self._numbers[year] = next_invoice_numbers(year)
        return next(self._numbers[year])

    def _week_plan(self, person: _PersonPlan, monday: datetime.date) -> _WeekPlan:
        """Where a person's week stands today: people submit, and staff approve, weeks."""
        rng = random.Random(f"{self.seed}:{person.index}:{monday.isoformat()}")
        weeks_ago = (self.this_monday - monday).days // 7
        if weeks_ago == 0:
            return _WeekPlan(TimecardStatus.OPEN, None, None, None)
        if weeks_ago == 1:
            weights = (25, 75, 0)
        elif weeks_ago * 7 <= APPROVAL_HORIZON_DAYS:
            weights = (5, 35, 60)
        else:
            weights = (0, 0, 100)
        status = rng.choices(
            (TimecardStatus.OPEN, TimecardStatus.SUBMITTED, TimecardStatus.APPROVED), weights
        )[0]
        if status == TimecardStatus.OPEN:
            return _WeekPlan(status, None, None, None)
        # Nothing later than last midnight: the rows depend on today's date, not the time.
        latest = self._at(self.today, 0) - datetime.timedelta(minutes=1)
        friday = monday + datetime.timedelta(days=4 + rng.choice((0, 0, 0, 3)))
        submitted_at = min(self._at(friday, 16) + _minutes(rng.randint(0, 180)), latest)
        if status == TimecardStatus.SUBMITTED:
            return _WeekPlan(status, submitted_at, None, None)
        approved_at = min(submitted_at + _minutes(rng.randint(60, 3 * 24 * 60)), latest)
        approvers = [pk for pk in self.staff_pks if pk != person.pk]
        return _WeekPlan(status, submitted_at, approved_at, rng.choice(approvers))

    def _at_work(self, person: _PersonPlan, day: datetime.date) -> bool:
        if not _works(day) or day.weekday() in person.days_off:
            return False
        if periods.week_start(day) in person.vacation_weeks:
            return False
        return self.rng.random() >= 0.03  # a sick day, or a day off

    def _day_entries(
        self, person: _PersonPlan, day: datetime.date
    ) -> Iterator[tuple[_ProjectPlan, int, bool]]:
        """One to three entries in quarter hours, the longest on the person's main project."""
        total = self.rng.choices(DAY_QUARTERS, cum_weights=DAY_CUM_WEIGHTS)[0]
        projects = [project for project in person.projects if project.is_open_on(day)]
        count = min(self.rng.choices((1, 2, 3), cum_weights=ENTRY_CUM_WEIGHTS)[0], len(projects))
        chosen = [projects[0], *self.rng.sample(projects[1:], count - 1)]
        # Split the day: every entry gets half an hour, the rest falls between cut points.
        spare = total - 2 * count
        cuts = sorted(self.rng.randint(0, spare) for _ in range(count - 1))
        parts = [b - a + 2 for a, b in zip([0, *cuts], [*cuts, spare], strict=True)]
        parts.sort(reverse=True)
        for project, quarters in zip(chosen, parts, strict=True):
            yield project, quarters, self.rng.random() < BILLABLE_SHARE

    def _describe(self, project: _ProjectPlan, billable: bool) -> str:
        rng = self.rng
        template = rng.choice(BILLABLE_TASKS if billable else NON_BILLABLE_TASKS)
        return template.format(
            feature=rng.choice(FEATURES),
            client=project.client.name,
            ticket=rng.randint(100, 4999),
            topic=rng.choice(TOPICS),
        )

    # -- calendar ------------------------------------------------------------------------

    def _month_rng(self, month_start: datetime.date) -> random.Random:
        return random.Random(f"{self.seed}:month:{month_start.isoformat()}")

    @staticmethod
    def _days(first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
        for offset in range((last - first).days + 1):
            yield first + datetime.timedelta(days=offset)

    def _at(self, day: datetime.date, hour: int) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(hour), tzinfo=self.tz)


def _works(day: datetime.date) -> bool:
    """A working day for everybody: a weekday that is not a holiday."""
    return day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS


def _weekday_on_or_after(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _minutes(minutes: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=minutes)


def _first_of(projects: list[_ProjectPlan], client: _ClientPlan) -> _ProjectPlan:
    return next(project for project in projects if project.client is client)


def _blocks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ascii(text: str) -> str:
    """A username from a name: lower-case ASCII letters and dots ("Zoë O'Neil" -> zoe.oneil)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(char for char in folded if char.isalnum() or char == ".").strip(".")


def _unique(base: str, taken: set[str], separator: str = "-") -> str:
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}{separator}{number}"
    taken.add(candidate)
    return candidate
