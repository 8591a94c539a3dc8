"""The timecard and invoice pages' reads: who sees which rows, in which order, summed how."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.http import Http404

from accounts.factories import StaffFactory, UserFactory
from timetrack import selectors, services
from timetrack.factories import ClientFactory, InvoiceFactory, ProjectFactory, TimecardFactory
from timetrack.models import Invoice, InvoiceStatus, Timecard, TimecardStatus

pytestmark = pytest.mark.django_db

D = datetime.date
MARCH = (D(2025, 3, 1), D(2025, 3, 31))


def card(user, day: D, hours: str = "8.00", **kwargs) -> Timecard:
    return TimecardFactory(user=user, date=day, hours=Decimal(hours), **kwargs)


def invoiced(user, client, *days: int) -> Invoice:
    """An invoice that bills ``user``'s approved March time for ``client`` on ``days``."""
    project = ProjectFactory(client=client)
    for day in days:
        card(user, D(2025, 3, day), project=project, approved=True)
    return services.invoice_generate(
        user=user,
        client=client,
        period_start=MARCH[0],
        period_end=MARCH[1],
        requested_by=user,
    )


def test_timecards_for_is_the_persons_own_newest_first(user, other_user):
    older = card(user, D(2025, 3, 3))
    same_day_first = card(user, D(2025, 3, 5))
    same_day_second = card(user, D(2025, 3, 5))
    card(other_user, D(2025, 3, 6))

    assert list(selectors.timecards_for(user)) == [same_day_second, same_day_first, older]


def test_timecards_for_narrows_to_one_status_and_one_month(user):
    open_march = card(user, D(2025, 3, 3))
    submitted_march = card(user, D(2025, 3, 4), submitted=True)
    open_april = card(user, D(2025, 4, 1))
    open_march_a_year_before = card(user, D(2024, 3, 5))
    march = D(2025, 3, 17)  # any day names its month

    assert list(selectors.timecards_for(user, status=TimecardStatus.OPEN)) == [
        open_april,
        open_march,
        open_march_a_year_before,
    ]
    assert list(selectors.timecards_for(user, month=march)) == [submitted_march, open_march]
    assert list(selectors.timecards_for(user, status=TimecardStatus.OPEN, month=march)) == [
        open_march
    ]
    assert len(selectors.timecards_for(user, status="")) == 4, "no status is every status"


def test_timecards_for_takes_status_and_month_by_keyword_only(user):
    with pytest.raises(TypeError):
        selectors.timecards_for(user, TimecardStatus.OPEN)


def test_an_owner_gets_their_timecard(user):
    timecard = card(user, D(2025, 3, 3))

    assert selectors.get_timecard_for_owner_or_404(user, timecard.pk) == timecard


def test_someone_elses_timecard_is_not_found_staff_included(user, other_user, staff):
    timecard = card(other_user, D(2025, 3, 3))

    for viewer in (user, staff):
        with pytest.raises(Http404):
            selectors.get_timecard_for_owner_or_404(viewer, timecard.pk)


def test_any_timecard_is_found_for_review_and_a_missing_one_is_not(user):
    timecard = card(user, D(2025, 3, 3), submitted=True)

    assert selectors.get_timecard_for_review_or_404(timecard.pk) == timecard
    with pytest.raises(Http404):
        selectors.get_timecard_for_review_or_404(timecard.pk + 1000)


def test_hours_total_sums_the_rows_and_is_zero_for_none(user):
    card(user, D(2025, 3, 3), "7.50")
    card(user, D(2025, 3, 4), "0.25")

    assert selectors.hours_total(Timecard.objects.filter(user=user)) == Decimal("7.75")
    assert selectors.hours_total(Timecard.objects.none()) == Decimal("0")


def test_status_summary_lists_every_status_with_the_persons_count_and_hours(user, other_user):
    card(user, D(2025, 3, 3), "2.00")
    card(user, D(2025, 3, 4), "3.50")
    card(user, D(2025, 3, 5), "6.00", submitted=True)
    card(other_user, D(2025, 3, 3), "8.00", approved=True)

    summary = selectors.timecard_status_summary(user.profile)

    assert [(row["status"], row["label"], row["count"], row["hours"]) for row in summary] == [
        ("open", "Open", 2, Decimal("5.50")),
        ("submitted", "Submitted", 1, Decimal("6.00")),
        ("approved", "Approved", 0, Decimal("0")),
        ("invoiced", "Invoiced", 0, Decimal("0")),
    ]


def test_status_summary_counts_invoiced_time(user):
    invoiced(user, ClientFactory(), 3, 4)

    summary = {row["status"]: row for row in selectors.timecard_status_summary(user.profile)}

    assert (summary["invoiced"]["count"], summary["invoiced"]["hours"]) == (2, Decimal("16.00"))
    assert summary["approved"]["count"] == 0


def test_hours_between_counts_both_ends_any_status_only_the_person(user, other_user):
    card(user, D(2025, 2, 28), "1.00")  # the day before
    card(user, D(2025, 3, 1), "2.00")  # the first day
    card(user, D(2025, 3, 15), "4.00", submitted=True)
    card(user, D(2025, 3, 31), "0.50", approved=True)  # the last day
    card(user, D(2025, 4, 1), "16.00")  # the day after
    card(other_user, D(2025, 3, 10), "8.00")

    assert selectors.hours_between(user.profile, *MARCH) == Decimal("6.50")
    assert selectors.hours_between(user.profile, D(2025, 1, 1), D(2025, 1, 31)) == Decimal("0")


def test_submitted_timecards_are_everyones_submitted_ones_oldest_work_first(user, other_user):
    later = card(user, D(2025, 3, 10), submitted=True)
    earlier = card(other_user, D(2025, 3, 3), submitted=True)
    card(user, D(2025, 3, 1))  # open
    card(user, D(2025, 3, 2), approved=True)
    moved = services.timecard_submit(timecard=card(other_user, D(2025, 3, 5)))

    assert list(selectors.submitted_timecards()) == [earlier, moved, later]


def test_a_person_sees_their_own_invoices_and_staff_see_everyones(user, other_user, staff):
    own = InvoiceFactory(user=user, issued_on=D(2025, 3, 31))
    others = InvoiceFactory(user=other_user, issued_on=D(2025, 4, 30))

    assert list(selectors.invoices_visible_to(user)) == [own]
    assert list(selectors.invoices_visible_to(other_user)) == [others]
    assert list(selectors.invoices_visible_to(staff)) == [others, own]  # newest first


def test_person_narrows_a_staff_list_but_never_widens_anyone_elses(user, other_user, staff):
    own = InvoiceFactory(user=user)
    others = InvoiceFactory(user=other_user)

    assert list(selectors.invoices_visible_to(staff, person=other_user)) == [others]
    assert list(selectors.invoices_visible_to(user, person=other_user)) == []
    assert list(selectors.invoices_visible_to(user, person=user)) == [own]


def test_invoices_narrow_to_one_status(user):
    draft = InvoiceFactory(user=user)
    sent = InvoiceFactory(user=user, sent=True)
    InvoiceFactory(user=user, paid=True)

    assert list(selectors.invoices_visible_to(user, status=InvoiceStatus.SENT)) == [sent]
    assert list(selectors.invoices_visible_to(user, status=InvoiceStatus.DRAFT)) == [draft]
    assert len(selectors.invoices_visible_to(user, status="")) == 3


def test_invoices_on_the_same_day_come_by_number_highest_first(user):
    day = D(2025, 3, 31)
    first = InvoiceFactory(user=user, issued_on=day, number="INV-2025-00001")
    second = InvoiceFactory(user=user, issued_on=day, number="INV-2025-00002")

    assert list(selectors.invoices_visible_to(user)) == [second, first]


def test_invoices_visible_to_takes_its_filters_by_keyword_only(staff, user):
    with pytest.raises(TypeError):
        selectors.invoices_visible_to(staff, user)


def test_an_invoice_is_found_for_its_owner_and_staff_only(user, other_user, staff):
    invoice = InvoiceFactory(user=user)

    assert selectors.get_invoice_visible_to_or_404(user, invoice.pk) == invoice
    assert selectors.get_invoice_visible_to_or_404(staff, invoice.pk) == invoice
    with pytest.raises(Http404):
        selectors.get_invoice_visible_to_or_404(other_user, invoice.pk)


def test_invoice_timecards_are_the_billed_ones_in_date_order(user):
    client = ClientFactory()
    invoice = invoiced(user, client, 12, 3, 7)
    invoiced(user, ClientFactory(), 20)  # another client's invoice
    card(user, D(2025, 3, 5), project=ProjectFactory(client=client))  # open: not billed

    billed = selectors.invoice_timecards(invoice)

    assert [timecard.date for timecard in billed] == [D(2025, 3, 3), D(2025, 3, 7), D(2025, 3, 12)]
    assert {timecard.status for timecard in billed} == {TimecardStatus.INVOICED}
    assert {timecard.invoice_id for timecard in billed} == {invoice.pk}


def test_people_are_the_active_ones_by_first_name_last_name_and_username():
    bea_b = UserFactory(username="zed", first_name="Bea", last_name="Brown")
    ann = UserFactory(username="ann", first_name="Ann", last_name="Zane")
    bea_a_2 = UserFactory(username="bea2", first_name="Bea", last_name="Adams")
    bea_a_1 = UserFactory(username="bea1", first_name="Bea", last_name="Adams")
    chris = StaffFactory(username="chris", first_name="Chris", last_name="Cole")
    UserFactory(username="gone", first_name="Aaron", last_name="Able", is_active=False)

    assert list(selectors.people()) == [ann, bea_a_1, bea_a_2, bea_b, chris]
