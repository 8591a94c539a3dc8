"""The admin pages of clients, projects, timecards and invoices load and stay efficient."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.factories import UserFactory
from timetrack import services
from timetrack.admin import DRILL_DOWN_OUT_OF_RANGE
from timetrack.factories import InvoiceFactory, ProjectFactory, TimecardFactory
from timetrack.models import Timecard, TimecardStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def invoice():
    """An invoice generated from real approved time, so its inline has rows."""
    person = UserFactory()
    project = ProjectFactory()
    TimecardFactory(user=person, project=project, date=datetime.date(2025, 3, 3), approved=True)
    return services.invoice_generate(
        user=person,
        client=project.client,
        period_start=datetime.date(2025, 3, 1),
        period_end=datetime.date(2025, 3, 31),
        requested_by=person,
    )


@pytest.mark.parametrize("model", ["client", "project", "timecard", "invoice"])
def test_changelists_load(admin_client_, invoice, model):
    TimecardFactory(submitted=True)

    response = admin_client_.get(reverse(f"admin:timetrack_{model}_changelist"))

    assert response.status_code == 200


def test_changelists_search_and_filter(admin_client_, invoice):
    url = reverse("admin:timetrack_timecard_changelist")

    assert admin_client_.get(url, {"q": invoice.user.username}).status_code == 200
    assert admin_client_.get(url, {"status__exact": "invoiced"}).status_code == 200
    response = admin_client_.get(
        reverse("admin:timetrack_invoice_changelist"), {"q": invoice.number}
    )
    assert list(response.context["cl"].result_list) == [invoice]


def test_change_forms_load(admin_client_, invoice):
    timecard = invoice.timecards.get()
    for name, obj in [
        ("client", invoice.client),
        ("project", timecard.project),
        ("timecard", timecard),
        ("invoice", invoice),
    ]:
        response = admin_client_.get(reverse(f"admin:timetrack_{name}_change", args=[obj.pk]))
        assert response.status_code == 200, name


def test_invoice_change_form_shows_its_timecards_read_only(admin_client_, invoice):
    timecard = invoice.timecards.get()

    response = admin_client_.get(reverse("admin:timetrack_invoice_change", args=[invoice.pk]))

    content = response.content.decode()
    assert timecard.description in content
    assert 'name="timecards-0-hours"' not in content  # read-only, not an input


def test_add_forms_load(admin_client_):
    for name in ("client", "project", "timecard"):
        response = admin_client_.get(reverse(f"admin:timetrack_{name}_add"))
        assert response.status_code == 200, name


def test_invoices_are_not_added_by_hand(admin_client_):
    assert admin_client_.get(reverse("admin:timetrack_invoice_add")).status_code == 403


def test_a_timecard_added_in_the_admin_obeys_the_hours_rule(admin_client_):
    person = UserFactory()
    project = ProjectFactory()

    response = admin_client_.post(
        reverse("admin:timetrack_timecard_add"),
        {
            "user": person.pk,
            "project": project.pk,
            "date": "2025-03-03",
            "hours": "30",
            "description": "",
            "billable": "on",
        },
    )

    assert response.status_code == 200
    assert not Timecard.objects.exists()


@pytest.mark.parametrize(
    ("date", "hours", "description", "error"),
    [
        ("9999-12-31", "2", "Work", "Enter a date from"),  # as the site's forms refuse
        ("1999-12-31", "2", "Work", "Enter a date from"),
        ("2025-03-03", "3.33", "Work", "quarter hours"),
        ("2025-03-03", "2", "", "Describe the work"),
    ],
)
def test_the_admin_checks_a_timecard_as_the_site_does(
    admin_client_, date, hours, description, error
):
    response = admin_client_.post(
        reverse("admin:timetrack_timecard_add"),
        {
            "user": UserFactory().pk,
            "project": ProjectFactory().pk,
            "date": date,
            "hours": hours,
            "description": description,
            "billable": "on",
        },
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Timecard.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "date__year=9999",
        "date__year=9999&date__month=12",
        "date__year=99999999999999999999",
        "date__year=2025&date__month=13",
        "date__year=x",
    ],
)
@pytest.mark.parametrize(
    ("changelist", "field"),
    [
        ("admin:timetrack_timecard_changelist", "date"),
        ("admin:timetrack_invoice_changelist", "issued_on"),
    ],
)
def test_a_date_drill_down_outside_the_calendar_is_a_400(admin_client_, query, changelist, field):
    url = reverse(changelist) + "?" + query.replace("date__", f"{field}__")

    response = admin_client_.get(url)

    assert response.status_code == 400
    assert DRILL_DOWN_OUT_OF_RANGE in response.content.decode()


def test_a_locked_timecard_written_before_a_rule_still_opens_and_posts(admin_client_):
    """Approved time of before the description rule: the admin shows it read-only, and a
    press of Save (all its fields read-only) is no server error."""
    card = TimecardFactory(approved=True, description="")
    url = reverse("admin:timetrack_timecard_change", args=[card.pk])

    assert admin_client_.get(url).status_code == 200
    assert admin_client_.post(url, {}).status_code in (200, 302, 403)


def test_a_date_drill_down_inside_the_calendar_lists(admin_client_):
    response = admin_client_.get(
        reverse("admin:timetrack_timecard_changelist") + "?date__year=2025&date__month=3"
    )
    assert response.status_code == 200


def test_approve_action_calls_the_service(admin_client_):
    submitted = TimecardFactory(submitted=True)
    still_open = TimecardFactory()

    response = admin_client_.post(
        reverse("admin:timetrack_timecard_changelist"),
        {"action": "approve_timecards", "_selected_action": [submitted.pk, still_open.pk]},
    )

    assert response.status_code == 302
    assert Timecard.objects.get(pk=submitted.pk).status == TimecardStatus.APPROVED
    assert Timecard.objects.get(pk=still_open.pk).status == TimecardStatus.OPEN


def changelist_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("model", "make"),
    [
        ("timecard", lambda: TimecardFactory(project=ProjectFactory(), hours=Decimal("1"))),
        ("invoice", InvoiceFactory),
        ("project", ProjectFactory),
    ],
)
def test_changelist_queries_do_not_grow_with_rows(admin_client_, model, make):
    url = reverse(f"admin:timetrack_{model}_changelist")
    make()
    few = changelist_queries(admin_client_, url)

    for _ in range(8):
        make()

    assert changelist_queries(admin_client_, url) == few


@pytest.mark.parametrize("trait", ["submitted", "approved"])
def test_admin_cannot_change_or_delete_a_timecard_past_open(admin_client, trait):
    timecard = TimecardFactory(**{trait: True}, hours=Decimal("4.00"))
    change_url = reverse("admin:timetrack_timecard_change", args=[timecard.pk])
    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert b'name="hours"' not in page.content  # shown read-only, not as an input

    admin_client.post(change_url, {"hours": "24", "description": "changed"})
    delete = admin_client.post(
        reverse("admin:timetrack_timecard_delete", args=[timecard.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    timecard.refresh_from_db()
    assert (timecard.hours, timecard.description) != (Decimal("24"), "changed")
    assert timecard.hours == Decimal("4.00")


def test_admin_can_still_correct_an_open_timecard(admin_client):
    timecard = TimecardFactory(hours=Decimal("4.00"))
    page = admin_client.get(reverse("admin:timetrack_timecard_change", args=[timecard.pk]))
    assert b'name="hours"' in page.content
