"""Admin for clients, projects, timecards and invoices.

The workflow fields (status, approval, invoice, billed rate, totals) are read-only
here: they change through ``timetrack.services``, which keep the rules the admin would
otherwise let a form break. Approving from the changelist is an action that calls the
service too. Every changelist joins what it lists (``list_select_related``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from presentation import dates
from timetrack import services
from timetrack.models import Client, Invoice, Project, Timecard, TimecardStatus

DRILL_DOWN_OUT_OF_RANGE = (
    "That date is outside the calendar the list can show: pick a year from the list's date bar."
)


class DrillDownWithinTheCalendar(admin.ModelAdmin):
    """Django's date drill-down (``date_hierarchy``) reads the year, month and day from
    the URL and counts to the next one: at the calendar's last year, 9999, or with a
    number that is no date, that fails with a server error. Refused with a 400 instead."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        field = self.date_hierarchy
        try:
            year = int(request.GET.get(f"{field}__year", 2000))
            month = int(request.GET.get(f"{field}__month", 1))
            day = int(request.GET.get(f"{field}__day", 1))
            datetime.date(year, month, day)
        except (ValueError, OverflowError):
            return HttpResponseBadRequest(DRILL_DOWN_OUT_OF_RANGE)
        if year >= datetime.MAXYEAR:
            return HttpResponseBadRequest(DRILL_DOWN_OUT_OF_RANGE)
        return super().changelist_view(request, extra_context)


class ProjectInline(admin.TabularInline):
    model = Project
    extra = 0
    fields = ["code", "name", "is_active"]
    show_change_link = True


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [ProjectInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "client", "is_active"]
    list_filter = ["client", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["code", "name", "client__name"]
    list_select_related = ["client"]
    autocomplete_fields = ["client"]


@admin.action(description="Approve selected submitted timecards")
def approve_timecards(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Timecard]
) -> None:
    approved = 0
    for timecard in queryset.filter(status=TimecardStatus.SUBMITTED):
        try:
            services.timecard_approve(timecard=timecard, approver=request.user)
        except (ValidationError, PermissionDenied) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            modeladmin.message_user(request, f"{timecard}: {text}", messages.ERROR)
        else:
            approved += 1
    modeladmin.message_user(request, f"Approved {approved} timecard(s).", messages.SUCCESS)


@admin.register(Timecard)
class TimecardAdmin(DrillDownWithinTheCalendar):
    list_display = ["user", "project", "date", "hours", "billable", "status"]
    list_filter = ["status", "billable", "project__client"]
    date_hierarchy = "date"
    search_fields = [
        "description",
        "user__username",
        "user__first_name",
        "user__last_name",
    ]
    list_select_related = ["user", "project__client"]
    autocomplete_fields = ["user", "project"]
    readonly_fields = [
        "status",
        "submitted_at",
        "approved_at",
        "approved_by",
        "invoice",
        "billed_rate",
        "created_at",
        "updated_at",
    ]
    actions = [approve_timecards]

    def get_readonly_fields(self, request: HttpRequest, obj: Timecard | None = None) -> Any:
        """Past open, the time belongs to the approval and the invoice: look, don't touch."""
        if obj is not None and not obj.is_editable:
            return [field.name for field in Timecard._meta.fields]
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Timecard | None = None) -> bool:
        if obj is not None and not obj.is_editable:
            return False
        return super().has_delete_permission(request, obj)


class InvoiceTimecardInline(admin.TabularInline):
    """The billed timecards, read-only: an invoice's contents never change."""

    model = Timecard
    fields = ["date", "project", "user", "description", "hours", "billed_rate", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Timecard]:
        return super().get_queryset(request).select_related("project__client", "user")


@admin.register(Invoice)
class InvoiceAdmin(DrillDownWithinTheCalendar):
    list_display = [
        "number",
        "user",
        "client",
        "period",
        "issued_on",
        "due_on",
        "status",
        "total",
    ]
    list_filter = ["status", "client", "issued_on"]
    date_hierarchy = "issued_on"
    search_fields = ["number", "user__username", "client__name"]
    list_select_related = ["user", "client"]
    readonly_fields = [
        "number",
        "user",
        "client",
        "period_start",
        "period_end",
        "issued_on",
        "status",
        "sent_on",
        "paid_on",
        "total",
        "created_at",
    ]
    inlines = [InvoiceTimecardInline]

    @admin.display(description="Period", ordering="period_start")
    def period(self, invoice: Invoice) -> str:
        return dates.span(invoice.period_start, invoice.period_end)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Invoices are generated from approved time (services.invoice_generate), which
        # numbers them, freezes the rate and marks the timecards invoiced.
        return False
