"""The people-facing timecard, invoice, approval and profile pages.

Views stay thin: selectors decide what a person may see, forms check the input, and
every change is a call to ``timetrack.services``. A ``ValidationError`` from a service
is shown on the form or as a message and nothing changes; a ``PermissionDenied`` is a
403. Logging in is enforced for every page by ``LoginRequiredMiddleware``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from presentation import dates, numbers
from timetrack import periods, selectors, services
from timetrack.forms import (
    InvoiceFilterForm,
    InvoiceGenerateForm,
    TimecardFilterForm,
    TimecardForm,
    add_service_error,
)

PAGE_SIZE = 25


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """403 for anyone but staff: reviewing other people's time is a staff job."""

    @wraps(view)
    def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_staff:
            raise PermissionDenied(services.NOT_STAFF)
        return view(request, *args, **kwargs)

    return inner


def _paginate(request: HttpRequest, queryset: QuerySet) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _redirect_back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Back to the page a button was pressed on (``next``), when it is on this site.

    Keeps the filters and page number of a list after a per-row action.
    """
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


# --- My timecards ---------------------------------------------------------------------


def timecard_list(request: HttpRequest) -> HttpResponse:
    """The person's own timecards; a bad filter is reported and the list shown unfiltered."""
    filter_form = TimecardFilterForm(request.GET or None)
    timecards = selectors.timecards_for(request.user, **filter_form.filters())
    page = _paginate(request, timecards)
    return render(
        request,
        "timetrack/timecard_list.html",
        {
            "nav": "timecards",
            "filter_form": filter_form,
            "is_filtered": any(filter_form.filters().values()),
            "page_obj": page,
            "timecards": page.object_list,
            "page_hours": sum((card.hours for card in page.object_list), Decimal("0")),
            "total_hours": selectors.hours_total(timecards),
        },
    )


def timecard_create(request: HttpRequest) -> HttpResponse:
    form = TimecardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            timecard = services.timecard_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            hours = numbers.hours(timecard.hours)
            messages.success(
                request, f"Logged {hours} h on {timecard.project} for {dates.day(timecard.date)}."
            )
            return redirect("timetrack:timecard_list")
    return render(
        request,
        "timetrack/timecard_form.html",
        {"nav": "timecards", "form": form, "timecard": None},
    )


def timecard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an open timecard; any other is refused up front with the service's message.

    The service checks again under a row lock, so a timecard submitted in another tab
    meanwhile is refused on the form instead.
    """
    timecard = selectors.get_timecard_for_owner_or_404(request.user, pk)
    if not timecard.is_editable:
        messages.error(
            request,
            services.NOT_EDITABLE.format(status=timecard.get_status_display().lower()),
        )
        return redirect("timetrack:timecard_list")
    form = TimecardForm(request.POST or None, timecard=timecard)
    if request.method == "POST" and form.is_valid():
        try:
            timecard = services.timecard_update(timecard=timecard, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Saved your timecard of {dates.day(timecard.date)}.")
            return redirect("timetrack:timecard_list")
    return render(
        request,
        "timetrack/timecard_form.html",
        {"nav": "timecards", "form": form, "timecard": timecard},
    )


@require_POST
def timecard_submit(request: HttpRequest, pk: int) -> HttpResponse:
    timecard = selectors.get_timecard_for_owner_or_404(request.user, pk)
    try:
        timecard = services.timecard_submit(timecard=timecard)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, f"Submitted your timecard of {dates.day(timecard.date)} for approval."
        )
    return _redirect_back(request, reverse("timetrack:timecard_list"))


# --- My profile -----------------------------------------------------------------------


def profile(request: HttpRequest) -> HttpResponse:
    """Who the person is to the site (rate, target) and where their time stands.

    The summary reads through ``profile.timecards``, the model property, so it is the
    same list of timecards the person sees under "My timecards".
    """
    profile = request.user.profile
    today = timezone.localdate()
    week_start, week_end = periods.week_start(today), periods.week_end(today)
    week_hours = selectors.hours_between(profile, week_start, week_end)
    summary = selectors.timecard_status_summary(profile)
    return render(
        request,
        "timetrack/profile.html",
        {
            "nav": "profile",
            "profile": profile,
            "summary": summary,
            "has_timecards": any(row["count"] for row in summary),
            "week_start": week_start,
            "week_end": week_end,
            "week_hours": week_hours,
            "week_left": max(profile.weekly_hours_target - week_hours, 0),
        },
    )


# --- Invoices -------------------------------------------------------------------------


def invoice_list(request: HttpRequest) -> HttpResponse:
    filter_form = InvoiceFilterForm(request.GET or None, user=request.user)
    page = _paginate(request, selectors.invoices_visible_to(request.user, **filter_form.filters()))
    return render(
        request,
        "timetrack/invoice_list.html",
        {
            "nav": "invoices",
            "filter_form": filter_form,
            "is_filtered": any(filter_form.filters().values()),
            "page_obj": page,
            "invoices": page.object_list,
            "today": timezone.localdate(),
        },
    )


def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.get_invoice_visible_to_or_404(request.user, pk)
    timecards = selectors.invoice_timecards(invoice)
    return render(
        request,
        "timetrack/invoice_detail.html",
        {
            "nav": "invoices",
            "invoice": invoice,
            "timecards": timecards,
            "hours": sum((card.hours for card in timecards), Decimal("0")),
            "today": timezone.localdate(),
            "payment_terms_days": settings.INVOICE_PAYMENT_TERMS_DAYS,
        },
    )


def invoice_generate(request: HttpRequest) -> HttpResponse:
    """Bill a client; the person is the requester unless staff picked someone else."""
    form = InvoiceGenerateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invoice = services.invoice_generate(
                user=data.get("person") or request.user,
                client=data["client"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                requested_by=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"Invoice {invoice.number} of {numbers.amount(invoice.total)} created as a draft.",
            )
            return redirect(invoice)
    return render(request, "timetrack/invoice_generate.html", {"nav": "invoices", "form": form})


@require_POST
def invoice_mark_sent(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.get_invoice_visible_to_or_404(request.user, pk)
    try:
        invoice = services.invoice_mark_sent(invoice=invoice)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, f"Invoice {invoice.number} marked as sent on {dates.day(invoice.sent_on)}."
        )
    return redirect(invoice)


@require_POST
def invoice_mark_paid(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.get_invoice_visible_to_or_404(request.user, pk)
    try:
        invoice = services.invoice_mark_paid(invoice=invoice)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, f"Invoice {invoice.number} marked as paid on {dates.day(invoice.paid_on)}."
        )
    return redirect(invoice)


# --- Approvals (staff) ----------------------------------------------------------------


@staff_required
def approval_queue(request: HttpRequest) -> HttpResponse:
    """Everyone's submitted time, oldest first, so nothing waits longest by accident."""
    page = _paginate(request, selectors.submitted_timecards())
    return render(
        request,
        "timetrack/approval_queue.html",
        {"nav": "approvals", "page_obj": page, "timecards": page.object_list},
    )


def _review(
    request: HttpRequest, pk: int, service: Callable[..., Any], done: str
) -> HttpResponseRedirect:
    timecard = selectors.get_timecard_for_review_or_404(pk)
    try:
        service(timecard=timecard, approver=request.user)
    except (ValidationError, PermissionDenied) as error:
        # Staff reach this page; a card they may not review (their own, or no longer
        # submitted) is a message in the queue, not an error page.
        messages.error(request, _error_text(error))
    else:
        owner = _name(timecard.user)
        messages.success(request, f"{done} {owner}'s timecard of {dates.day(timecard.date)}.")
    return _redirect_back(request, reverse("timetrack:approval_queue"))


@require_POST
@staff_required
def timecard_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, pk, services.timecard_approve, "Approved")


@require_POST
@staff_required
def timecard_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, pk, services.timecard_reject, "Sent back")


REVIEW_ACTIONS = {"approve": True, "reject": False}
REVIEW_MOST = 200
"""The most timecards one review takes (a page holds 25): bounds the locks it holds."""


@require_POST
@staff_required
def timecards_review(request: HttpRequest) -> HttpResponse:
    """The approval queue's selected timecards approved or sent back in one go: one
    POST, one message (what changed, and what was left as it was, and why)."""
    action = request.POST.get("action")
    ids = _timecard_ids(request.POST.getlist("timecards"))
    if action not in REVIEW_ACTIONS or ids is None:
        return HttpResponseBadRequest("Choose timecards of the queue, then Approve or Send back.")
    approve = REVIEW_ACTIONS[action]
    try:
        reviewed = services.timecards_review(
            timecard_ids=ids, approver=request.user, approve=approve
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        level = messages.success if not reviewed.left and reviewed.changed else messages.warning
        level(request, review_message(reviewed, approve=approve, asked=len(set(ids))))
    return _redirect_back(request, reverse("timetrack:approval_queue"))


def _timecard_ids(values: list[str]) -> list[int] | None:
    """The selected ids, or ``None`` for anything that is no list of timecard ids."""
    if len(values) > REVIEW_MOST or not all(value.isdigit() for value in values):
        return None
    ids = [int(value) for value in values]
    return ids if all(0 < pk < 2**63 for pk in ids) else None


def _name(user: Any) -> str:
    """A person as the pages name them: the full name, or the username without one."""
    return user.get_full_name() or user.get_username()


def review_message(reviewed: services.Reviewed, *, approve: bool, asked: int) -> str:
    """ "Approved 12 timecards." and, when some were left or are gone, which and why."""
    done = "Approved" if approve else "Sent back"
    count = len(reviewed.changed)
    text = f"{done} {numbers.count(count)} timecard{'' if count == 1 else 's'}."
    if reviewed.left:
        reasons = "; ".join(
            f"{_name(card.user)}'s of {dates.day(card.date)}: {why}" for card, why in reviewed.left
        )
        text += f" Left as they were: {reasons}"
    gone = asked - count - len(reviewed.left)
    if gone > 0:
        text += f" {numbers.count(gone)} no longer exist{'s' if gone == 1 else ''}."
    return text
