"""The report pages: read-only, served by the standby.

Each view is ``@read_from("standby")``: the selectors' queries, the filter forms'
choice lists, the template rendering (whose context processor names the serving
database) and the streamed CSV body all read from the standby, while the permission
check above it reads the auth tables on the primary. The views stay thin: the
selectors do the querying, ``reports.charts`` the chart geometry.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from core.routing import read_from
from presentation import dates
from reports import charts, selectors
from reports.csv_export import streaming_csv_response
from reports.forms import HoursFilterForm, TimecardFilterForm
from reports.permissions import reports_access_required

READ_ALIAS = "standby"
NAV = "reports"


@require_safe
@reports_access_required
@read_from(READ_ALIAS)
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    summary = selectors.dashboard_summary(user=request.user, today=today)
    chart = charts.weekly_hours_chart(
        summary.weeks,
        dom_id="dashboard-weeks",
        title=f"Hours per week, last {len(summary.weeks)} weeks",
        description=(
            f"Stacked bars of billable and non-billable hours logged by everyone, one bar"
            f" per week from {dates.day(summary.weeks[0].week)} to {dates.day(today)}."
        ),
    )
    return render(
        request,
        "reports/dashboard.html",
        {"nav": NAV, "summary": summary, "chart": chart, "today": today},
    )


@require_safe
@reports_access_required
@read_from(READ_ALIAS)
def hours(request: HttpRequest) -> HttpResponse:
    # The page of the per-person table is not a filter: "?page=2" alone is the report
    # as it opens (the form unbound, its default dates shown), and the CSV is all pages.
    filter_query = request.GET.copy()
    page = filter_query.pop("page", [None])[-1]
    form = HoursFilterForm(filter_query or None)
    filters = form.get_filters()
    report = chart = None
    if filters is not None:
        report = selectors.hours_by_person_week(filters=filters, page=page)
        chart = charts.weekly_hours_chart(
            report.week_totals,
            dom_id="hours-weeks",
            title="Hours per week",
            description=(
                f"Stacked bars of billable and non-billable hours per week of the people"
                f" and projects selected, from {dates.day(filters.start)}"
                f" to {dates.day(filters.end)}."
            ),
        )
    return render(
        request,
        "reports/hours.html",
        {
            "nav": NAV,
            "form": form,
            "report": report,
            "chart": chart,
            "export_query": filter_query.urlencode(),
        },
    )


@require_safe
@reports_access_required
@read_from(READ_ALIAS)
def unbilled(request: HttpRequest) -> HttpResponse:
    report = selectors.unbilled_time(today=timezone.localdate())
    # Hundreds of people, more (person, client) pairs: each table is paged on its own.
    # Here, not in the selector as for hours: every line is needed for the totals anyway.
    people = Paginator(report.by_person, selectors.ROWS_PER_PAGE).get_page(
        request.GET.get("people")
    )
    ready = Paginator(report.by_client_person, selectors.ROWS_PER_PAGE).get_page(
        request.GET.get("ready")
    )
    return render(
        request,
        "reports/unbilled.html",
        {"nav": NAV, "report": report, "people": people, "ready": ready},
    )


@require_safe
@reports_access_required
@read_from(READ_ALIAS)
def invoices(request: HttpRequest) -> HttpResponse:
    report = selectors.invoice_summary(today=timezone.localdate())
    chart = charts.monthly_revenue_chart(
        report.months,
        dom_id="revenue-months",
        title="Revenue per month, last 12 months",
        description=(
            f"Bars of the totals of invoices paid in each month from"
            f" {dates.month(report.first_month)} to {dates.month(report.today)}, by the date they"
            " were paid."
        ),
    )
    return render(request, "reports/invoices.html", {"nav": NAV, "report": report, "chart": chart})


@require_safe
@reports_access_required
@read_from(READ_ALIAS)
def timecards_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered timecards as a CSV download, streamed from the standby as it is read.

    The response body is produced after this function returned, while Django sends it;
    ``read_from`` wraps the streaming body so those reads stay on the standby too.
    """
    form = TimecardFilterForm(request.GET or None)
    filters = form.get_filters()
    if filters is None:
        return HttpResponseBadRequest(
            f"The export filters are not valid:\n{form.error_text()}\n",
            content_type="text/plain; charset=utf-8",
        )
    return streaming_csv_response(
        filename=f"timecards-{filters.start:%Y-%m-%d}-to-{filters.end:%Y-%m-%d}.csv",
        chunks=selectors.timecard_export_csv(filters=filters),
    )
