"""Every change to timecards and invoices, each in one transaction on the primary.

Views and forms call these; the messages below are what the user reads, and what the
tests assert on. A rule broken raises ``ValidationError`` and changes nothing.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import UserProfile
from core.routing.writes import mark_written
from presentation import dates, numbers
from timetrack.date_bounds import check_date
from timetrack.invoice_numbers import next_invoice_numbers
from timetrack.models import (
    MAX_HOURS_PER_DAY,
    Client,
    Invoice,
    InvoiceStatus,
    Project,
    Timecard,
    TimecardStatus,
)

NOT_EDITABLE = "Only open timecards can be changed; this one is {status}."
NOT_SUBMITTABLE = "Only open timecards can be submitted; this one is {status}."
NOT_APPROVABLE = "Only submitted timecards can be approved or rejected; this one is {status}."
CENT = Decimal("0.01")
"""Invoice totals are rounded once, half up, to the cent; the lines keep their precision."""

NOT_STAFF = "Only staff can approve or reject timecards."
OWN_TIMECARD = "Staff cannot approve or reject their own timecards."
FUTURE_DATE = "Time can be logged for today or earlier, not for {date}."
DAY_OVERFULL = (
    "That would make {total} hours on {date}: a day has at most {limit}, and {logged} are"
    " logged already."
)
INACTIVE_PROJECT = "Project {project} is closed to new time."
NOTHING_TO_INVOICE = (
    "There is no approved billable time for {client} between {start} and {end} to invoice."
)
PERIOD_REVERSED = "The period must end on or after the day it starts."
NOT_SENDABLE = "Only draft invoices can be marked as sent; this one is {status}."
NOT_PAYABLE = "Only sent invoices can be marked as paid; this one is {status}."
PAID_BEFORE_SENT = "An invoice cannot be paid before it was sent ({sent_on})."
SENT_BEFORE_DRAFTED = "An invoice cannot be sent before it was drafted ({drafted_on})."
SENT_IN_THE_FUTURE = (
    "An invoice is marked as sent once it has gone out: not on {sent_on}, a day to come."
)
NOT_YOURS = "You can only invoice your own time."
NOTHING_SELECTED = "Select the timecards to approve or send back first."
SUBMITTED_BY_ANOTHER = "This form was sent by someone else: open Log time again."
SUBMITTED_ALREADY = (
    "This form was saved already, with other entries: to log more time, open Log time again."
)


def _today() -> datetime.date:
    return timezone.localdate()


def timecard_create(
    *,
    user: AbstractBaseUser,
    project: Project,
    date: datetime.date,
    hours: Decimal,
    description: str = "",
    billable: bool = True,
    submission: uuid.UUID | None = None,
) -> Timecard:
    """Log time. ``submission``, the id of the form sent, makes sending it again safe:
    a form whose first sending was saved (though its answer was lost, the primary
    failing over under it) returns that timecard instead of logging the time twice."""
    timecard = Timecard(
        user=user,
        project=project,
        date=date,
        hours=hours,
        description=description,
        billable=billable,
        submission=submission,
    )
    try:
        return _create_timecard(timecard)
    except IntegrityError:
        # The same form sent twice at once, past the lock (a database without row locks).
        earlier = None if submission is None else _submitted_before(timecard)
        if earlier is None:
            raise
        return earlier


@transaction.atomic
def _create_timecard(timecard: Timecard) -> Timecard:
    check_date(timecard.date, field="date")
    if not timecard.project.is_active:
        raise ValidationError(INACTIVE_PROJECT.format(project=timecard.project))
    if timecard.submission is not None:
        # The person's saves one at a time (their profile row locked, as _check_day
        # does): a form sent twice at once finds the first sending's timecard here.
        UserProfile.objects.select_for_update().filter(user=timecard.user).first()
        earlier = _submitted_before(timecard)
        if earlier is not None:
            return earlier
    return _checked_and_saved(timecard)


def _submitted_before(timecard: Timecard) -> Timecard | None:
    """The timecard an earlier sending of the same form saved, if any.

    Only the same person's, with the same entries: a form saved once and then sent with
    other entries (the browser's Back button keeps its id) is refused, not taken for the
    first. The request then counts as having written (``mark_written``): its answer may
    be the first one its browser sees of the save, with the read-your-writes pin.
    """
    earlier = Timecard.objects.filter(submission=timecard.submission).first()
    if earlier is None:
        return None
    if earlier.user_id != timecard.user_id:
        raise ValidationError(SUBMITTED_BY_ANOTHER)
    fields = ("project_id", "date", "hours", "description", "billable")
    if any(getattr(earlier, field) != getattr(timecard, field) for field in fields):
        raise ValidationError(SUBMITTED_ALREADY)
    mark_written()
    return earlier


@transaction.atomic
def timecard_update(
    *,
    timecard: Timecard,
    project: Project,
    date: datetime.date,
    hours: Decimal,
    description: str = "",
    billable: bool = True,
) -> Timecard:
    check_date(date, field="date")
    timecard = _lock(timecard)
    if timecard.status != TimecardStatus.OPEN:
        raise ValidationError(NOT_EDITABLE.format(status=timecard.get_status_display().lower()))
    if project.pk != timecard.project_id and not project.is_active:
        raise ValidationError(INACTIVE_PROJECT.format(project=project))
    timecard.project = project
    timecard.date = date
    timecard.hours = hours
    timecard.description = description
    timecard.billable = billable
    return _checked_and_saved(timecard, editing=timecard)


def _checked_and_saved(timecard: Timecard, *, editing: Timecard | None = None) -> Timecard:
    """Save ``timecard`` once it passes what every saved timecard must: valid fields, and
    a day that stays within ``MAX_HOURS_PER_DAY`` (its date's range is checked first of
    all, before anything is read or locked)."""
    timecard.full_clean()
    _check_day(user=timecard.user, date=timecard.date, hours=timecard.hours, editing=editing)
    timecard.save()
    return timecard


@transaction.atomic
def timecard_submit(*, timecard: Timecard) -> Timecard:
    timecard = _lock(timecard)
    if timecard.status != TimecardStatus.OPEN:
        raise ValidationError(NOT_SUBMITTABLE.format(status=timecard.get_status_display().lower()))
    timecard.status = TimecardStatus.SUBMITTED
    timecard.submitted_at = timezone.now()
    timecard.save(update_fields=["status", "submitted_at", "updated_at"])
    return timecard


@transaction.atomic
def timecard_approve(*, timecard: Timecard, approver: AbstractBaseUser) -> Timecard:
    timecard = _lock_for_review(timecard, approver)
    timecard.status = TimecardStatus.APPROVED
    timecard.approved_at = timezone.now()
    timecard.approved_by = approver
    timecard.save(update_fields=["status", "approved_at", "approved_by", "updated_at"])
    return timecard


@transaction.atomic
def timecard_reject(*, timecard: Timecard, approver: AbstractBaseUser) -> Timecard:
    """Send a submitted timecard back to its owner, open again for changes."""
    timecard = _lock_for_review(timecard, approver)
    timecard.status = TimecardStatus.OPEN
    timecard.submitted_at = None
    timecard.save(update_fields=["status", "submitted_at", "updated_at"])
    return timecard


@dataclass(frozen=True)
class Reviewed:
    """What one review of several timecards did: those changed, and those left as they
    were (each with the reason, the message a single review would have given)."""

    changed: list[Timecard]
    left: list[tuple[Timecard, str]]


@transaction.atomic
def timecards_review(
    *, timecard_ids: Iterable[int], approver: AbstractBaseUser, approve: bool
) -> Reviewed:
    """Approve (or send back, ``approve=False``) several timecards in one transaction.

    Each is held to the rules of a single review; one that breaks them (the approver's
    own, or no longer submitted: another staff member was quicker) is left as it was
    and said so, without stopping the others. The rows are locked in id order, so two
    staff members reviewing overlapping pages wait for each other instead of deadlocking.
    """
    if not approver.is_staff:
        raise PermissionDenied(NOT_STAFF)
    ids = sorted({int(pk) for pk in timecard_ids})
    if not ids:
        raise ValidationError(NOTHING_SELECTED)
    review = timecard_approve if approve else timecard_reject
    changed, left = [], []
    for timecard in Timecard.objects.filter(pk__in=ids).select_related("user").order_by("pk"):
        try:
            with transaction.atomic():
                changed.append(review(timecard=timecard, approver=approver))
        except (ValidationError, PermissionDenied) as error:
            left.append((timecard, " ".join(getattr(error, "messages", [str(error)]))))
    return Reviewed(changed=changed, left=left)


@transaction.atomic
def invoice_generate(
    *,
    user: AbstractBaseUser,
    client: Client,
    period_start: datetime.date,
    period_end: datetime.date,
    requested_by: AbstractBaseUser,
    issued_on: datetime.date | None = None,
) -> Invoice:
    """Bill ``user``'s approved billable time for ``client`` in the period, once.

    The timecards are locked before they are read, so two requests for the same period
    cannot both bill them: the second finds nothing left and says so.
    """
    if requested_by.pk != user.pk and not requested_by.is_staff:
        raise PermissionDenied(NOT_YOURS)
    check_date(period_start, field="period_start")
    check_date(period_end, field="period_end")
    if period_end < period_start:
        raise ValidationError(PERIOD_REVERSED)
    timecards = list(
        Timecard.objects.select_for_update()
        .filter(
            user=user,
            project__client=client,
            date__range=(period_start, period_end),
            status=TimecardStatus.APPROVED,
            billable=True,
            invoice__isnull=True,
        )
        .order_by("id")
    )
    if not timecards:
        raise ValidationError(
            NOTHING_TO_INVOICE.format(
                client=client, start=dates.day(period_start), end=dates.day(period_end)
            )
        )
    rate = UserProfile.objects.get(user=user).hourly_rate
    issued_on = issued_on or _today()
    invoice = _create_numbered_invoice(
        user=user,
        client=client,
        period_start=period_start,
        period_end=period_end,
        issued_on=issued_on,
        due_on=issued_on + datetime.timedelta(days=settings.INVOICE_PAYMENT_TERMS_DAYS),
        total=sum((card.hours * rate for card in timecards), Decimal("0.00")).quantize(
            CENT, rounding=ROUND_HALF_UP
        ),
    )
    Timecard.objects.filter(pk__in=[card.pk for card in timecards]).update(
        status=TimecardStatus.INVOICED,
        invoice=invoice,
        billed_rate=rate,
        updated_at=timezone.now(),
    )
    return invoice


@transaction.atomic
def invoice_mark_sent(*, invoice: Invoice, sent_on: datetime.date | None = None) -> Invoice:
    """Send a draft: it is issued the day it goes out, and its payment terms count from
    then, not from the day it was drafted (a draft can wait days for a review)."""
    invoice = _lock_invoice_in(invoice, InvoiceStatus.DRAFT, NOT_SENDABLE)
    invoice.status = InvoiceStatus.SENT
    invoice.sent_on = sent_on or _today()
    check_date(invoice.sent_on, field="sent_on")
    # The number's year is the drafting day's; sending on or after it keeps the two in order.
    if invoice.sent_on < invoice.issued_on:
        raise ValidationError(SENT_BEFORE_DRAFTED.format(drafted_on=dates.day(invoice.issued_on)))
    if invoice.sent_on > _today():
        raise ValidationError(SENT_IN_THE_FUTURE.format(sent_on=dates.day(invoice.sent_on)))
    invoice.issued_on = invoice.sent_on
    invoice.due_on = invoice.sent_on + datetime.timedelta(days=settings.INVOICE_PAYMENT_TERMS_DAYS)
    # The period was checked when the invoice was drafted: a raised EARLIEST_DATE since
    # must not keep a draft from going out.
    invoice.full_clean(exclude=["period_start", "period_end"])
    invoice.save(update_fields=["status", "sent_on", "issued_on", "due_on"])
    return invoice


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, paid_on: datetime.date | None = None) -> Invoice:
    invoice = _lock_invoice_in(invoice, InvoiceStatus.SENT, NOT_PAYABLE)
    paid_on = paid_on or _today()
    check_date(paid_on, field="paid_on")
    if paid_on < invoice.sent_on:
        raise ValidationError(PAID_BEFORE_SENT.format(sent_on=dates.day(invoice.sent_on)))
    invoice.status = InvoiceStatus.PAID
    invoice.paid_on = paid_on
    invoice.save(update_fields=["status", "paid_on"])
    return invoice


NUMBERING_ATTEMPTS = 5


def _create_numbered_invoice(*, issued_on: datetime.date, **fields: object) -> Invoice:
    """Insert the invoice under the next free number of its year.

    Two generators running at once can compute the same number; the unique constraint
    refuses the second insert, and the loser takes the next number (inside a savepoint,
    so its locks on the timecards are kept). Any other integrity error is raised.
    """
    for _attempt in range(NUMBERING_ATTEMPTS):
        number = _next_invoice_number(issued_on.year)
        try:
            with transaction.atomic():
                return Invoice.objects.create(number=number, issued_on=issued_on, **fields)
        except IntegrityError:
            if not Invoice.objects.filter(number=number).exists():
                raise
    raise IntegrityError(f"No free invoice number after {NUMBERING_ATTEMPTS} attempts.")


def _next_invoice_number(year: int) -> str:
    """Read afresh on every attempt, so a retry sees the number another generator took."""
    return next(next_invoice_numbers(year))


def _check_day(
    *,
    user: AbstractBaseUser,
    date: datetime.date,
    hours: Decimal,
    editing: Timecard | None = None,
) -> None:
    """No time in the future, and at most ``MAX_HOURS_PER_DAY`` a person a day, all projects
    together.

    The person's profile row is locked first, so two timecards saved at once for the
    same day are counted one after the other.
    """
    if date > _today():
        raise ValidationError(FUTURE_DATE.format(date=dates.day(date)))
    UserProfile.objects.select_for_update().filter(user=user).first()
    others = Timecard.objects.filter(user=user, date=date)
    if editing is not None:
        others = others.exclude(pk=editing.pk)
    logged = others.aggregate(total=Sum("hours"))["total"] or Decimal("0")
    if logged + Decimal(hours) > MAX_HOURS_PER_DAY:
        total = logged + Decimal(hours)
        raise ValidationError(
            DAY_OVERFULL.format(
                total=numbers.hours(total),
                date=dates.day(date),
                limit=numbers.hours(MAX_HOURS_PER_DAY),
                logged=numbers.hours(logged),
            )
        )


def _lock(timecard: Timecard) -> Timecard:
    """Re-read the timecard under a row lock, so two requests cannot both change it."""
    return Timecard.objects.select_for_update().select_related("project").get(pk=timecard.pk)


def _lock_invoice_in(invoice: Invoice, status: str, refusal: str) -> Invoice:
    """Re-read the invoice under a row lock; refuse unless it is still in ``status``."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != status:
        raise ValidationError(refusal.format(status=invoice.get_status_display().lower()))
    return invoice


def _lock_for_review(timecard: Timecard, approver: AbstractBaseUser) -> Timecard:
    if not approver.is_staff:
        raise PermissionDenied(NOT_STAFF)
    timecard = _lock(timecard)
    if timecard.user_id == approver.pk:
        raise PermissionDenied(OWN_TIMECARD)
    if timecard.status != TimecardStatus.SUBMITTED:
        raise ValidationError(NOT_APPROVABLE.format(status=timecard.get_status_display().lower()))
    return timecard
