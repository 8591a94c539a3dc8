"""The benchmark's hand-written SQL (``bench/hand_sql.py``) returns what the site's ORM
selectors return, for every filter of the hours form: the alternative section 2 measures
is the same report, not a cheaper one, read here on a real standby."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.factories import UserFactory
from accounts.models import UserProfile
from bench import hand_sql
from core.routing import read_from
from reports import selectors
from reports.selectors import TimecardFilters
from timetrack.factories import (
    ClientFactory,
    InvoiceFactory,
    ProjectFactory,
    TimecardFactory,
)
from timetrack.models import TimecardStatus
from timetrack.periods import week_start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture
def timecards(wait_for_replay) -> dict:
    monday = week_start(timezone.localdate())
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace", hourly_rate=D("90"))
    bob = UserFactory(username="bob", first_name="", last_name="", hourly_rate=D("40"))
    acme, globex = ClientFactory(name="Acme"), ClientFactory(name="Globex")
    rockets, widgets = ProjectFactory(client=acme), ProjectFactory(client=globex)
    for weeks_back, user, project, hours, billable, state in [
        (0, ada, rockets, "8.00", True, {"approved": True}),
        (1, ada, rockets, "2.50", False, {"submitted": True}),
        (1, bob, widgets, "4.25", True, {"approved": True}),
        (3, bob, rockets, "6.00", True, {}),
        (3, ada, widgets, "1.75", True, {"approved": True}),
        (12, bob, widgets, "3.00", True, {"approved": True}),  # outside the default range
    ]:
        TimecardFactory(
            user=user,
            project=project,
            date=monday - datetime.timedelta(weeks=weeks_back, days=-1),
            hours=D(hours),
            billable=billable,
            **state,
        )
    # Someone whose profile is gone: no hourly rate to price the time, no "my hours".
    cy = get_user_model().objects.create_user("cy")
    UserProfile.objects.filter(user=cy).delete()
    TimecardFactory(user=cy, project=rockets, date=monday, hours=D("2.00"), approved=True)
    initech = ClientFactory(name="Initech")  # no project, no hours
    today = timezone.localdate()
    for days_ago, client, total, state in [
        (3, acme, "100.00", {"sent": True}),
        (45, globex, "250.50", {"sent": True}),  # overdue
        (75, acme, "80.00", {"sent": True}),
        (200, globex, "19.99", {"sent": True}),
        (20, acme, "1200.00", {"paid": True}),
        (100, globex, "300.00", {"paid": True}),
        (40, acme, "50.00", {}),  # a draft
    ]:
        InvoiceFactory(
            user=ada,
            client=client,
            issued_on=today - datetime.timedelta(days=days_ago),
            total=D(total),
            **state,
        )
    wait_for_replay()
    return {
        "ada": ada,
        "bob": bob,
        "acme": acme,
        "rockets": rockets,
        "monday": monday,
        "nobody's": initech,
    }


def test_the_hand_written_sql_knows_every_filter():
    """A filter added to TimecardFilters must be added to bench/hand_sql.py's SQL too."""
    assert {one.name for one in dataclasses.fields(TimecardFilters)} == {
        "start",
        "end",
        "user_id",
        "client_id",
        "project_id",
        "status",
    }


def test_the_hours_report_is_the_same_for_every_filter(timecards):
    start = timecards["monday"] - datetime.timedelta(weeks=8)
    end = timezone.localdate()
    every_filter = [
        {},
        {"user_id": timecards["ada"].pk},
        {"client_id": timecards["acme"].pk},
        {"project_id": timecards["rockets"].pk},
        {"status": TimecardStatus.APPROVED},
        {"user_id": timecards["bob"].pk, "client_id": timecards["acme"].pk},
        {"start": start - datetime.timedelta(weeks=8)},
    ]
    with read_from("standby"):
        for chosen in every_filter:
            filters = TimecardFilters(**{"start": start, "end": end, **chosen})
            for page in (1, 2):  # a page past the end is the last, as Paginator has it
                orm = selectors.hours_by_person_week(filters=filters, page=page)
                hand = hand_sql.hours_by_person_week(filters=filters, page=page)
                assert hand_sql.same_hours_report(orm, hand), chosen
                assert orm.total > 0, chosen  # every filter here selects some hours
        nothing = TimecardFilters(start=start, end=end, client_id=timecards["nobody's"].pk)
        orm = selectors.hours_by_person_week(filters=nothing)
        hand = hand_sql.hours_by_person_week(filters=nothing)
        assert hand_sql.same_hours_report(orm, hand)
        assert orm.people == [] and orm.total == 0


def test_the_unbilled_report_is_the_same(timecards):
    with read_from("standby"):
        orm = selectors.unbilled_time(today=timezone.localdate())
        hand = hand_sql.unbilled_time(today=timezone.localdate())
    assert hand_sql.same_unbilled_report(orm, hand)
    assert [line.value for line in orm.by_person if line.username == "cy"] == [0]
    assert orm.value == D("8.00") * 90 + D("4.25") * 40 + D("1.75") * 90 + D("3.00") * 40


def test_the_dashboard_and_the_invoices_report_are_the_same(timecards):
    today = timezone.localdate()
    with read_from("standby"):
        for user in (timecards["ada"], get_user_model().objects.get(username="cy")):
            orm = selectors.dashboard_summary(user=user, today=today)
            assert hand_sql.dashboard_summary(user=user, today=today) == orm
        invoices = selectors.invoice_summary(today=today)
        assert hand_sql.invoice_summary(today=today) == invoices
    assert orm.overdue_count == 3 and orm.my_hours_month == 0  # orm is cy's, who has no profile
    assert [bucket.count for bucket in invoices.aging] == [1, 1, 1, 1]
    assert invoices.revenue_total == D("1500.00") and len(invoices.top_clients) == 2
