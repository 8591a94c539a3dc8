"""``manage.py seed`` and ``timetrack.demo``: the demo data keeps every rule."""

from __future__ import annotations

import datetime
import hashlib
import json
import statistics
import subprocess
from collections import Counter, defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import UserProfile
from timetrack import demo
from timetrack.factories import ClientFactory, InvoiceFactory, TimecardFactory
from timetrack.invoice_numbers import invoice_number, parse_invoice_number
from timetrack.management.commands import seed as seed_command
from timetrack.models import Client, Invoice, InvoiceStatus, Project, Timecard, TimecardStatus
from timetrack.periods import week_start

pytestmark = pytest.mark.django_db

User = get_user_model()

# A Wednesday: the data is anchored to a fixed day, so these tests see the same rows
# whatever day they run on.
NOW = datetime.datetime(2026, 3, 18, 15, 30, tzinfo=datetime.UTC)
TODAY = NOW.date()
THIS_MONDAY = week_start(TODAY)


def seed(*args: str) -> tuple[str, str]:
    """Run the command as the shell would, and return what it wrote."""
    stdout, stderr = StringIO(), StringIO()
    call_command("seed", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def row_counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "clients": Client.objects.count(),
        "projects": Project.objects.count(),
        "timecards": Timecard.objects.count(),
        "invoices": Invoice.objects.count(),
    }


def snapshot() -> dict[str, list[tuple]]:
    """Every seeded row by its natural keys (primary keys differ from run to run)."""
    return {
        "users": list(
            User.objects.order_by("username").values_list(
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_superuser",
                "profile__hourly_rate",
                "profile__weekly_hours_target",
            )
        ),
        "projects": list(
            Project.objects.order_by("code").values_list(
                "code", "name", "client__name", "is_active"
            )
        ),
        "timecards": list(
            Timecard.objects.order_by(
                "user__username", "date", "project__code", "hours", "id"
            ).values_list(
                "user__username",
                "project__code",
                "date",
                "hours",
                "description",
                "billable",
                "status",
                "submitted_at",
                "approved_at",
                "approved_by__username",
                "invoice__number",
                "billed_rate",
            )
        ),
        "invoices": list(
            Invoice.objects.order_by("number").values_list(
                "number",
                "user__username",
                "client__name",
                "period_start",
                "period_end",
                "issued_on",
                "due_on",
                "sent_on",
                "paid_on",
                "status",
                "total",
            )
        ),
    }


def delete_everything() -> None:
    Timecard.objects.all().delete()
    Invoice.objects.all().delete()
    Project.objects.all().delete()
    Client.objects.all().delete()
    User.objects.all().delete()


def assert_consistent(today: datetime.date) -> None:
    """The rules of the models and services, checked on every seeded row."""
    staff_pks = set(User.objects.filter(is_staff=True).values_list("pk", flat=True))
    assert UserProfile.objects.count() == User.objects.count()
    assert not UserProfile.objects.filter(hourly_rate__lte=0).exists()

    day_totals: dict[tuple[int, datetime.date], Decimal] = defaultdict(Decimal)
    invoice_sums: dict[int, Decimal] = defaultdict(Decimal)
    invoice_rates: dict[int, set[Decimal]] = defaultdict(set)
    invoices = {invoice.pk: invoice for invoice in Invoice.objects.all()}
    cards = Timecard.objects.select_related("project")
    for card in cards:
        assert Decimal(0) < card.hours <= Decimal(24)
        assert (card.hours * 4) % 1 == 0, "hours come in quarter hours"
        assert card.date.weekday() < 5
        assert card.date <= today
        assert card.description
        day_totals[card.user_id, card.date] += card.hours
        if card.status == TimecardStatus.OPEN:
            assert card.submitted_at is None
        else:
            assert card.submitted_at is not None
            assert card.submitted_at.date() >= card.date
        if card.status in (TimecardStatus.OPEN, TimecardStatus.SUBMITTED):
            assert card.approved_at is None
            assert card.approved_by_id is None
        else:
            assert card.submitted_at <= card.approved_at
            assert card.approved_by_id in staff_pks
            assert card.approved_by_id != card.user_id
        if card.status == TimecardStatus.INVOICED:
            invoice = invoices[card.invoice_id]
            assert card.billable
            assert card.billed_rate is not None
            assert invoice.user_id == card.user_id
            assert invoice.client_id == card.project.client_id
            assert invoice.period_start <= card.date <= invoice.period_end
            assert card.approved_at.date() <= invoice.issued_on
            invoice_sums[card.invoice_id] += card.hours * card.billed_rate
            invoice_rates[card.invoice_id].add(card.billed_rate)
        else:
            assert card.invoice_id is None
            assert card.billed_rate is None
    assert max(day_totals.values(), default=Decimal(0)) <= Decimal(24)

    terms = datetime.timedelta(days=settings.INVOICE_PAYMENT_TERMS_DAYS)
    periods = Counter()
    for invoice in invoices.values():
        year, _sequence = parse_invoice_number(invoice.number)
        assert year == invoice.issued_on.year
        assert invoice.total == invoice_sums[invoice.pk], "total = sum of hours x billed rate"
        assert len(invoice_rates[invoice.pk]) == 1, "one rate per invoice, frozen at issue"
        assert invoice.period_end < invoice.issued_on <= today
        assert invoice.due_on == invoice.issued_on + terms
        if invoice.status == InvoiceStatus.DRAFT:
            assert invoice.sent_on is None and invoice.paid_on is None
        elif invoice.status == InvoiceStatus.SENT:
            assert invoice.issued_on <= invoice.sent_on <= today
            assert invoice.paid_on is None
        else:
            assert invoice.status == InvoiceStatus.PAID
            assert invoice.issued_on <= invoice.sent_on < invoice.paid_on <= today
        periods[invoice.user_id, invoice.client_id, invoice.period_start] += 1
    assert set(periods.values()) <= {1}, "one invoice per person, client and month"
    # Every invoice bills something, and every invoiced timecard is on one of them.
    assert set(invoice_sums) == set(invoices)
    assert sum(invoice_sums.values(), Decimal(0)) == (
        Invoice.objects.aggregate(total=Sum("total"))["total"] or Decimal(0)
    )


# --- The command ---------------------------------------------------------------------


def test_small_run_creates_every_kind_of_row():
    out, _ = seed("--users", "4", "--weeks", "10", "--no-progress")

    assert User.objects.count() == 4
    assert set(User.objects.filter(is_staff=True).values_list("username", flat=True)) >= {
        demo.STAFF_USERNAME
    }
    assert User.objects.filter(is_staff=True).count() == 2
    assert 6 <= Client.objects.count() <= 10
    per_client = Client.objects.annotate(n=Count("projects")).values_list("n", flat=True)
    assert set(per_client) <= {2, 3, 4}
    assert Project.objects.filter(is_active=False).exists()
    assert not Client.objects.exclude(projects__is_active=True).exists()
    # Which statuses a handful of people have depends on the day; the fixed-day tests
    # below check them by age.
    statuses = set(Timecard.objects.values_list("status", flat=True))
    assert TimecardStatus.INVOICED in statuses
    assert statuses <= set(TimecardStatus.values)
    assert Invoice.objects.exists()
    assert not Timecard.objects.filter(billable=False).filter(invoice__isnull=False).exists()
    assert f"{Timecard.objects.count():,} timecards" in out
    assert f"{Invoice.objects.count():,} invoices" in out


def test_constraints_and_invariants_hold_on_a_small_run():
    seed("--users", "4", "--weeks", "10", "--no-progress")

    assert_consistent(timezone.localdate())


def test_summary_prints_the_demo_logins():
    out, _ = seed("--users", "3", "--weeks", "2", "--no-progress")

    assert (
        "Log in at http://127.0.0.1:8000/ as demo / demo-password (staff)"
        " or alice / demo-password." in out
    )
    assert "local use only" in out


def test_summary_names_the_port_the_site_is_served_on():
    """`make run PORT=8123` passes its own address (the Makefile's SITE_URL)."""
    out, _ = seed(
        "--users", "3", "--weeks", "2", "--no-progress", "--site-url", "http://127.0.0.1:8123/"
    )

    assert "Log in at http://127.0.0.1:8123/ as demo" in out
    assert "8000" not in out


def test_make_run_serves_and_seeds_on_the_port_it_is_given():
    dry_run = subprocess.run(
        ["make", "--dry-run", "--always-make", "run", "PORT=8123"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "seed --if-empty --site-url http://127.0.0.1:8123/" in dry_run
    assert "runserver 127.0.0.1:8123" in dry_run


def test_demo_users_can_log_in(client):
    seed("--users", "3", "--weeks", "1", "--no-progress")

    staff = User.objects.get(username=demo.STAFF_USERNAME)
    alice = User.objects.get(username=demo.MEMBER_USERNAME)
    assert staff.is_staff and staff.is_superuser
    assert not alice.is_staff and not alice.is_superuser
    assert client.login(username="demo", password=demo.DEMO_PASSWORD)
    client.logout()
    assert client.login(username="alice", password="demo-password")
    assert not client.login(username="alice", password="wrong-password")


def test_if_empty_seeds_an_empty_database():
    out, _ = seed("--users", "3", "--weeks", "1", "--if-empty", "--no-progress")

    assert Timecard.objects.exists()
    assert "Demo data loaded" in out


def test_if_empty_does_nothing_when_there_are_timecards():
    TimecardFactory()
    before = row_counts()

    out, _ = seed("--if-empty")

    assert row_counts() == before
    assert out == seed_command.ALREADY_SEEDED.format(clients=1, timecards=1) + "\n"


def test_refuses_to_seed_next_to_existing_data_without_append():
    TimecardFactory()
    before = row_counts()

    with pytest.raises(CommandError) as error:
        seed("--users", "3", "--weeks", "1")

    assert str(error.value) == seed_command.HAS_DATA.format(clients=1, timecards=1, invoices=0)
    assert "--append" in str(error.value)
    assert row_counts() == before


def test_a_client_alone_counts_as_data():
    ClientFactory()

    with pytest.raises(CommandError, match="--append"):
        seed("--users", "3", "--weeks", "1")

    assert not User.objects.exists()


def test_append_adds_a_second_data_set_next_to_the_first():
    seed("--users", "4", "--weeks", "10", "--no-progress")
    first = row_counts()
    demo_before = User.objects.get(username="demo")

    out, _ = seed("--users", "4", "--weeks", "10", "--append", "--no-progress")

    after = row_counts()
    assert after["users"] == 2 * first["users"]
    assert after["clients"] == 2 * first["clients"]
    assert after["timecards"] > first["timecards"]
    assert after["invoices"] > first["invoices"]
    # The reserved logins existed: left alone, and others took their roles.
    assert User.objects.get(username="demo").password == demo_before.password
    assert User.objects.filter(is_staff=True).count() == 4
    assert User.objects.filter(is_superuser=True).count() == 1
    assert "Log in at" not in out
    assert "User 'alice' existed already and was left unchanged." in out
    assert_consistent(timezone.localdate())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--users", "0"], "--users must be a whole number from 3 to 2000"),
        (["--users", "2"], "--users must be a whole number from 3 to 2000"),
        (["--users", "2001"], "--users must be a whole number from 3 to 2000"),
        (["--weeks", "0"], "--weeks must be a whole number from 1 to 260"),
        (["--weeks", "-3"], "--weeks must be a whole number from 1 to 260"),
        (["--weeks", "261"], "--weeks must be a whole number from 1 to 260"),
        (["--seed", "-1"], "--seed must be a whole number from 0 to"),
        (["--users", "many"], "argument --users: invalid int value: 'many'"),
        (["--if-empty", "--append"], "not allowed with argument"),
    ],
)
def test_bad_arguments_are_refused_and_change_nothing(args, message):
    with pytest.raises(CommandError) as error:
        seed(*args)

    assert message in str(error.value)
    assert row_counts() == dict.fromkeys(row_counts(), 0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"users": "4"},
            "--users must be a whole number from 3 to 2000 (the two staff users and alice),"
            " not '4'.",
        ),
        ({"weeks": True}, "--weeks must be a whole number from 1 to 260, not True."),
        ({"if_empty": True, "append": True}, seed_command.EITHER_OR),
    ],
)
def test_bad_options_from_call_command_are_refused(options, message):
    with pytest.raises(CommandError) as error:
        call_command("seed", stdout=StringIO(), stderr=StringIO(), **options)

    assert str(error.value) == message
    assert not User.objects.exists()


def test_no_progress_bar_when_stderr_is_not_a_terminal():
    _, err = seed("--users", "3", "--weeks", "2")

    assert err == ""


# --- The generation -------------------------------------------------------------------


def test_the_same_seed_gives_the_same_rows():
    first_summary = demo.seed_demo_data(users=5, weeks=12, seed=7, now=NOW)
    first = snapshot()
    delete_everything()

    second_summary = demo.seed_demo_data(users=5, weeks=12, seed=7, now=NOW)

    assert snapshot() == first
    assert second_summary == first_summary
    assert first["invoices"], "the comparison covers invoices too"


def test_another_seed_gives_other_rows():
    demo.seed_demo_data(users=5, weeks=12, seed=7, now=NOW)
    first = snapshot()
    delete_everything()

    demo.seed_demo_data(users=5, weeks=12, seed=8, now=NOW)

    assert snapshot()["timecards"] != first["timecards"]
    assert snapshot()["users"] != first["users"]


def test_a_half_year_looks_like_real_work():
    summary = demo.seed_demo_data(users=12, weeks=26, seed=3, now=NOW)

    assert_consistent(TODAY)
    cards = list(Timecard.objects.values("user_id", "date", "hours", "billable", "status"))
    assert summary.timecards == len(cards)
    assert summary.hours == sum(card["hours"] for card in cards)
    assert summary.first_day == THIS_MONDAY - datetime.timedelta(weeks=25)
    assert min(card["date"] for card in cards) >= summary.first_day

    # Days of 1 to 3 entries, typically 6 to 9 hours.
    per_day = Counter((card["user_id"], card["date"]) for card in cards)
    assert set(per_day.values()) <= {1, 2, 3}
    day_hours: dict[tuple, Decimal] = defaultdict(Decimal)
    for card in cards:
        day_hours[card["user_id"], card["date"]] += card["hours"]
    assert 6 <= statistics.median(day_hours.values()) <= 9
    typical = sum(1 for hours in day_hours.values() if 6 <= hours <= 9)
    assert typical / len(day_hours) > 0.75

    billable = sum(1 for card in cards if card["billable"]) / len(cards)
    assert 0.8 <= billable <= 0.9

    # Status by age: the current week open, the last two weeks waiting for approval (the
    # queue holds those alone), everything older approved, and invoiced once billed.
    recent = [card for card in cards if card["date"] >= THIS_MONDAY - datetime.timedelta(weeks=1)]
    assert {card["status"] for card in recent} == {"open", "submitted"}
    assert {card["status"] for card in cards if card["date"] >= THIS_MONDAY} == {"open"}
    waiting = [card["date"] for card in cards if card["status"] == "submitted"]
    assert waiting and min(waiting) >= THIS_MONDAY - datetime.timedelta(weeks=2)
    old = [card for card in cards if card["date"] < THIS_MONDAY - datetime.timedelta(weeks=2)]
    assert {card["status"] for card in old} <= {"approved", "invoiced"}
    # February ended more than BILLING_LAG_DAYS before NOW: it is the last month billed.
    billed_months = [card for card in old if card["date"] <= datetime.date(2026, 2, 28)]
    billable = [card for card in billed_months if card["billable"]]
    invoiced = sum(1 for card in billable if card["status"] == "invoiced")
    assert invoiced / len(billable) > 0.8
    assert not any(card["status"] == "invoiced" for card in cards if card not in billed_months)

    # Older invoices mostly paid, drafts only in the latest month, and a few overdue.
    invoices = list(Invoice.objects.all())
    assert summary.invoices == len(invoices)
    assert dict(Counter(invoice.status for invoice in invoices)) == {
        status: count for status, count in summary.invoices_by_status.items() if count
    }
    older = [invoice for invoice in invoices if invoice.period_end < datetime.date(2026, 1, 1)]
    paid = sum(1 for invoice in older if invoice.status == "paid")
    assert paid / len(older) > 0.85
    drafts = {invoice.period_start for invoice in invoices if invoice.status == "draft"}
    assert drafts == {datetime.date(2026, 2, 1)}
    sent = [invoice for invoice in invoices if invoice.status == "sent"]
    overdue = [invoice for invoice in sent if invoice.due_on < TODAY]
    current = [invoice for invoice in sent if invoice.due_on >= TODAY]
    assert 0 < len(overdue) == summary.overdue_invoices
    assert len(overdue) < len(invoices) / 20, "a few overdue, not every one sent"
    assert current, "outstanding is more than overdue: some invoices are not due yet"


def test_inactive_projects_get_no_recent_time():
    demo.seed_demo_data(users=8, weeks=20, seed=5, now=NOW)

    closed = Project.objects.filter(is_active=False)
    assert closed.exists()
    recent = Timecard.objects.filter(
        project__in=closed, date__gt=TODAY - datetime.timedelta(weeks=4)
    )
    assert not recent.exists()


def test_profiles_are_created_for_bulk_created_users():
    demo.seed_demo_data(users=6, weeks=1, seed=1, now=NOW)

    rates = list(UserProfile.objects.values_list("hourly_rate", flat=True))
    assert len(rates) == User.objects.count() == 6
    assert all(rate > 0 and rate == rate.to_integral_value() for rate in rates)


def test_the_progress_bar_is_drawn_on_the_file_given():
    progress = StringIO()

    demo.seed_demo_data(users=3, weeks=2, seed=1, now=NOW, progress_file=progress)

    assert "Timecards" in progress.getvalue()
    assert "100%" in progress.getvalue()


def test_invoice_numbers_continue_after_existing_ones():
    demo.seed_demo_data(users=4, weeks=10, seed=1, now=NOW)
    numbers = set(Invoice.objects.values_list("number", flat=True))

    demo.seed_demo_data(users=4, weeks=10, seed=1, now=NOW)

    all_numbers = list(Invoice.objects.values_list("number", flat=True))
    assert len(all_numbers) == len(set(all_numbers)) == 2 * len(numbers)
    assert max(map(parse_invoice_number, all_numbers)) > max(map(parse_invoice_number, numbers))


@pytest.mark.parametrize(
    ("last_two", "first_new"),
    [((99_998, 99_999), 100_000), ((99_999, 100_000), 100_001)],
    ids=["to-six-digits", "after-six-digits"],
)
def test_append_numbers_on_past_99999_invoices_in_a_year(last_two, first_new):
    """As text "INV-Y-100000" sorts before "INV-Y-99999": the next number is not the
    highest text plus one, which would hand out a number already in use."""
    today = timezone.localdate()
    years = {today.year - 1, today.year}  # ten weeks up to today bill in one or both
    existing = {invoice_number(year, sequence) for year in years for sequence in last_two}
    for number in existing:
        InvoiceFactory(number=number)

    seed("--users", "4", "--weeks", "10", "--append", "--no-progress")

    appended: dict[int, list[int]] = defaultdict(list)
    for number, issued_on in Invoice.objects.exclude(number__in=existing).values_list(
        "number", "issued_on"
    ):
        year, sequence = parse_invoice_number(number)
        assert year == issued_on.year
        appended[year].append(sequence)
    assert appended, "the seed issued invoices"
    assert set(appended) <= years
    for year, sequences in appended.items():
        assert sorted(sequences) == list(range(first_new, first_new + len(sequences))), year
    assert Invoice.objects.filter(number__in=existing).count() == len(existing)


def test_appended_invoices_are_numbered_as_a_fresh_seed_after_the_last_number():
    demo.seed_demo_data(users=4, weeks=10, seed=1, now=NOW)
    fresh = sorted(map(parse_invoice_number, Invoice.objects.values_list("number", flat=True)))
    delete_everything()
    existing = [invoice_number(year, 99_999) for year in {year for year, _ in fresh}]
    for number in existing:
        InvoiceFactory(number=number)

    demo.seed_demo_data(users=4, weeks=10, seed=1, now=NOW)

    appended = Invoice.objects.exclude(number__in=existing).values_list("number", flat=True)
    assert sorted(map(parse_invoice_number, appended)) == [
        (year, 99_999 + sequence) for year, sequence in fresh
    ]


# --- The factories build the rows -------------------------------------------------------

DEMO_YEAR = {"users": 30, "weeks": 70, "seed": 11, "now": NOW}
DEMO_YEAR_DIGEST = "5e29be6f793cbeaa60e6bf04af190fcc2ff30f03664b302cacfaa7a2b908a4ad"
"""SHA-256 of ``snapshot()`` after seeding ``DEMO_YEAR``: the demo year row for row, so a
change to the planner, the factories or the writers that moves any row fails here."""
INVOICED_TOTAL = Decimal("5832806.25")
"""The sum of its invoices."""


def snapshot_digest() -> str:
    text = json.dumps(snapshot(), default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.slow  # a whole demo year
def test_the_factories_build_the_demo_year_of_the_digest():
    # Planned here, as every seed under 5,000 person-weeks is (make run, run-pg,
    # compose-seed), and written by each database's writer (COPY on PostgreSQL).
    summary = demo.seed_demo_data(**DEMO_YEAR, workers=0)

    assert summary.timecards_by_status == {
        "open": 220,
        "submitted": 235,
        "approved": 3035,
        "invoiced": 11743,
    }
    assert summary.invoices_by_status == {"draft": 27, "sent": 60, "paid": 1056}
    assert summary.hours == Decimal("70892.50")
    assert Invoice.objects.aggregate(total=Sum("total"))["total"] == INVOICED_TOTAL
    assert snapshot_digest() == DEMO_YEAR_DIGEST


@pytest.mark.postgres
@pytest.mark.slow  # two seeds, one of them in worker processes
def test_two_worker_processes_plan_what_one_process_plans():
    """Worker processes plan the person-weeks of a large seed (the million timecards of
    ``make bench``) and hand them to the parent, which writes them: the same rows as
    planned here, compared row for row on a smaller set."""
    small = {"users": 8, "weeks": 20, "seed": 5, "now": NOW}
    demo.seed_demo_data(**small, workers=0)
    planned_here = snapshot_digest()
    delete_everything()

    demo.seed_demo_data(**small, workers=2)

    assert snapshot_digest() == planned_here


def test_every_timecard_and_invoice_is_built_by_its_factory(monkeypatch):
    built = Counter()
    for factory_class in (TimecardFactory, InvoiceFactory):
        build = factory_class.build

        def counted(*args, _build=build, _name=factory_class.__name__, **kwargs):
            built[_name] += 1
            return _build(*args, **kwargs)

        monkeypatch.setattr(factory_class, "build", counted)

    summary = demo.seed_demo_data(users=5, weeks=12, seed=7, now=NOW, workers=0)

    assert built == {"TimecardFactory": summary.timecards, "InvoiceFactory": summary.invoices}
