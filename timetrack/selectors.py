"""Reads behind the people-facing timecard and invoice pages.

Each selector fixes who may see what (a person's own timecards, invoices visible to
staff or their owner) in one place, and joins what the pages show, so a list page runs
the same few queries whatever the number of rows. These pages read from ``default``;
querysets are returned lazily so the views can paginate them.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, QuerySet, Sum
from django.shortcuts import get_object_or_404

from accounts.models import UserProfile
from timetrack.models import Invoice, Timecard, TimecardStatus


def timecards_for(
    user: AbstractBaseUser,
    *,
    status: str | None = None,
    month: datetime.date | None = None,
) -> QuerySet[Timecard]:
    """``user``'s own timecards, newest first, optionally one status and one month."""
    timecards = Timecard.objects.filter(user=user).select_related("project__client")
    if status:
        timecards = timecards.filter(status=status)
    if month is not None:
        timecards = timecards.filter(date__year=month.year, date__month=month.month)
    return timecards.order_by("-date", "-id")


def get_timecard_for_owner_or_404(user: AbstractBaseUser, pk: int) -> Timecard:
    """The timecard ``pk`` if ``user`` owns it; 404 otherwise, staff included.

    These are "my timecards" pages: staff act on other people's time only through the
    approval queue, so a foreign id looks exactly like a missing one.
    """
    return get_object_or_404(timecards_for(user), pk=pk)


def hours_total(timecards: QuerySet[Timecard]) -> Decimal:
    """The hours of all rows of ``timecards``, summed by the database."""
    return timecards.aggregate(total=Sum("hours"))["total"] or Decimal("0")


def timecard_status_summary(profile: UserProfile) -> list[dict[str, Any]]:
    """Count and hours of the person's timecards per status, every status listed.

    Reads through ``profile.timecards`` (the model property), so the summary follows
    whichever database the caller's read scope names.
    """
    rows = {
        row["status"]: row
        for row in profile.timecards.order_by()
        .values("status")
        .annotate(count=Count("id"), hours=Sum("hours"))
    }
    return [
        {
            "status": status.value,
            "label": status.label,
            "count": rows.get(status.value, {}).get("count", 0),
            "hours": rows.get(status.value, {}).get("hours") or Decimal("0"),
        }
        for status in TimecardStatus
    ]


def hours_between(profile: UserProfile, start: datetime.date, end: datetime.date) -> Decimal:
    """Hours the person logged from ``start`` to ``end`` inclusive, any status."""
    return hours_total(profile.timecards.filter(date__range=(start, end)))


def submitted_timecards() -> QuerySet[Timecard]:
    """Everyone's submitted timecards waiting for review, oldest work first."""
    return (
        Timecard.objects.filter(status=TimecardStatus.SUBMITTED)
        .select_related("user", "project__client")
        .order_by("date", "submitted_at", "id")
    )


def get_timecard_for_review_or_404(pk: int) -> Timecard:
    """Any person's timecard, for staff acting in the approval queue."""
    return get_object_or_404(Timecard.objects.select_related("user", "project"), pk=pk)


def invoices_visible_to(
    user: AbstractBaseUser,
    *,
    person: AbstractBaseUser | None = None,
    status: str | None = None,
) -> QuerySet[Invoice]:
    """Invoices ``user`` may see: staff see everyone's, others only their own.

    ``person`` narrows a staff member's list to one person; for anyone else it cannot
    widen the list beyond their own invoices.
    """
    invoices = Invoice.objects.select_related("user", "client")
    if not user.is_staff:
        invoices = invoices.filter(user=user)
    if person is not None:
        invoices = invoices.filter(user=person)
    if status:
        invoices = invoices.filter(status=status)
    return invoices.order_by("-issued_on", "-number")


def get_invoice_visible_to_or_404(user: AbstractBaseUser, pk: int) -> Invoice:
    """The invoice ``pk`` if ``user`` owns it or is staff; 404 otherwise."""
    return get_object_or_404(invoices_visible_to(user), pk=pk)


def invoice_timecards(invoice: Invoice) -> list[Timecard]:
    """The timecards billed on ``invoice``, in date order, with their projects."""
    return list(invoice.timecards.select_related("project__client").order_by("date", "id"))


def people() -> QuerySet:
    """Active people, by name: the choices of a staff member's person selects."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("first_name", "last_name", "username")
    )
