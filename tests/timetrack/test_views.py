"""The timecard, invoice and approval pages: who sees what, what a form refuses, what changes."""

from __future__ import annotations

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.factories import StaffFactory, UserFactory
from accounts.models import UserProfile
from core.routing.middleware import PIN_COOKIE
from timetrack import forms, services
from timetrack.factories import ClientFactory, InvoiceFactory, ProjectFactory, TimecardFactory
from timetrack.models import (
    DESCRIPTION_NEEDED,
    HOURS_NOT_QUARTER,
    Invoice,
    InvoiceStatus,
    Timecard,
    TimecardStatus,
)

pytestmark = [pytest.mark.django_db, pytest.mark.pages]

MARCH = (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def snapshot(timecard: Timecard) -> tuple:
    timecard = Timecard.objects.get(pk=timecard.pk)
    return (
        timecard.project_id,
        timecard.date,
        timecard.hours,
        timecard.description,
        timecard.billable,
        timecard.status,
    )


def timecard_data(project, **overrides) -> dict:
    data = {
        "project": project.pk,
        "date": "2025-03-03",
        "hours": "7.5",
        "description": "Planning",
        "billable": "on",
    }
    data.update(overrides)
    return data


def billed_invoice(user, **kwargs) -> Invoice:
    """An invoice made the real way, from approved time."""
    project = ProjectFactory()
    TimecardFactory(user=user, project=project, date=MARCH[0], approved=True, **kwargs)
    return services.invoice_generate(
        user=user,
        client=project.client,
        period_start=MARCH[0],
        period_end=MARCH[1],
        requested_by=user,
    )


# --- Logging in is required everywhere ------------------------------------------------

PAGES = [
    ("timetrack:timecard_list", {}, "get"),
    ("timetrack:timecard_create", {}, "get"),
    ("timetrack:timecard_create", {}, "post"),
    ("timetrack:timecard_edit", {"pk": 1}, "get"),
    ("timetrack:timecard_submit", {"pk": 1}, "post"),
    ("timetrack:invoice_list", {}, "get"),
    ("timetrack:invoice_detail", {"pk": 1}, "get"),
    ("timetrack:invoice_generate", {}, "get"),
    ("timetrack:invoice_generate", {}, "post"),
    ("timetrack:invoice_mark_sent", {"pk": 1}, "post"),
    ("timetrack:invoice_mark_paid", {"pk": 1}, "post"),
    ("timetrack:approval_queue", {}, "get"),
    ("timetrack:timecard_approve", {"pk": 1}, "post"),
    ("timetrack:timecard_reject", {"pk": 1}, "post"),
    ("timetrack:profile", {}, "get"),
]


@pytest.mark.parametrize(("name", "kwargs", "method"), PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, name, kwargs, method):
    TimecardFactory(submitted=True)
    count = Timecard.objects.count()
    url = reverse(name, kwargs=kwargs)

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    assert Timecard.objects.count() == count
    assert Timecard.objects.filter(status=TimecardStatus.SUBMITTED).count() == 1


def test_the_paths_are_the_agreed_ones():
    assert reverse("timetrack:timecard_list") == "/timecards/"
    assert reverse("timetrack:timecard_create") == "/timecards/new/"
    assert reverse("timetrack:timecard_edit", args=[3]) == "/timecards/3/edit/"
    assert reverse("timetrack:timecard_submit", args=[3]) == "/timecards/3/submit/"
    assert reverse("timetrack:invoice_list") == "/invoices/"
    assert reverse("timetrack:invoice_generate") == "/invoices/new/"
    assert reverse("timetrack:invoice_detail", args=[3]) == "/invoices/3/"
    assert reverse("timetrack:invoice_mark_sent", args=[3]) == "/invoices/3/sent/"
    assert reverse("timetrack:invoice_mark_paid", args=[3]) == "/invoices/3/paid/"
    assert reverse("timetrack:approval_queue") == "/approvals/"
    assert reverse("timetrack:timecards_review") == "/approvals/review/"
    assert reverse("timetrack:timecard_approve", args=[3]) == "/approvals/3/approve/"
    assert reverse("timetrack:timecard_reject", args=[3]) == "/approvals/3/reject/"
    assert reverse("timetrack:profile") == "/accounts/profile/"


# --- My timecards ---------------------------------------------------------------------


def test_timecard_list_shows_only_my_timecards_with_totals(user_client, user, other_user):
    mine = [
        TimecardFactory(user=user, hours=Decimal("7.5"), description="Mine one"),
        TimecardFactory(user=user, hours=Decimal("2.25"), description="Mine two", submitted=True),
    ]
    TimecardFactory(user=other_user, description="Somebody else's")

    response = user_client.get(reverse("timetrack:timecard_list"))

    assert response.status_code == 200
    assert response.context["nav"] == "timecards"
    assert set(response.context["timecards"]) == set(mine)
    assert response.context["page_hours"] == Decimal("9.75")
    assert response.context["total_hours"] == Decimal("9.75")
    content = response.content.decode()
    assert "Mine one" in content
    assert "Somebody else" not in content
    assert '<span class="badge submitted">Submitted</span>' in content
    assert "<title>My timecards" in content


def test_timecard_list_empty_state(user_client):
    response = user_client.get(reverse("timetrack:timecard_list"))

    assert response.status_code == 200
    assert "You have not logged any time yet." in response.content.decode()


def test_timecard_list_filters_by_status_and_month(user_client, user):
    march_open = TimecardFactory(user=user, date=datetime.date(2025, 3, 3))
    TimecardFactory(user=user, date=datetime.date(2025, 3, 4), submitted=True)
    TimecardFactory(user=user, date=datetime.date(2025, 4, 1))

    response = user_client.get(
        reverse("timetrack:timecard_list"), {"status": "open", "month": "2025-03"}
    )

    assert list(response.context["timecards"]) == [march_open]
    assert response.context["total_hours"] == march_open.hours


def test_timecard_list_filter_with_no_match_says_so(user_client, user):
    TimecardFactory(user=user, date=datetime.date(2025, 3, 3))

    response = user_client.get(reverse("timetrack:timecard_list"), {"month": "2024-01"})

    assert "No timecards match these filters." in response.content.decode()


@pytest.mark.parametrize(
    "month", ["March", "99999999999999999999-01", "2025-13", "2025-00", "-1-01", "2025-1-1"]
)
def test_timecard_list_reports_a_bad_month_and_shows_everything(user_client, user, month):
    TimecardFactory(user=user)

    response = user_client.get(reverse("timetrack:timecard_list"), {"month": month})

    assert response.status_code == 200
    assert forms.MONTH_INVALID in response.content.decode()
    assert len(response.context["timecards"]) == 1


def test_timecard_list_is_paginated_by_25(user_client, user):
    project = ProjectFactory()
    TimecardFactory.create_batch(30, user=user, project=project, hours=Decimal("1"))

    first = user_client.get(reverse("timetrack:timecard_list"))
    second = user_client.get(reverse("timetrack:timecard_list"), {"page": 2})

    assert len(first.context["timecards"]) == 25
    assert first.context["page_hours"] == Decimal("25")
    assert first.context["total_hours"] == Decimal("30")
    assert len(second.context["timecards"]) == 5
    assert "Page 2 of 2" in second.content.decode()


def test_timecard_list_writes_hours_as_the_reports_do(user_client, user):
    project = ProjectFactory()
    TimecardFactory.create_batch(75, user=user, project=project, hours=Decimal("24"))
    TimecardFactory(user=user, project=project, hours=Decimal("6.50"))  # 1,806.50 h in all

    content = user_client.get(reverse("timetrack:timecard_list")).content.decode()

    assert '<div class="value">1,806.50</div>' in content  # grouped, two places
    assert '<td class="num" data-label="Hours">6.50</td>' in content
    assert '<td class="num" data-label="Hours">24</td>' in content  # whole hours bare


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_timecard_list_queries_do_not_grow_with_rows(user_client, user):
    url = reverse("timetrack:timecard_list")
    TimecardFactory(user=user)
    few = count_queries(user_client, url)

    for _ in range(12):
        TimecardFactory(user=user, project=ProjectFactory())  # each on its own project/client

    assert count_queries(user_client, url) == few


def test_create_form_defaults(user_client):
    ProjectFactory(name="Open one")
    ProjectFactory(name="Closed one", is_active=False)

    response = user_client.get(reverse("timetrack:timecard_create"))

    form = response.context["form"]
    assert response.status_code == 200
    assert response.context["nav"] == "timecards"
    assert [p.name for p in form.fields["project"].queryset] == ["Open one"]
    assert form["date"].value() == timezone.localdate()
    assert form["billable"].value() is True
    content = response.content.decode()
    assert 'max="24"' in content  # the day's limit, MAX_HOURS_PER_DAY
    assert "Up to 24, in hours" in content


def test_create_logs_time(user_client, user):
    project = ProjectFactory()

    response = user_client.post(reverse("timetrack:timecard_create"), timecard_data(project))

    assert response.status_code == 302
    assert response["Location"] == reverse("timetrack:timecard_list")
    timecard = Timecard.objects.get()
    assert timecard.user == user
    assert timecard.project == project
    assert timecard.date == datetime.date(2025, 3, 3)
    assert timecard.hours == Decimal("7.50")
    assert timecard.billable is True
    assert timecard.status == TimecardStatus.OPEN
    assert messages_of(response) == [f"Logged 7.50 h on {project} for 3 Mar 2025."]


def test_a_form_sent_twice_logs_the_time_once(user_client, user):
    """A save whose answer was lost (the primary failed over under it) is sent again."""
    project = ProjectFactory()
    page = user_client.get(reverse("timetrack:timecard_create")).content.decode()
    submission = re.search(r'name="submission" value="([0-9a-f-]{36})"', page)
    assert submission is not None, "the form carries its own id"
    data = {**timecard_data(project), "submission": submission[1]}

    first = user_client.post(reverse("timetrack:timecard_create"), data)
    again = user_client.post(reverse("timetrack:timecard_create"), data)

    assert (first.status_code, again.status_code) == (302, 302)
    timecard = Timecard.objects.get()
    assert str(timecard.submission) == submission[1]
    assert set(messages_of(again)) == {f"Logged 7.50 h on {project} for 3 Mar 2025."}
    other_form = {**data, "submission": str(uuid.uuid4())}
    assert user_client.post(reverse("timetrack:timecard_create"), other_form).status_code == 302
    assert Timecard.objects.count() == 2, "another form is other time"


def test_a_form_sent_again_pins_the_browser_to_its_save(user_client):
    """The answer to a resend may be the first the browser sees of the save: it gets the
    read-your-writes pin as the first answer did."""
    data = {**timecard_data(ProjectFactory()), "submission": str(uuid.uuid4())}
    user_client.post(reverse("timetrack:timecard_create"), data)
    user_client.cookies.pop(PIN_COOKIE)  # the first answer never arrived

    again = user_client.post(reverse("timetrack:timecard_create"), data)

    assert again.status_code == 302 and Timecard.objects.count() == 1
    assert PIN_COOKIE in again.cookies


def test_a_saved_form_sent_with_other_entries_is_refused(user_client):
    """The browser's Back button keeps the form's id: other time on it is refused, not
    taken for the time saved first."""
    data = {**timecard_data(ProjectFactory()), "submission": str(uuid.uuid4())}
    user_client.post(reverse("timetrack:timecard_create"), data)

    response = user_client.post(reverse("timetrack:timecard_create"), {**data, "hours": "2"})

    assert response.status_code == 200
    assert services.SUBMITTED_ALREADY in response.content.decode()
    assert list(Timecard.objects.values_list("hours", flat=True)) == [Decimal("7.50")]


def test_each_form_has_an_id_of_its_own(user_client):
    ids = {
        user_client.get(reverse("timetrack:timecard_create")).context["form"]["submission"].value()
        for _ in range(2)
    }
    assert len(ids) == 2


def test_another_persons_form_id_logs_nothing(client, user, other_user):
    project = ProjectFactory()
    data = {**timecard_data(project), "submission": str(uuid.uuid4())}
    client.force_login(other_user)
    client.post(reverse("timetrack:timecard_create"), data)
    client.force_login(user)

    response = client.post(reverse("timetrack:timecard_create"), data)

    assert response.status_code == 200
    assert services.SUBMITTED_BY_ANOTHER in response.content.decode()
    assert list(Timecard.objects.values_list("user", flat=True)) == [other_user.pk]


def test_billable_time_without_a_description_is_refused_on_the_form(user_client):
    response = user_client.post(
        reverse("timetrack:timecard_create"), timecard_data(ProjectFactory(), description=" ")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["description"] == [DESCRIPTION_NEEDED]
    assert not Timecard.objects.exists()


def test_create_without_billable_box_logs_non_billable_time(user_client):
    project = ProjectFactory()
    data = timecard_data(project)
    del data["billable"]

    user_client.post(reverse("timetrack:timecard_create"), data)

    assert Timecard.objects.get().billable is False


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("0", forms.HOURS_NOT_POSITIVE),
        ("-3", forms.HOURS_NOT_POSITIVE),
        ("24.5", forms.HOURS_OVER_A_DAY),
        ("100", forms.HOURS_OVER_A_DAY),
        ("1.255", forms.HOURS_DECIMAL_PLACES),
        ("3.33", HOURS_NOT_QUARTER.format(hours="3.33")),  # the field's step is 0.25
    ],
)
def test_create_refuses_bad_hours_with_a_clear_message(user_client, hours, message):
    project = ProjectFactory()

    response = user_client.post(
        reverse("timetrack:timecard_create"), timecard_data(project, hours=hours)
    )

    assert response.status_code == 200
    assert response.context["form"].errors["hours"] == [message]
    assert message in response.content.decode()
    assert not Timecard.objects.exists()


def test_create_refuses_a_closed_project(user_client):
    closed = ProjectFactory(is_active=False)

    response = user_client.post(reverse("timetrack:timecard_create"), timecard_data(closed))

    assert response.status_code == 200
    assert "project" in response.context["form"].errors
    assert not Timecard.objects.exists()


def test_a_service_error_is_shown_on_the_form_and_changes_nothing(user_client, user, monkeypatch):
    """The timecard is submitted (in another tab) between loading and saving the edit."""
    from timetrack import selectors

    timecard = TimecardFactory(user=user, hours=Decimal("8"))
    real_get = selectors.get_timecard_for_owner_or_404

    def get_then_submitted_elsewhere(owner, pk):
        loaded = real_get(owner, pk)
        services.timecard_submit(timecard=loaded)
        return loaded  # still says "open": the service re-reads it under lock

    monkeypatch.setattr(selectors, "get_timecard_for_owner_or_404", get_then_submitted_elsewhere)
    before = snapshot(Timecard.objects.get(pk=timecard.pk))

    response = user_client.post(
        reverse("timetrack:timecard_edit", args=[timecard.pk]),
        timecard_data(timecard.project, hours="1"),
    )

    message = services.NOT_EDITABLE.format(status="submitted")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [message]
    assert message in response.content.decode()
    after = snapshot(timecard)
    assert after[:5] == before[:5]
    assert after[5] == TimecardStatus.SUBMITTED


def test_create_rejects_a_missing_date_and_project(user_client):
    response = user_client.post(reverse("timetrack:timecard_create"), {"hours": "2"})

    errors = response.context["form"].errors
    assert set(errors) == {"project", "date"}
    assert not Timecard.objects.exists()


def test_edit_form_shows_the_timecard(user_client, user):
    timecard = TimecardFactory(user=user, hours=Decimal("6.5"), description="Old words")

    response = user_client.get(reverse("timetrack:timecard_edit", args=[timecard.pk]))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["hours"].value() == Decimal("6.5")
    assert form["description"].value() == "Old words"
    assert "Edit timecard of" in response.content.decode()


def test_edit_changes_an_open_timecard(user_client, user):
    timecard = TimecardFactory(user=user, hours=Decimal("8"))
    project = ProjectFactory()

    response = user_client.post(
        reverse("timetrack:timecard_edit", args=[timecard.pk]),
        timecard_data(project, hours="3.25", description="Rewritten"),
    )

    assert response.status_code == 302
    timecard.refresh_from_db()
    assert timecard.project == project
    assert timecard.hours == Decimal("3.25")
    assert timecard.description == "Rewritten"


def test_edit_keeps_a_project_closed_since(user_client, user):
    timecard = TimecardFactory(user=user, project=ProjectFactory(is_active=False))

    response = user_client.post(
        reverse("timetrack:timecard_edit", args=[timecard.pk]),
        timecard_data(timecard.project, hours="1"),
    )

    assert response.status_code == 302
    assert Timecard.objects.get(pk=timecard.pk).hours == Decimal("1")


def test_edit_with_bad_hours_changes_nothing(user_client, user):
    timecard = TimecardFactory(user=user, hours=Decimal("8"))
    before = snapshot(timecard)

    response = user_client.post(
        reverse("timetrack:timecard_edit", args=[timecard.pk]),
        timecard_data(timecard.project, hours="25", description="Changed"),
    )

    assert response.status_code == 200
    assert forms.HOURS_OVER_A_DAY in response.content.decode()
    assert snapshot(timecard) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_edit_of_a_submitted_timecard_is_refused_and_changes_nothing(user_client, user, method):
    timecard = TimecardFactory(user=user, submitted=True, hours=Decimal("8"))
    before = snapshot(timecard)

    response = getattr(user_client, method)(
        reverse("timetrack:timecard_edit", args=[timecard.pk]),
        timecard_data(timecard.project, hours="1") if method == "post" else None,
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("timetrack:timecard_list")
    assert messages_of(response) == [services.NOT_EDITABLE.format(status="submitted")]
    assert snapshot(timecard) == before


def test_submit_my_timecard(user_client, user):
    timecard = TimecardFactory(user=user)

    response = user_client.post(reverse("timetrack:timecard_submit", args=[timecard.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("timetrack:timecard_list")
    timecard.refresh_from_db()
    assert timecard.status == TimecardStatus.SUBMITTED
    assert "for approval" in messages_of(response)[0]


def test_submit_goes_back_to_the_filtered_list(user_client, user):
    timecard = TimecardFactory(user=user)
    back = reverse("timetrack:timecard_list") + "?status=open&page=1"

    response = user_client.post(
        reverse("timetrack:timecard_submit", args=[timecard.pk]), {"next": back}
    )

    assert response["Location"] == back


def test_submit_does_not_redirect_off_site(user_client, user):
    timecard = TimecardFactory(user=user)

    response = user_client.post(
        reverse("timetrack:timecard_submit", args=[timecard.pk]),
        {"next": "https://evil.example.com/"},
    )

    assert response["Location"] == reverse("timetrack:timecard_list")


def test_submitting_twice_shows_the_message(user_client, user):
    timecard = TimecardFactory(user=user, submitted=True)

    response = user_client.post(reverse("timetrack:timecard_submit", args=[timecard.pk]))

    assert response.status_code == 302
    assert messages_of(response) == [services.NOT_SUBMITTABLE.format(status="submitted")]
    assert Timecard.objects.get(pk=timecard.pk).status == TimecardStatus.SUBMITTED


def test_submit_is_post_only(user_client, user):
    timecard = TimecardFactory(user=user)

    response = user_client.get(reverse("timetrack:timecard_submit", args=[timecard.pk]))

    assert response.status_code == 405
    assert Timecard.objects.get(pk=timecard.pk).status == TimecardStatus.OPEN


@pytest.mark.parametrize("as_staff", [False, True])
def test_another_persons_timecard_is_not_found(client, user, as_staff):
    me = StaffFactory() if as_staff else UserFactory()
    client.force_login(me)
    theirs = TimecardFactory(user=user, hours=Decimal("8"))
    before = snapshot(theirs)
    edit = reverse("timetrack:timecard_edit", args=[theirs.pk])

    assert client.get(edit).status_code == 404
    assert client.post(edit, timecard_data(theirs.project, hours="1")).status_code == 404
    submit = reverse("timetrack:timecard_submit", args=[theirs.pk])
    assert client.post(submit).status_code == 404
    assert snapshot(theirs) == before


# --- My profile -----------------------------------------------------------------------


def test_profile_shows_who_i_am_and_my_timecards_by_status(user_client, user, other_user):
    UserProfile.objects.filter(user=user).update(
        hourly_rate=Decimal("95.50"), weekly_hours_target=Decimal("32")
    )
    today = timezone.localdate()
    TimecardFactory(user=user, date=today, hours=Decimal("3"))
    TimecardFactory(user=user, date=today, hours=Decimal("2.5"))
    TimecardFactory(
        user=user, date=today - datetime.timedelta(days=14), hours=Decimal("8"), submitted=True
    )
    TimecardFactory(user=other_user, date=today, hours=Decimal("7"))

    response = user_client.get(reverse("timetrack:profile"))

    assert response.status_code == 200
    summary = {row["status"]: (row["count"], row["hours"]) for row in response.context["summary"]}
    assert summary == {
        "open": (2, Decimal("5.5")),
        "submitted": (1, Decimal("8")),
        "approved": (0, Decimal("0")),
        "invoiced": (0, Decimal("0")),
    }
    assert response.context["week_hours"] == Decimal("5.5")
    assert response.context["week_left"] == Decimal("26.5")
    content = response.content.decode()
    assert user.get_full_name() in content
    assert user.username in content
    assert "95.50" in content
    assert "32 h" in content
    assert "No timecards yet" not in content


def test_profile_empty_state(user_client):
    response = user_client.get(reverse("timetrack:profile"))

    assert response.status_code == 200
    assert "No timecards yet" in response.content.decode()
    assert all(row["count"] == 0 for row in response.context["summary"])


# --- Invoices -------------------------------------------------------------------------


def test_invoice_list_shows_only_my_invoices(user_client, user, other_user):
    mine = InvoiceFactory(user=user, number="INV-2025-00001")
    InvoiceFactory(user=other_user, number="INV-2025-00002")

    response = user_client.get(reverse("timetrack:invoice_list"))

    assert response.status_code == 200
    assert response.context["nav"] == "invoices"
    assert list(response.context["invoices"]) == [mine]
    assert "INV-2025-00002" not in response.content.decode()
    assert "person" not in response.context["filter_form"].fields


def test_invoice_list_person_filter_cannot_widen_a_persons_list(user_client, user, other_user):
    InvoiceFactory(user=other_user)

    response = user_client.get(reverse("timetrack:invoice_list"), {"person": other_user.pk})

    assert list(response.context["invoices"]) == []


def test_invoice_list_empty_state(user_client):
    response = user_client.get(reverse("timetrack:invoice_list"))

    assert "No invoices yet." in response.content.decode()


def test_staff_see_every_invoice_and_filter_by_person_and_status(staff_client, user, other_user):
    draft = InvoiceFactory(user=user)
    sent = InvoiceFactory(user=user, sent=True)
    theirs = InvoiceFactory(user=other_user)

    everyone = staff_client.get(reverse("timetrack:invoice_list"))
    by_person = staff_client.get(reverse("timetrack:invoice_list"), {"person": user.pk})
    by_both = staff_client.get(
        reverse("timetrack:invoice_list"), {"person": user.pk, "status": "sent"}
    )
    nothing = staff_client.get(reverse("timetrack:invoice_list"), {"status": "paid"})

    assert set(everyone.context["invoices"]) == {draft, sent, theirs}
    assert set(by_person.context["invoices"]) == {draft, sent}
    assert list(by_both.context["invoices"]) == [sent]
    assert "No invoices match these filters." in nothing.content.decode()


def test_invoice_list_queries_do_not_grow_with_rows(staff_client):
    url = reverse("timetrack:invoice_list")
    InvoiceFactory()
    few = count_queries(staff_client, url)

    InvoiceFactory.create_batch(10)  # each with its own person and client

    assert count_queries(staff_client, url) == few


def test_invoice_detail_lists_its_timecards_and_amounts(user_client, user):
    UserProfile.objects.filter(user=user).update(hourly_rate=Decimal("90"))
    invoice = billed_invoice(user, hours=Decimal("2.5"), description="Billed work")

    response = user_client.get(reverse("timetrack:invoice_detail", args=[invoice.pk]))

    assert response.status_code == 200
    assert response.context["nav"] == "invoices"
    assert [card.description for card in response.context["timecards"]] == ["Billed work"]
    assert response.context["hours"] == Decimal("2.5")
    content = response.content.decode()
    assert invoice.number in content
    assert "225.00" in content  # 2.5 h x 90
    assert "Mark as sent" in content


def test_a_draft_is_not_shown_as_issued(user_client, user):
    draft = InvoiceFactory(user=user, issued_on=datetime.date(2026, 3, 2))
    sent = InvoiceFactory(user=user, issued_on=datetime.date(2026, 3, 3), sent=True)

    draft_page = user_client.get(reverse("timetrack:invoice_detail", args=[draft.pk]))
    sent_page = user_client.get(reverse("timetrack:invoice_detail", args=[sent.pk]))
    listed = user_client.get(reverse("timetrack:invoice_list")).content.decode()

    assert "<th>Drafted on</th><td>2 Mar 2026</td>" in draft_page.content.decode()
    assert "<th>Issued on</th><td>Not issued yet: a draft</td>" in draft_page.content.decode()
    assert "<th>Issued on</th><td>3 Mar 2026</td>" in sent_page.content.decode()
    assert "Drafted on" not in sent_page.content.decode()
    assert "2 Mar 2026" not in listed and "3 Mar 2026" in listed
    # A draft falls due a term after it is sent, not after it was drafted.
    assert "<th>Due on</th><td>30 days after it is sent</td>" in draft_page.content.decode()
    assert '<span class="muted">After sending</span>' in listed


def test_invoice_detail_queries_do_not_grow_with_timecards(user_client, user):
    first = billed_invoice(user)
    few = count_queries(user_client, reverse("timetrack:invoice_detail", args=[first.pk]))

    project = ProjectFactory()
    TimecardFactory.create_batch(8, user=user, project=project, date=MARCH[0], approved=True)
    second = services.invoice_generate(
        user=user,
        client=project.client,
        period_start=MARCH[0],
        period_end=MARCH[1],
        requested_by=user,
    )

    assert count_queries(user_client, reverse("timetrack:invoice_detail", args=[second.pk])) == few


def test_another_persons_invoice_is_not_found(user_client, other_user):
    invoice = InvoiceFactory(user=other_user)

    assert (
        user_client.get(reverse("timetrack:invoice_detail", args=[invoice.pk])).status_code == 404
    )
    for name in ("timetrack:invoice_mark_sent", "timetrack:invoice_mark_paid"):
        assert user_client.post(reverse(name, args=[invoice.pk])).status_code == 404
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


def test_staff_open_anyones_invoice(staff_client, user):
    invoice = InvoiceFactory(user=user)

    response = staff_client.get(reverse("timetrack:invoice_detail", args=[invoice.pk]))

    assert response.status_code == 200
    assert "No timecards are billed on this invoice." in response.content.decode()


def test_generate_form_defaults_to_the_previous_month(user_client):
    response = user_client.get(reverse("timetrack:invoice_generate"))

    form = response.context["form"]
    start, end = forms.previous_month()
    assert response.status_code == 200
    assert response.context["nav"] == "invoices"
    assert form["period_start"].value() == start
    assert form["period_end"].value() == end
    assert end.day >= 28
    assert start.day == 1
    assert end + datetime.timedelta(days=1) == timezone.localdate().replace(day=1)
    assert "person" not in form.fields


def test_previous_month_across_a_year():
    assert forms.previous_month(datetime.date(2025, 1, 15)) == (
        datetime.date(2024, 12, 1),
        datetime.date(2024, 12, 31),
    )
    assert forms.previous_month(datetime.date(2024, 3, 1)) == (
        datetime.date(2024, 2, 1),
        datetime.date(2024, 2, 29),
    )


def test_generate_an_invoice_of_my_time(user_client, user):
    UserProfile.objects.filter(user=user).update(hourly_rate=Decimal("100"))
    project = ProjectFactory()
    TimecardFactory(user=user, project=project, date=MARCH[0], hours=Decimal("3"), approved=True)

    response = user_client.post(
        reverse("timetrack:invoice_generate"),
        {"client": project.client.pk, "period_start": "2025-03-01", "period_end": "2025-03-31"},
    )

    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == invoice.get_absolute_url()
    assert invoice.user == user
    assert invoice.total == Decimal("300.00")
    assert invoice.status == InvoiceStatus.DRAFT


def test_a_person_cannot_generate_for_someone_else(user_client, user, other_user):
    project = ProjectFactory()
    TimecardFactory(user=other_user, project=project, date=MARCH[0], approved=True)

    response = user_client.post(
        reverse("timetrack:invoice_generate"),
        {
            "person": other_user.pk,  # not a field for non-staff: ignored
            "client": project.client.pk,
            "period_start": "2025-03-01",
            "period_end": "2025-03-31",
        },
    )

    assert response.status_code == 200
    assert not Invoice.objects.exists()
    assert response.context["form"].non_field_errors() == [
        services.NOTHING_TO_INVOICE.format(
            client=project.client, start="1 Mar 2025", end="31 Mar 2025"
        )
    ]


def test_staff_generate_for_a_person(staff_client, staff, user):
    project = ProjectFactory()
    TimecardFactory(user=user, project=project, date=MARCH[0], approved=True)
    form = staff_client.get(reverse("timetrack:invoice_generate")).context["form"]
    assert form["person"].value() == staff.pk

    response = staff_client.post(
        reverse("timetrack:invoice_generate"),
        {
            "person": user.pk,
            "client": project.client.pk,
            "period_start": "2025-03-01",
            "period_end": "2025-03-31",
        },
    )

    assert response.status_code == 302
    assert Invoice.objects.get().user == user


def test_generate_with_nothing_to_bill_says_so_and_creates_nothing(user_client):
    client = ClientFactory(name="Globex")

    response = user_client.post(
        reverse("timetrack:invoice_generate"),
        {"client": client.pk, "period_start": "2025-03-01", "period_end": "2025-03-31"},
    )

    message = services.NOTHING_TO_INVOICE.format(
        client=client, start="1 Mar 2025", end="31 Mar 2025"
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Invoice.objects.exists()


def test_generate_with_a_reversed_period_says_so_and_creates_nothing(user_client, user):
    project = ProjectFactory()
    card = TimecardFactory(user=user, project=project, date=MARCH[0], approved=True)

    response = user_client.post(
        reverse("timetrack:invoice_generate"),
        {"client": project.client.pk, "period_start": "2025-03-31", "period_end": "2025-03-01"},
    )

    assert response.status_code == 200
    assert services.PERIOD_REVERSED in response.content.decode()
    assert not Invoice.objects.exists()
    assert Timecard.objects.get(pk=card.pk).status == TimecardStatus.APPROVED


def test_generate_refuses_a_missing_client_and_bad_dates(user_client):
    response = user_client.post(
        reverse("timetrack:invoice_generate"), {"period_start": "soon", "period_end": ""}
    )

    assert set(response.context["form"].errors) == {"client", "period_start", "period_end"}
    assert not Invoice.objects.exists()


def test_mark_my_invoice_sent_then_paid(user_client, user):
    invoice = billed_invoice(user)
    url = reverse("timetrack:invoice_detail", args=[invoice.pk])

    sent = user_client.post(reverse("timetrack:invoice_mark_sent", args=[invoice.pk]))
    assert sent["Location"] == url
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT
    assert invoice.sent_on == timezone.localdate()
    assert "Mark as paid" in user_client.get(url).content.decode()

    user_client.post(reverse("timetrack:invoice_mark_paid", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_on == timezone.localdate()


def test_staff_mark_someones_invoice_sent(staff_client, user):
    invoice = InvoiceFactory(user=user)

    staff_client.post(reverse("timetrack:invoice_mark_sent", args=[invoice.pk]))

    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.SENT


def test_paying_a_draft_shows_the_message_and_changes_nothing(user_client, user):
    invoice = InvoiceFactory(user=user)

    response = user_client.post(reverse("timetrack:invoice_mark_paid", args=[invoice.pk]))

    assert response.status_code == 302
    assert messages_of(response) == [services.NOT_PAYABLE.format(status="draft")]
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


def test_sending_twice_shows_the_message(user_client, user):
    invoice = InvoiceFactory(user=user, sent=True)

    response = user_client.post(reverse("timetrack:invoice_mark_sent", args=[invoice.pk]))

    assert messages_of(response) == [services.NOT_SENDABLE.format(status="sent")]
    assert Invoice.objects.get(pk=invoice.pk).sent_on == invoice.sent_on


@pytest.mark.parametrize("name", ["timetrack:invoice_mark_sent", "timetrack:invoice_mark_paid"])
def test_invoice_actions_are_post_only(user_client, user, name):
    invoice = InvoiceFactory(user=user)

    assert user_client.get(reverse(name, args=[invoice.pk])).status_code == 405


# --- Approvals ------------------------------------------------------------------------


def test_approval_queue_is_for_staff_only(user_client, other_user):
    timecard = TimecardFactory(user=other_user, submitted=True)

    assert user_client.get(reverse("timetrack:approval_queue")).status_code == 403
    for name in ("timetrack:timecard_approve", "timetrack:timecard_reject"):
        assert user_client.post(reverse(name, args=[timecard.pk])).status_code == 403
    assert Timecard.objects.get(pk=timecard.pk).status == TimecardStatus.SUBMITTED


def test_approval_queue_lists_everyones_submitted_time_oldest_first(staff_client, user):
    newer = TimecardFactory(user=user, date=datetime.date(2025, 3, 10), submitted=True)
    older = TimecardFactory(date=datetime.date(2025, 3, 3), submitted=True)
    TimecardFactory(user=user, date=datetime.date(2025, 3, 1))  # open: not for review
    TimecardFactory(date=datetime.date(2025, 3, 1), approved=True)

    response = staff_client.get(reverse("timetrack:approval_queue"))

    assert response.status_code == 200
    assert response.context["nav"] == "approvals"
    assert list(response.context["timecards"]) == [older, newer]
    content = response.content.decode()
    assert "2 waiting" in content
    assert user.get_full_name() in content
    assert newer.description in content


REVIEW = reverse("timetrack:timecards_review")


def test_the_queue_offers_a_checkbox_per_reviewable_row_and_select_all(staff_client, staff):
    theirs = TimecardFactory(submitted=True)
    own = TimecardFactory(user=staff, submitted=True)

    page = staff_client.get(reverse("timetrack:approval_queue")).content.decode()

    assert f'name="timecards" value="{theirs.pk}" form="bulk-review"' in page
    assert f'value="{own.pk}" form="bulk-review"' not in page  # another staff member's
    assert 'data-select-all="timecards"' in page
    assert "js/select-all" in page  # the script that ticks them all


def test_selected_timecards_are_approved_in_one_post_with_one_message(staff_client, staff):
    cards = TimecardFactory.create_batch(3, submitted=True)
    untouched = TimecardFactory(submitted=True)

    response = staff_client.post(
        REVIEW, {"timecards": [card.pk for card in cards], "action": "approve"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("timetrack:approval_queue")
    for card in cards:
        card.refresh_from_db()
        assert (card.status, card.approved_by) == (TimecardStatus.APPROVED, staff)
    untouched.refresh_from_db()
    assert untouched.status == TimecardStatus.SUBMITTED
    assert messages_of(response) == ["Approved 3 timecards."]


def test_selected_timecards_are_sent_back(staff_client):
    card = TimecardFactory(submitted=True)

    response = staff_client.post(REVIEW, {"timecards": [card.pk], "action": "reject"})

    card.refresh_from_db()
    assert (card.status, card.submitted_at) == (TimecardStatus.OPEN, None)
    assert messages_of(response) == ["Sent back 1 timecard."]


def test_a_selection_with_cards_that_cannot_be_reviewed_says_which_and_why(staff_client, staff):
    theirs = TimecardFactory(submitted=True)
    own = TimecardFactory(user=staff, submitted=True, date=datetime.date(2025, 3, 3))
    approved_meanwhile = TimecardFactory(approved=True, date=datetime.date(2025, 3, 4))

    response = staff_client.post(
        REVIEW, {"timecards": [theirs.pk, own.pk, approved_meanwhile.pk], "action": "approve"}
    )

    (message,) = messages_of(response)
    assert message.startswith("Approved 1 timecard. Left as they were: ")
    assert services.OWN_TIMECARD in message
    assert services.NOT_APPROVABLE.format(status="approved") in message
    own.refresh_from_db()
    assert own.status == TimecardStatus.SUBMITTED


def test_nothing_selected_changes_nothing_and_says_so(staff_client):
    card = TimecardFactory(submitted=True)

    response = staff_client.post(REVIEW, {"timecards": [], "action": "approve"})

    card.refresh_from_db()
    assert card.status == TimecardStatus.SUBMITTED
    assert messages_of(response) == [services.NOTHING_SELECTED]


@pytest.mark.parametrize(
    "form",
    [
        {"timecards": ["x"], "action": "approve"},
        {"timecards": ["1", "x"], "action": "approve"},
        {"timecards": [str(2**64)], "action": "approve"},  # past any id (SQLite overflows)
        {"timecards": ["-1"], "action": "approve"},
        {"timecards": ["1"]},  # no action: never taken for "approve"
        {"timecards": ["1"], "action": "delete"},
        {"timecards": [str(n) for n in range(1, 300)], "action": "approve"},
    ],
)
def test_a_bad_review_form_is_a_400_and_changes_nothing(staff_client, form):
    card = TimecardFactory(submitted=True)
    if form["timecards"] == ["1"]:
        form = {**form, "timecards": [str(card.pk)]}

    response = staff_client.post(REVIEW, form)

    assert response.status_code == 400
    card.refresh_from_db()
    assert card.status == TimecardStatus.SUBMITTED


def test_timecards_gone_meanwhile_are_counted_apart(staff_client):
    card = TimecardFactory(submitted=True)
    gone = TimecardFactory(submitted=True)
    gone_pk = gone.pk
    gone.delete()

    response = staff_client.post(REVIEW, {"timecards": [card.pk, gone_pk], "action": "approve"})

    assert messages_of(response) == ["Approved 1 timecard. 1 no longer exists."]


def test_bulk_review_is_for_staff_only(user_client):
    card = TimecardFactory(submitted=True)

    response = user_client.post(REVIEW, {"timecards": [card.pk], "action": "approve"})

    assert response.status_code == 403
    card.refresh_from_db()
    assert card.status == TimecardStatus.SUBMITTED


def test_approval_queue_empty_state(staff_client):
    response = staff_client.get(reverse("timetrack:approval_queue"))

    assert "0 waiting" in response.content.decode()
    assert "Nothing to review" in response.content.decode()


def test_approval_queue_queries_do_not_grow_with_rows(staff_client):
    url = reverse("timetrack:approval_queue")
    TimecardFactory(submitted=True)
    few = count_queries(staff_client, url)

    TimecardFactory.create_batch(10, submitted=True)  # each with its own person and project

    assert count_queries(staff_client, url) == few


def test_approve_from_the_queue(staff_client, staff, user):
    timecard = TimecardFactory(user=user, submitted=True)

    response = staff_client.post(reverse("timetrack:timecard_approve", args=[timecard.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("timetrack:approval_queue")
    timecard.refresh_from_db()
    assert timecard.status == TimecardStatus.APPROVED
    assert timecard.approved_by == staff
    assert messages_of(response)[0].startswith("Approved")


def test_reject_from_the_queue(staff_client, user):
    timecard = TimecardFactory(user=user, submitted=True)

    response = staff_client.post(reverse("timetrack:timecard_reject", args=[timecard.pk]))

    assert response.status_code == 302
    assert Timecard.objects.get(pk=timecard.pk).status == TimecardStatus.OPEN


@pytest.mark.parametrize("name", ["timetrack:timecard_approve", "timetrack:timecard_reject"])
def test_own_timecard_in_the_queue_is_a_message(staff_client, staff, name):
    timecard = TimecardFactory(user=staff, submitted=True)

    response = staff_client.post(reverse(name, args=[timecard.pk]))

    assert response.status_code == 302
    assert messages_of(response) == [services.OWN_TIMECARD]
    assert Timecard.objects.get(pk=timecard.pk).status == TimecardStatus.SUBMITTED


def test_own_timecard_in_the_queue_has_no_buttons(staff_client, staff):
    timecard = TimecardFactory(user=staff, submitted=True)

    response = staff_client.get(reverse("timetrack:approval_queue"))

    content = response.content.decode()
    assert reverse("timetrack:timecard_approve", args=[timecard.pk]) not in content
    assert "another staff member reviews it" in content


@pytest.mark.parametrize("name", ["timetrack:timecard_approve", "timetrack:timecard_reject"])
def test_reviewing_a_timecard_not_submitted_is_a_message(staff_client, user, name):
    timecard = TimecardFactory(user=user, approved=True)

    response = staff_client.post(reverse(name, args=[timecard.pk]))

    assert messages_of(response) == [services.NOT_APPROVABLE.format(status="approved")]
    assert Timecard.objects.get(pk=timecard.pk).status == TimecardStatus.APPROVED


def test_reviewing_a_missing_timecard_is_not_found(staff_client):
    assert staff_client.post(reverse("timetrack:timecard_approve", args=[999])).status_code == 404


def test_review_actions_are_post_only(staff_client, user):
    timecard = TimecardFactory(user=user, submitted=True)

    assert (
        staff_client.get(reverse("timetrack:timecard_approve", args=[timecard.pk])).status_code
        == 405
    )
    assert Timecard.objects.get(pk=timecard.pk).status == TimecardStatus.SUBMITTED


def test_the_whole_flow_from_logging_time_to_payment(client, user):
    """Log, submit, approve (by staff), invoice, send and get paid: all through the pages."""
    UserProfile.objects.filter(user=user).update(hourly_rate=Decimal("60"))
    project = ProjectFactory()
    client.force_login(user)
    client.post(reverse("timetrack:timecard_create"), timecard_data(project, hours="4"))
    timecard = Timecard.objects.get()
    client.post(reverse("timetrack:timecard_submit", args=[timecard.pk]))

    client.force_login(StaffFactory())
    client.post(reverse("timetrack:timecard_approve", args=[timecard.pk]))

    client.force_login(user)
    client.post(
        reverse("timetrack:invoice_generate"),
        {"client": project.client.pk, "period_start": "2025-03-01", "period_end": "2025-03-31"},
    )
    invoice = Invoice.objects.get()
    client.post(reverse("timetrack:invoice_mark_sent", args=[invoice.pk]))
    client.post(reverse("timetrack:invoice_mark_paid", args=[invoice.pk]))

    invoice.refresh_from_db()
    timecard.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.total == Decimal("240.00")
    assert timecard.status == TimecardStatus.INVOICED
    assert timecard.invoice == invoice
