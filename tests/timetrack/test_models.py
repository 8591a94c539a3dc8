"""The models' own rules: database constraints that hold even for code that skips services."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.factories import UserFactory
from timetrack.factories import ClientFactory, InvoiceFactory, ProjectFactory, TimecardFactory
from timetrack.models import Invoice, InvoiceStatus, Timecard, TimecardStatus

pytestmark = pytest.mark.django_db


def test_timecard_str_and_url():
    timecard = TimecardFactory(
        date=datetime.date(2025, 3, 3),
        hours=Decimal("7.50"),
        project=ProjectFactory(code="apollo"),
        user=UserFactory(username="ada"),
    )

    assert str(timecard) == "3 Mar 2025 7.50h apollo (ada)"
    assert timecard.get_absolute_url() == f"/timecards/{timecard.pk}/edit/"


def test_project_and_client_str():
    project = ProjectFactory(name="Website", client=ClientFactory(name="Acme"))

    assert str(project) == "Acme / Website"
    assert str(project.client) == "Acme"


@pytest.mark.parametrize(
    ("status", "editable"),
    [
        (TimecardStatus.OPEN, True),
        (TimecardStatus.SUBMITTED, False),
        (TimecardStatus.APPROVED, False),
    ],
)
def test_only_open_timecards_are_editable(status, editable):
    assert Timecard(status=status).is_editable is editable


def test_amount_exists_once_billed():
    assert Timecard(hours=Decimal("2.5")).amount is None
    assert Timecard(hours=Decimal("2.5"), billed_rate=Decimal("80")).amount == Decimal("200.0")


@pytest.mark.parametrize("hours", ["0", "-0.5", "24.25"])
def test_full_clean_rejects_hours_outside_a_day(hours):
    timecard = TimecardFactory.build(
        user=UserFactory(), project=ProjectFactory(), hours=Decimal(hours)
    )

    with pytest.raises(ValidationError) as excinfo:
        timecard.full_clean()

    assert "timecard_hours_within_a_day" in str(excinfo.value)


@pytest.mark.parametrize("hours", ["0", "24.25"])
def test_database_rejects_hours_outside_a_day_on_save(hours):
    timecard = TimecardFactory.build(
        user=UserFactory(), project=ProjectFactory(), hours=Decimal(hours)
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        timecard.save()

    assert not Timecard.objects.exists()


def test_database_refuses_an_invoiced_status_without_an_invoice():
    timecard = TimecardFactory(approved=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        Timecard.objects.filter(pk=timecard.pk).update(status=TimecardStatus.INVOICED)

    assert Timecard.objects.get(pk=timecard.pk).status == TimecardStatus.APPROVED


def test_database_refuses_an_invoice_on_a_timecard_not_invoiced():
    timecard = TimecardFactory(approved=True)
    invoice = InvoiceFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Timecard.objects.filter(pk=timecard.pk).update(invoice=invoice, billed_rate=Decimal("1"))

    assert Timecard.objects.get(pk=timecard.pk).invoice is None


def test_database_refuses_an_unknown_status():
    timecard = TimecardFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Timecard.objects.filter(pk=timecard.pk).update(status="lost")


def test_database_refuses_a_reversed_invoice_period():
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(
            period_start=datetime.date(2025, 3, 31), period_end=datetime.date(2025, 3, 1)
        )

    assert not Invoice.objects.exists()


def test_database_refuses_a_due_date_before_issue():
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(issued_on=datetime.date(2025, 4, 1), due_on=datetime.date(2025, 3, 1))


def test_database_refuses_a_negative_total():
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(total=Decimal("-1"))


@pytest.mark.parametrize(
    "fields",
    [
        {"status": InvoiceStatus.SENT},  # sent without a sent_on
        {"status": InvoiceStatus.DRAFT, "paid_on": datetime.date(2025, 4, 1)},
        {"status": InvoiceStatus.PAID, "sent_on": datetime.date(2025, 4, 1)},  # no paid_on
    ],
)
def test_database_keeps_invoice_status_and_dates_in_step(fields):
    invoice = InvoiceFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(**fields)

    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


def test_invoice_str_url_and_hours():
    invoice = InvoiceFactory(number="INV-2025-00007")

    assert str(invoice) == "INV-2025-00007"
    assert invoice.get_absolute_url() == f"/invoices/{invoice.pk}/"
    assert invoice.hours == Decimal("0")
