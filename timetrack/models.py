"""Clients and their projects, the time people log against them, and the invoices billed.

The life of a timecard: open (editable by its owner) -> submitted -> approved (by staff)
-> invoiced (once, on exactly one invoice). Changes go through ``timetrack.services``;
the constraints below keep the rules true even for code that bypasses them.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from presentation import dates, numbers
from timetrack.date_bounds import DATABASE_FLOOR, refuse_out_of_range

MAX_HOURS_PER_DAY = Decimal("24")
HOUR_STEP = Decimal("0.25")
"""Time is logged in quarter hours: the form's step, checked by the model too."""
HOURS_NOT_QUARTER = "Hours are logged in quarter hours: 7.25, 7.5 or 7.75, not {hours}."
DESCRIPTION_NEEDED = (
    "Describe the work: billable time appears on the client's invoice with its description."
)


def validate_quarter_hours(hours: Decimal) -> None:
    """A number of hours on the quarter (the form, the service's full_clean, the admin)."""
    if hours is None or not hours.is_finite() or abs(hours) > 10 * MAX_HOURS_PER_DAY:
        return  # refused by the field's own checks; "%" of such a number raises
    if hours % HOUR_STEP != 0:
        raise ValidationError(
            HOURS_NOT_QUARTER.format(hours=numbers.plain_decimal(hours)), code="step"
        )


class Client(models.Model):
    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admin:timetrack_client_change", args=[self.pk])


class Project(models.Model):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="projects")
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["client__name", "name"]

    def __str__(self) -> str:
        return f"{self.client.name} / {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("admin:timetrack_project_change", args=[self.pk])


class TimecardStatus(models.TextChoices):
    OPEN = "open", "Open"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    INVOICED = "invoiced", "Invoiced"


class Timecard(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="timecards"
    )
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="timecards")
    date = models.DateField(validators=[refuse_out_of_range])  # as the site's forms
    hours = models.DecimalField(max_digits=4, decimal_places=2, validators=[validate_quarter_hours])
    description = models.CharField(max_length=500, blank=True)
    billable = models.BooleanField(default=True)
    status = models.CharField(
        max_length=10, choices=TimecardStatus.choices, default=TimecardStatus.OPEN
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    invoice = models.ForeignKey(
        "Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="timecards"
    )
    billed_rate = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The owner's hourly rate frozen when the timecard was invoiced.",
    )
    submission = models.UUIDField(
        null=True,
        blank=True,
        editable=False,
        help_text=(
            "The id of the form that logged it: a form sent twice (again after the"
            " database failed over) logs it once."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-id"]
        permissions = [("view_reports", "Can view the report pages")]
        indexes = [
            models.Index(fields=["user", "date"], name="timecard_user_date"),
            models.Index(fields=["status", "date"], name="timecard_status_date"),
            models.Index(fields=["project", "date"], name="timecard_project_date"),
            # Covering indexes of the report pages (BENCHMARKS.md): every column a report
            # reads is in the key, so PostgreSQL answers from the index alone. (Key columns,
            # not INCLUDE: SQLite has no INCLUDE and Django would warn about it there.)
            # Date ranges: the dashboard, the hours report; (date, id) is the CSV's order.
            models.Index(
                fields=["date", "id", "user", "hours", "billable"], name="timecard_date_cover"
            ),
            # Approved billable time on no invoice yet: the unbilled report and dashboard.
            models.Index(
                fields=["user", "project", "hours", "date", "id"],
                condition=Q(status=TimecardStatus.APPROVED, billable=True, invoice__isnull=True),
                name="timecard_unbilled",
            ),
        ]
        constraints = [
            # Only the forms' own ids: no index entry for the timecards logged otherwise.
            models.UniqueConstraint(
                fields=["submission"],
                condition=Q(submission__isnull=False),
                name="timecard_submitted_once",
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=MAX_HOURS_PER_DAY),
                name="timecard_hours_within_a_day",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        status=TimecardStatus.INVOICED,
                        invoice__isnull=False,
                        billed_rate__isnull=False,
                    )
                    | (~Q(status=TimecardStatus.INVOICED) & Q(invoice__isnull=True))
                ),
                name="timecard_invoiced_iff_on_invoice",
            ),
            models.CheckConstraint(
                condition=Q(status__in=TimecardStatus.values),
                name="timecard_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(date__gte=DATABASE_FLOOR), name="timecard_date_from_floor"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{dates.day(self.date)} {numbers.hours(self.hours)}h {self.project.code} ({self.user})"
        )

    def get_absolute_url(self) -> str:
        return reverse("timetrack:timecard_edit", args=[self.pk])

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        """Billable time reaches an invoice with its description: it needs one. Checked
        with the description's own field (not in ``clean``), so a form that does not
        edit the description (the admin's view of a locked timecard) is not refused for
        one written before the rule."""
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.error_dict
        if "description" not in (exclude or ()) and "description" not in errors:
            if self.billable and not self.description.strip():
                errors["description"] = [ValidationError(DESCRIPTION_NEEDED)]
        if errors:
            raise ValidationError(errors)

    @property
    def is_editable(self) -> bool:
        return self.status == TimecardStatus.OPEN

    @property
    def amount(self) -> Decimal | None:
        """The billed amount, once the timecard is on an invoice."""
        if self.billed_rate is None:
            return None
        return self.hours * self.billed_rate


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    PAID = "paid", "Paid"


class Invoice(models.Model):
    """The approved billable time of one person for one client over one period."""

    number = models.CharField(max_length=20, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices"
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invoices")
    period_start = models.DateField(validators=[refuse_out_of_range])
    period_end = models.DateField(validators=[refuse_out_of_range])
    issued_on = models.DateField()
    due_on = models.DateField()
    sent_on = models.DateField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    total = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="Sum of hours x billed rate of its timecards, computed when generated.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-number"]
        indexes = [
            models.Index(fields=["status", "issued_on"], name="invoice_status_issued"),
            models.Index(fields=["paid_on"], name="invoice_paid_on"),
            # Covering indexes of the invoice report and the dashboard (BENCHMARKS.md).
            models.Index(
                fields=["status", "issued_on", "due_on", "total", "id"],
                name="invoice_status_cover",
            ),
            models.Index(
                fields=["paid_on", "client", "total", "id"],
                condition=Q(status=InvoiceStatus.PAID),
                name="invoice_paid_cover",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="invoice_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("issued_on")), name="invoice_due_after_issue"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
            models.CheckConstraint(
                condition=Q(period_start__gte=DATABASE_FLOOR), name="invoice_period_from_floor"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=InvoiceStatus.DRAFT, sent_on__isnull=True, paid_on__isnull=True)
                    | Q(status=InvoiceStatus.SENT, sent_on__isnull=False, paid_on__isnull=True)
                    | Q(status=InvoiceStatus.PAID, sent_on__isnull=False, paid_on__isnull=False)
                ),
                name="invoice_status_matches_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("timetrack:invoice_detail", args=[self.pk])

    @property
    def hours(self) -> Decimal:
        """Hours billed, summed by the database from the related manager."""
        return self.timecards.aggregate(total=models.Sum("hours"))["total"] or Decimal("0")
