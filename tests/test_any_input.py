"""No input gets a server error, and a refused change changes nothing (Hypothesis).

Every page's fields and query parameters get generated values: dates at and beyond both
ends of the calendar, huge and negative numbers, text, empty values, repeated keys. They
are sent as a person and as staff, by GET to every page and by POST to every form. The
answer is never a 5xx; a POST that is refused (anything but the redirect of a success)
leaves every table as it was.
"""

from __future__ import annotations

import datetime
import os
from decimal import Decimal

import pytest
from django.test import Client as Browser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.factories import StaffFactory, UserFactory
from timetrack.factories import InvoiceFactory, ProjectFactory, TimecardFactory
from timetrack.models import Client, Invoice, Project, Timecard

# Committed data, as a server sees it: the CSV export runs its own transaction (COPY).
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, databases="__all__")]

EDGE_DATES = [
    "0001-01-01",
    "0000-12-31",
    "1899-12-31",
    "1999-12-31",
    "2000-01-01",
    "9999-12-27",
    "9999-12-31",
    "10000-01-01",
    "2026-02-30",
    "2026-13-01",
    "-2026-01-01",
]
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["0", "-1", "0.001", "24.01", "1e9", "9" * 400, "NaN", "inf"]),
)
DATES = st.one_of(
    st.sampled_from(EDGE_DATES),
    st.dates().map(datetime.date.isoformat),
    # The last and the first year of the calendar: a range near either end, in weeks.
    st.dates(min_value=datetime.date(9999, 1, 1)).map(datetime.date.isoformat),
    st.dates(max_value=datetime.date(1, 12, 31)).map(datetime.date.isoformat),
)
VALUES = st.one_of(
    DATES,
    DATES,  # dates twice as often: most fields here are dates
    NUMBERS,
    st.sampled_from(["", " ", "%", "\x00", "on", "open", "paid", "2026-03", "9999-12", "0-0"]),
    st.text(max_size=40),
)


@st.composite
def edge_ranges(draw: st.DrawFn) -> dict[str, list[str]]:
    """A start and an end a few weeks apart at either end of the calendar."""
    end = draw(
        st.one_of(
            st.dates(min_value=datetime.date(9999, 11, 1)),
            st.dates(max_value=datetime.date(1, 3, 1)),
        )
    )
    days_back = min(draw(st.integers(0, 200)), (end - datetime.date.min).days)
    start = end - datetime.timedelta(days=days_back)
    return {"start": [start.isoformat()], "end": [end.isoformat()]}


def fields(*names: str) -> st.SearchStrategy[dict[str, list[str]]]:
    """Values for some of ``names``, each key sent once or repeated; for a date range, at
    times a range near either end of the calendar."""
    values = st.dictionaries(
        st.sampled_from(names), st.lists(VALUES, min_size=1, max_size=3), max_size=len(names)
    )
    if {"start", "end"} <= set(names):
        return st.one_of(values, st.builds(lambda a, b: {**a, **b}, values, edge_ranges()))
    return values


REPORT_FILTERS = ("start", "end", "person", "client", "project", "status", "page")
GET_PAGES = {
    "/timecards/": ("status", "month", "page"),
    "/invoices/": ("status", "person", "page"),
    "/approvals/": ("page",),
    "/reports/": ("page",),
    "/reports/hours/": REPORT_FILTERS,
    "/reports/unbilled/": ("people", "ready"),
    "/reports/invoices/": ("page",),
    "/reports/timecards.csv": REPORT_FILTERS,
    "/accounts/profile/": ("page",),
    "/timecards/new/": ("project", "date"),
    "/invoices/new/": ("person", "client"),
}
FORM = ("project", "date", "hours", "description", "billable", "next")
POST_PAGES = {
    "/timecards/new/": FORM,
    "/timecards/{card}/edit/": FORM,
    "/timecards/{card}/submit/": ("next",),
    "/invoices/new/": ("person", "client", "period_start", "period_end"),
    "/invoices/{invoice}/sent/": ("sent_on", "next"),
    "/invoices/{invoice}/paid/": ("paid_on", "next"),
    "/approvals/{card}/approve/": ("next",),
    "/approvals/{card}/reject/": ("next",),
    "/accounts/login/": ("username", "password", "next"),
}
TABLES = (Timecard, Invoice, Client, Project)
WHO = ("person", "staff")


@pytest.fixture
def site():
    """A person and staff with data to act on, each logged in in a browser of their own."""
    person, staff = UserFactory(), StaffFactory()
    project = ProjectFactory()
    card = TimecardFactory(user=person, project=project, hours=Decimal("2"))
    TimecardFactory(user=person, project=project, submitted=True)
    invoice = InvoiceFactory(user=person, client=project.client, total=Decimal("10.00"))
    browsers = {}
    for who, user in (("person", person), ("staff", staff)):
        browsers[who] = Browser()
        browsers[who].force_login(user)
    return {"browsers": browsers, "card": card.pk, "invoice": invoice.pk}


def _snapshot() -> dict[str, list[tuple]]:
    return {model.__name__: sorted(model.objects.values_list()) for model in TABLES}


FUZZ = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    page=st.sampled_from(sorted(GET_PAGES)),
    who=st.sampled_from(["person", "staff"]),
    data=st.data(),
)
def test_no_query_string_gets_a_server_error(site, page, who, data):
    query = data.draw(fields(*GET_PAGES[page]), label="query")

    response = site["browsers"][who].get(page, query)
    if response.streaming:
        b"".join(response.streaming_content)

    assert response.status_code < 500, (page, query, response.status_code)


@FUZZ
@given(
    page=st.sampled_from(sorted(POST_PAGES)),
    who=st.sampled_from(["person", "staff"]),
    data=st.data(),
)
def test_no_form_gets_a_server_error_and_a_refused_one_changes_nothing(site, page, who, data):
    form = data.draw(fields(*POST_PAGES[page]), label="form")
    path = page.format(card=site["card"], invoice=site["invoice"])
    before = _snapshot()

    response = site["browsers"][who].post(path, form)

    assert response.status_code < 500, (path, form, response.status_code)
    if response.status_code != 302:
        assert _snapshot() == before, (path, form, response.status_code)
