"""Every transition of timecards and invoices, and every rule the services keep."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.factories import UserFactory
from accounts.models import UserProfile
from presentation import dates
from timetrack import services
from timetrack.factories import ClientFactory, InvoiceFactory, ProjectFactory, TimecardFactory
from timetrack.invoice_numbers import invoice_number, parse_invoice_number
from timetrack.models import (
    DESCRIPTION_NEEDED,
    HOURS_NOT_QUARTER,
    Invoice,
    InvoiceStatus,
    Timecard,
    TimecardStatus,
)

pytestmark = pytest.mark.django_db

MARCH = (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))


def messages_of(excinfo: pytest.ExceptionInfo) -> list[str]:
    return excinfo.value.messages


def approved(user, project, day: int, hours: str = "8.00", **kwargs) -> Timecard:
    return TimecardFactory(
        user=user,
        project=project,
        date=datetime.date(2025, 3, day),
        hours=Decimal(hours),
        approved=True,
        **kwargs,
    )


def generate(user, client, period=MARCH, requested_by=None, **kwargs) -> Invoice:
    return services.invoice_generate(
        user=user,
        client=client,
        period_start=period[0],
        period_end=period[1],
        requested_by=requested_by or user,
        **kwargs,
    )


# --- timecard_create ------------------------------------------------------------------


def log_work(user, *, hours: str, description: str = "Work", **changes) -> Timecard:
    """``services.timecard_create`` of a day's work on a new project, on 3 March 2025."""
    return services.timecard_create(
        user=user,
        project=ProjectFactory(),
        date=datetime.date(2025, 3, 3),
        hours=Decimal(hours),
        description=description,
        **changes,
    )


def test_create_saves_an_open_timecard(user):
    project = ProjectFactory()

    timecard = services.timecard_create(
        user=user,
        project=project,
        date=datetime.date(2025, 3, 3),
        hours=Decimal("7.50"),
        description="Design review",
        billable=False,
    )

    timecard.refresh_from_db()
    assert timecard.user == user
    assert timecard.project == project
    assert timecard.hours == Decimal("7.50")
    assert timecard.billable is False
    assert timecard.status == TimecardStatus.OPEN
    assert timecard.is_editable


def test_create_on_a_closed_project_is_refused(user):
    project = ProjectFactory(is_active=False)

    with pytest.raises(ValidationError) as excinfo:
        services.timecard_create(
            user=user,
            project=project,
            date=datetime.date(2025, 3, 3),
            hours=Decimal("1"),
            description="Work",
        )

    assert messages_of(excinfo) == [services.INACTIVE_PROJECT.format(project=project)]
    assert not Timecard.objects.exists()


@pytest.mark.parametrize("hours", ["0", "-1", "24.25", "25"])
def test_create_rejects_hours_outside_a_day_through_full_clean(user, hours):
    with pytest.raises(ValidationError) as excinfo:
        log_work(user, hours=hours)

    assert "timecard_hours_within_a_day" in " ".join(messages_of(excinfo))
    assert not Timecard.objects.exists()


@pytest.mark.parametrize("hours", ["3.33", "0.1", "7.05"])
def test_create_refuses_hours_off_the_quarter(user, hours):
    with pytest.raises(ValidationError) as excinfo:
        log_work(user, hours=hours)

    assert messages_of(excinfo) == [HOURS_NOT_QUARTER.format(hours=hours)]
    assert not Timecard.objects.exists()


@pytest.mark.parametrize("hours", ["0.25", "24"])
def test_create_accepts_the_bounds_of_a_day(user, hours):
    timecard = services.timecard_create(
        user=user,
        project=ProjectFactory(),
        date=datetime.date(2025, 3, 3),
        hours=Decimal(hours),
        description="Work",
    )
    assert timecard.hours == Decimal(hours)


def test_a_person_logs_at_most_24_hours_a_day_over_all_projects(user):
    day = datetime.date(2025, 3, 3)
    services.timecard_create(
        user=user, project=ProjectFactory(), date=day, hours=Decimal("20"), description="Work"
    )
    with pytest.raises(ValidationError) as excinfo:
        services.timecard_create(
            user=user, project=ProjectFactory(), date=day, hours=Decimal("4.25"), description="Work"
        )
    assert messages_of(excinfo) == [
        "That would make 24.25 hours on 3 Mar 2025: a day has at most 24,"
        " and 20 are logged already."
    ]
    assert Timecard.objects.filter(user=user).count() == 1
    services.timecard_create(
        user=user, project=ProjectFactory(), date=day, hours=Decimal("4"), description="Work"
    )
    assert TimecardFactory(date=day).user != user  # other people's days are their own


def test_editing_a_timecard_counts_the_rest_of_its_day(user):
    day = datetime.date(2025, 3, 3)
    project = ProjectFactory()
    services.timecard_create(
        user=user, project=project, date=day, hours=Decimal("16"), description="Work"
    )
    card = services.timecard_create(
        user=user, project=project, date=day, hours=Decimal("8"), description="Work"
    )
    services.timecard_update(
        timecard=card, project=project, date=day, hours=Decimal("7"), description="Work"
    )
    with pytest.raises(ValidationError):
        services.timecard_update(
            timecard=card, project=project, date=day, hours=Decimal("9"), description="Work"
        )
    card.refresh_from_db()
    assert card.hours == Decimal("7")


def test_time_in_the_future_is_refused(user):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        services.timecard_create(
            user=user,
            project=ProjectFactory(),
            date=tomorrow,
            hours=Decimal("1"),
            description="Work",
        )
    assert messages_of(excinfo) == [services.FUTURE_DATE.format(date=dates.day(tomorrow))]
    assert not Timecard.objects.exists()


@pytest.mark.parametrize("hours", ["0", "-2", "24.5"])
def test_database_rejects_hours_outside_a_day_on_update(hours):
    timecard = TimecardFactory(hours=Decimal("8"))

    with pytest.raises(IntegrityError), transaction.atomic():
        Timecard.objects.filter(pk=timecard.pk).update(hours=Decimal(hours))

    timecard.refresh_from_db()
    assert timecard.hours == Decimal("8")


def test_database_rejects_hours_outside_a_day_on_bulk_create(user):
    project = ProjectFactory()
    rows = [
        Timecard(user=user, project=project, date=datetime.date(2025, 3, 3), hours=Decimal("4")),
        Timecard(user=user, project=project, date=datetime.date(2025, 3, 4), hours=Decimal("0")),
    ]

    with pytest.raises(IntegrityError), transaction.atomic():
        Timecard.objects.bulk_create(rows)

    assert not Timecard.objects.exists()


# --- timecard_update ------------------------------------------------------------------


def test_update_changes_an_open_timecard(user):
    timecard = TimecardFactory(user=user, hours=Decimal("8"))
    project = ProjectFactory()

    services.timecard_update(
        timecard=timecard,
        project=project,
        date=datetime.date(2025, 3, 4),
        hours=Decimal("6.25"),
        description="Changed",
        billable=False,
    )

    timecard.refresh_from_db()
    assert (timecard.project, timecard.date, timecard.hours) == (
        project,
        datetime.date(2025, 3, 4),
        Decimal("6.25"),
    )
    assert timecard.description == "Changed"
    assert timecard.billable is False


@pytest.mark.parametrize(
    ("trait", "status"),
    [("submitted", "submitted"), ("approved", "approved")],
)
def test_update_of_a_timecard_past_open_is_refused(trait, status):
    timecard = TimecardFactory(hours=Decimal("8"), description="Before", **{trait: True})

    with pytest.raises(ValidationError) as excinfo:
        services.timecard_update(
            timecard=timecard,
            project=timecard.project,
            date=timecard.date,
            hours=Decimal("2"),
            description="After",
        )

    assert messages_of(excinfo) == [services.NOT_EDITABLE.format(status=status)]
    timecard.refresh_from_db()
    assert timecard.hours == Decimal("8")
    assert timecard.description == "Before"


def test_update_reads_the_status_under_lock_not_from_a_stale_object():
    timecard = TimecardFactory()
    Timecard.objects.filter(pk=timecard.pk).update(status=TimecardStatus.SUBMITTED)

    with pytest.raises(ValidationError) as excinfo:
        services.timecard_update(
            timecard=timecard,
            project=timecard.project,
            date=timecard.date,
            hours=Decimal("1"),
            description="Work",
        )

    assert messages_of(excinfo) == [services.NOT_EDITABLE.format(status="submitted")]


def test_update_cannot_move_time_to_a_closed_project():
    timecard = TimecardFactory()
    closed = ProjectFactory(is_active=False)

    with pytest.raises(ValidationError) as excinfo:
        services.timecard_update(
            timecard=timecard,
            project=closed,
            date=timecard.date,
            hours=Decimal("1"),
            description="Work",
        )

    assert messages_of(excinfo) == [services.INACTIVE_PROJECT.format(project=closed)]
    timecard.refresh_from_db()
    assert timecard.project != closed


def test_update_may_keep_a_project_closed_since():
    timecard = TimecardFactory(project=ProjectFactory(is_active=False))

    services.timecard_update(
        timecard=timecard,
        project=timecard.project,
        date=timecard.date,
        hours=Decimal("3"),
        description="Work",
    )

    timecard.refresh_from_db()
    assert timecard.hours == Decimal("3")


def test_update_rejects_hours_over_a_day():
    timecard = TimecardFactory(hours=Decimal("8"))

    with pytest.raises(ValidationError):
        services.timecard_update(
            timecard=timecard,
            project=timecard.project,
            date=timecard.date,
            hours=Decimal("30"),
            description="Work",
        )

    timecard.refresh_from_db()
    assert timecard.hours == Decimal("8")


# --- submit / approve / reject --------------------------------------------------------


def test_submit_moves_an_open_timecard_to_submitted():
    timecard = TimecardFactory()

    services.timecard_submit(timecard=timecard)

    timecard.refresh_from_db()
    assert timecard.status == TimecardStatus.SUBMITTED
    assert timecard.submitted_at is not None
    assert not timecard.is_editable


def test_submitting_twice_is_refused():
    timecard = TimecardFactory()
    services.timecard_submit(timecard=timecard)
    first_submitted_at = Timecard.objects.get(pk=timecard.pk).submitted_at

    with pytest.raises(ValidationError) as excinfo:
        services.timecard_submit(timecard=timecard)

    assert messages_of(excinfo) == [services.NOT_SUBMITTABLE.format(status="submitted")]
    assert Timecard.objects.get(pk=timecard.pk).submitted_at == first_submitted_at


def test_staff_approves_a_submitted_timecard(staff):
    timecard = TimecardFactory(submitted=True)

    services.timecard_approve(timecard=timecard, approver=staff)

    timecard.refresh_from_db()
    assert timecard.status == TimecardStatus.APPROVED
    assert timecard.approved_by == staff
    assert timecard.approved_at is not None


def test_staff_cannot_approve_their_own_timecard(staff):
    timecard = TimecardFactory(user=staff, submitted=True)

    with pytest.raises(PermissionDenied) as excinfo:
        services.timecard_approve(timecard=timecard, approver=staff)

    assert str(excinfo.value) == services.OWN_TIMECARD
    timecard.refresh_from_db()
    assert timecard.status == TimecardStatus.SUBMITTED


def test_staff_cannot_reject_their_own_timecard(staff):
    timecard = TimecardFactory(user=staff, submitted=True)

    with pytest.raises(PermissionDenied, match=services.OWN_TIMECARD):
        services.timecard_reject(timecard=timecard, approver=staff)

    assert Timecard.objects.get(pk=timecard.pk).status == TimecardStatus.SUBMITTED


@pytest.mark.parametrize("service", [services.timecard_approve, services.timecard_reject])
def test_non_staff_cannot_review(user, other_user, service):
    timecard = TimecardFactory(user=other_user, submitted=True)

    with pytest.raises(PermissionDenied) as excinfo:
        service(timecard=timecard, approver=user)

    assert str(excinfo.value) == services.NOT_STAFF
    assert Timecard.objects.get(pk=timecard.pk).status == TimecardStatus.SUBMITTED


@pytest.mark.parametrize(
    ("traits", "status"),
    [({}, "open"), ({"approved": True}, "approved")],
)
@pytest.mark.parametrize("service", [services.timecard_approve, services.timecard_reject])
def test_only_submitted_timecards_are_reviewed(staff, service, traits, status):
    timecard = TimecardFactory(**traits)

    with pytest.raises(ValidationError) as excinfo:
        service(timecard=timecard, approver=staff)

    assert messages_of(excinfo) == [services.NOT_APPROVABLE.format(status=status)]
    assert Timecard.objects.get(pk=timecard.pk).status == status


def test_reject_sends_the_timecard_back_open(staff):
    timecard = TimecardFactory(submitted=True)

    services.timecard_reject(timecard=timecard, approver=staff)

    timecard.refresh_from_db()
    assert timecard.status == TimecardStatus.OPEN
    assert timecard.submitted_at is None
    assert timecard.approved_by is None
    # Open again: the owner can change and resubmit it.
    services.timecard_update(
        timecard=timecard,
        project=timecard.project,
        date=timecard.date,
        hours=Decimal("5"),
        description="Work",
    )
    services.timecard_submit(timecard=timecard)
    assert Timecard.objects.get(pk=timecard.pk).status == TimecardStatus.SUBMITTED


# --- invoice_generate -----------------------------------------------------------------


def test_invoice_bills_approved_billable_time_of_the_period_at_the_rate(user):
    UserProfile.objects.filter(user=user).update(hourly_rate=Decimal("100.00"))
    client = ClientFactory()
    project = ProjectFactory(client=client)
    billed = [approved(user, project, 3, "8.00"), approved(user, project, 31, "1.25")]
    # Everything that must stay off this invoice:
    left_out = [
        approved(user, project, 4, billable=False),
        TimecardFactory(user=user, project=project, date=datetime.date(2025, 3, 5)),
        TimecardFactory(user=user, project=project, date=datetime.date(2025, 3, 6), submitted=True),
        TimecardFactory(user=user, project=project, date=datetime.date(2025, 4, 1), approved=True),
        TimecardFactory(user=user, project=project, date=datetime.date(2025, 2, 28), approved=True),
        approved(user, ProjectFactory(), 7),
        approved(UserFactory(), project, 8),
    ]

    invoice = generate(user, client, issued_on=datetime.date(2025, 4, 2))

    assert invoice.status == InvoiceStatus.DRAFT
    assert (invoice.user, invoice.client) == (user, client)
    assert (invoice.period_start, invoice.period_end) == MARCH
    assert invoice.issued_on == datetime.date(2025, 4, 2)
    assert invoice.due_on == datetime.date(2025, 5, 2)
    assert invoice.total == Decimal("925.00")
    assert invoice.total == sum(card.hours * Decimal("100.00") for card in billed)
    assert set(invoice.timecards.all()) == set(billed)
    assert invoice.hours == Decimal("9.25")
    for card in billed:
        card.refresh_from_db()
        assert card.status == TimecardStatus.INVOICED
        assert card.billed_rate == Decimal("100.00")
        assert card.amount == card.hours * Decimal("100.00")
    for card in left_out:
        card.refresh_from_db()
        assert card.invoice is None
        assert card.status != TimecardStatus.INVOICED


def test_invoice_total_equals_the_sum_of_hours_times_rate_of_its_timecards(user):
    UserProfile.objects.filter(user=user).update(hourly_rate=Decimal("72.50"))
    project = ProjectFactory()
    for day, hours in [(3, "7.75"), (4, "0.25"), (5, "3.25"), (6, "24")]:
        approved(user, project, day, hours)

    invoice = generate(user, project.client)

    cards = list(invoice.timecards.all())
    assert len(cards) == 4
    exact = sum(card.hours * card.billed_rate for card in cards)
    assert exact == Decimal("2555.6250")
    assert invoice.total == Decimal("2555.63")  # rounded once, half up, to the cent
    assert sum(card.amount for card in cards) == exact
    invoice.refresh_from_db()
    assert invoice.total == Decimal("2555.63")


def test_the_rate_is_frozen_on_the_invoice(user):
    UserProfile.objects.filter(user=user).update(hourly_rate=Decimal("50"))
    card = approved(user, ProjectFactory(), 3, "2")
    invoice = generate(user, card.project.client)

    UserProfile.objects.filter(user=user).update(hourly_rate=Decimal("999"))

    card.refresh_from_db()
    assert card.billed_rate == Decimal("50")
    assert Invoice.objects.get(pk=invoice.pk).total == Decimal("100.00")


def test_invoicing_an_empty_period_is_refused(user):
    client = ClientFactory()

    with pytest.raises(ValidationError) as excinfo:
        generate(user, client)

    assert messages_of(excinfo) == [
        services.NOTHING_TO_INVOICE.format(client=client, start="1 Mar 2025", end="31 Mar 2025")
    ]
    assert not Invoice.objects.exists()


def test_a_reversed_period_is_refused(user):
    card = approved(user, ProjectFactory(), 3)

    with pytest.raises(ValidationError) as excinfo:
        generate(user, card.project.client, period=(MARCH[1], MARCH[0]))

    assert messages_of(excinfo) == [services.PERIOD_REVERSED]
    assert not Invoice.objects.exists()
    assert Timecard.objects.get(pk=card.pk).status == TimecardStatus.APPROVED


def test_a_one_day_period_is_fine(user):
    card = approved(user, ProjectFactory(), 3)

    invoice = generate(user, card.project.client, period=(card.date, card.date))

    assert list(invoice.timecards.all()) == [card]


def test_a_timecard_is_never_invoiced_twice(user):
    card = approved(user, ProjectFactory(), 3)
    client = card.project.client
    first = generate(user, client)

    with pytest.raises(ValidationError) as excinfo:
        generate(user, client)

    assert messages_of(excinfo) == [
        services.NOTHING_TO_INVOICE.format(client=client, start="1 Mar 2025", end="31 Mar 2025")
    ]
    assert list(Invoice.objects.all()) == [first]
    card.refresh_from_db()
    assert card.invoice == first


def test_time_approved_later_goes_on_a_new_invoice(user):
    project = ProjectFactory()
    first_card = approved(user, project, 3)
    first = generate(user, project.client)
    second_card = approved(user, project, 10)

    second = generate(user, project.client)

    assert list(first.timecards.all()) == [first_card]
    assert list(second.timecards.all()) == [second_card]


def test_people_invoice_only_their_own_time(user, other_user):
    card = approved(other_user, ProjectFactory(), 3)

    with pytest.raises(PermissionDenied, match=services.NOT_YOURS):
        generate(other_user, card.project.client, requested_by=user)

    assert not Invoice.objects.exists()


def test_staff_invoice_anyones_time(staff, user):
    card = approved(user, ProjectFactory(), 3)

    invoice = generate(user, card.project.client, requested_by=staff)

    assert invoice.user == user


def test_invoice_numbers_are_sequential_and_unique_per_year(user):
    project = ProjectFactory()
    numbers = []
    for day in (3, 4, 5):
        approved(user, project, day)
        numbers.append(
            generate(
                user,
                project.client,
                period=(datetime.date(2025, 3, day), datetime.date(2025, 3, day)),
                issued_on=datetime.date(2025, 4, 1),
            ).number
        )
    approved(user, project, 6)
    next_year = generate(
        user,
        project.client,
        period=(datetime.date(2025, 3, 6), datetime.date(2025, 3, 6)),
        issued_on=datetime.date(2026, 1, 2),
    )

    assert numbers == ["INV-2025-00001", "INV-2025-00002", "INV-2025-00003"]
    assert next_year.number == "INV-2026-00001"
    assert invoice_number(2025, 42) == "INV-2025-00042"


def test_the_database_refuses_a_duplicate_invoice_number():
    InvoiceFactory(number="INV-2025-00001")

    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(number="INV-2025-00001")

    assert Invoice.objects.filter(number="INV-2025-00001").count() == 1


# --- mark sent / paid -----------------------------------------------------------------


def test_mark_sent_then_paid():
    invoice = InvoiceFactory(issued_on=datetime.date(2025, 4, 1))

    services.invoice_mark_sent(invoice=invoice, sent_on=datetime.date(2025, 4, 2))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT
    assert invoice.sent_on == datetime.date(2025, 4, 2)
    assert invoice.paid_on is None
    # Issued the day it went out, not the day it was drafted; the terms count from then.
    assert invoice.issued_on == datetime.date(2025, 4, 2)
    assert invoice.due_on == datetime.date(2025, 5, 2)

    services.invoice_mark_paid(invoice=invoice, paid_on=datetime.date(2025, 4, 20))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_on == datetime.date(2025, 4, 20)


def test_mark_sent_defaults_to_today():
    invoice = InvoiceFactory()

    services.invoice_mark_sent(invoice=invoice)

    invoice.refresh_from_db()
    assert invoice.sent_on == invoice.issued_on  # the factory issues today


@pytest.mark.parametrize(("traits", "status"), [({"sent": True}, "sent"), ({"paid": True}, "paid")])
def test_only_drafts_are_sent(traits, status):
    invoice = InvoiceFactory(**traits)

    with pytest.raises(ValidationError) as excinfo:
        services.invoice_mark_sent(invoice=invoice)

    assert messages_of(excinfo) == [services.NOT_SENDABLE.format(status=status)]
    assert Invoice.objects.get(pk=invoice.pk).status == status


@pytest.mark.parametrize(("traits", "status"), [({}, "draft"), ({"paid": True}, "paid")])
def test_only_sent_invoices_are_paid(traits, status):
    invoice = InvoiceFactory(**traits)

    with pytest.raises(ValidationError) as excinfo:
        services.invoice_mark_paid(invoice=invoice)

    assert messages_of(excinfo) == [services.NOT_PAYABLE.format(status=status)]
    assert Invoice.objects.get(pk=invoice.pk).status == status


def test_an_invoice_is_not_paid_before_it_was_sent():
    invoice = InvoiceFactory(sent=True, issued_on=datetime.date(2025, 4, 10))

    with pytest.raises(ValidationError) as excinfo:
        services.invoice_mark_paid(invoice=invoice, paid_on=datetime.date(2025, 4, 9))

    assert messages_of(excinfo) == [services.PAID_BEFORE_SENT.format(sent_on="10 Apr 2025")]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT
    assert invoice.paid_on is None


def test_an_invoice_is_not_sent_before_it_was_drafted():
    invoice = InvoiceFactory(issued_on=datetime.date(2025, 4, 10))

    with pytest.raises(ValidationError) as excinfo:
        services.invoice_mark_sent(invoice=invoice, sent_on=datetime.date(2025, 4, 9))

    assert messages_of(excinfo) == [services.SENT_BEFORE_DRAFTED.format(drafted_on="10 Apr 2025")]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.issued_on) == (InvoiceStatus.DRAFT, datetime.date(2025, 4, 10))


def test_an_invoice_is_not_marked_as_sent_on_a_day_to_come():
    invoice = InvoiceFactory()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as excinfo:
        services.invoice_mark_sent(invoice=invoice, sent_on=tomorrow)

    assert messages_of(excinfo) == [services.SENT_IN_THE_FUTURE.format(sent_on=dates.day(tomorrow))]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT


def test_staff_generated_invoice_goes_through_its_whole_life(staff):
    person = UserFactory(hourly_rate=Decimal("80"))
    card = approved(person, ProjectFactory(), 3, "5")
    invoice = generate(person, card.project.client, requested_by=staff)

    services.invoice_mark_sent(invoice=invoice, sent_on=invoice.issued_on)
    services.invoice_mark_paid(invoice=invoice, paid_on=invoice.issued_on)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.total == Decimal("400.00")


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        (["INV-2025-99998", "INV-2025-99999"], "INV-2025-100000"),
        (["INV-2025-99999", "INV-2025-100000"], "INV-2025-100001"),
        (["INV-2025-100000", "INV-2025-99999", "INV-2025-100001"], "INV-2025-100002"),
    ],
    ids=["to-six-digits", "after-six-digits", "whatever-the-insert-order"],
)
def test_invoice_numbers_go_on_past_five_digits(user, existing, expected):
    for number in existing:
        InvoiceFactory(number=number)
    InvoiceFactory(number="INV-2026-100005")  # another year counts on its own
    project = ProjectFactory()
    for day in (3, 4):
        approved(user, project, day)

    first = generate(
        user,
        project.client,
        period=(datetime.date(2025, 3, 3), datetime.date(2025, 3, 3)),
        issued_on=datetime.date(2025, 4, 2),
    )
    second = generate(
        user,
        project.client,
        period=(datetime.date(2025, 3, 4), datetime.date(2025, 3, 4)),
        issued_on=datetime.date(2025, 4, 2),
    )

    assert first.number == expected
    year, sequence = parse_invoice_number(first.number)
    assert second.number == invoice_number(year, sequence + 1)
    numbers = list(Invoice.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == len(existing) + 3


@pytest.mark.parametrize("description", ["", "   "])
def test_billable_time_needs_a_description_for_its_invoice(user, description):
    with pytest.raises(ValidationError) as excinfo:
        log_work(user, hours="2", description=description)

    assert messages_of(excinfo) == [DESCRIPTION_NEEDED]
    assert not Timecard.objects.exists()


def test_time_that_is_not_billed_may_go_undescribed(user):
    timecard = log_work(user, hours="2", description="", billable=False)

    assert timecard.pk and timecard.description == ""
