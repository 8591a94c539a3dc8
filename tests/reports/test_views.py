"""What the report pages say: figures formatted, charts drawn, empty states when empty."""

from __future__ import annotations

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.factories import UserFactory
from reports.forms import default_range
from tests.conftest import REPORT_DATA
from timetrack.factories import ClientFactory, InvoiceFactory, ProjectFactory, TimecardFactory
from timetrack.periods import week_start

pytestmark = [*REPORT_DATA, pytest.mark.pages]


def page(client, name: str, **params) -> str:
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_empty_site_shows_empty_states(staff_client):
    assert "No hours were logged in these weeks." in page(staff_client, "reports:dashboard")
    hours = page(staff_client, "reports:hours")
    assert "No hours were logged between these dates for these filters." in hours
    assert "<svg" not in hours
    assert "Nothing is waiting to be billed" in page(staff_client, "reports:unbilled")
    invoices = page(staff_client, "reports:invoices")
    assert "No invoice has been generated yet." in invoices
    assert "No sent invoice is waiting to be paid." in invoices
    assert "No invoice was paid in the last 12 months." in invoices


def test_dashboard_cards_and_chart(staff_client):
    today = timezone.localdate()
    rich = UserFactory(hourly_rate=Decimal("1500.00"))
    TimecardFactory(user=rich, date=today, hours=Decimal("8"), approved=True)
    InvoiceFactory(sent=True, total=Decimal("12345.60"), issued_on=today)

    body = page(staff_client, "reports:dashboard")

    assert "<title>Reports · Timecards" in body
    assert "12,000.00" in body  # unbilled value: 8 h x 1,500
    assert "12,345.60" in body  # outstanding
    assert 'role="img"' in body
    assert '<title id="dashboard-weeks-title">Hours per week, last 12 weeks</title>' in body
    assert "Week starting (Monday)" in body  # x axis
    assert '<span class="swatch bar-' in body and "Non-billable" in body  # legend
    assert 'class="bar-billable"' in body
    for name in ("reports:hours", "reports:unbilled", "reports:invoices", "reports:timecards_csv"):
        assert f'href="{reverse(name)}"' in body


def test_hours_page_table_chart_and_export_link(staff_client):
    monday = week_start(timezone.localdate())
    person = UserFactory(first_name="Ada", last_name="Lovelace")
    project = ProjectFactory(code="engine")
    TimecardFactory(user=person, project=project, date=monday, hours=Decimal("1234.5") / 100)
    TimecardFactory(user=person, project=project, date=monday, hours=Decimal("2"), billable=False)

    body = page(staff_client, "reports:hours", project=project.pk)

    assert "Ada Lovelace" in body
    assert "14.35" in body  # 12.35 + 2, the week's total
    assert "12.35 h billable, 2 h non-billable" in body
    assert '<title id="hours-weeks-title">Hours per week</title>' in body
    assert f'href="{reverse("reports:timecards_csv")}?project={project.pk}"' in body
    assert re.search(r"<strong>engine</strong>|· engine", body)


def test_a_figure_reads_the_same_in_the_chart_and_in_the_table(staff_client):
    monday = week_start(timezone.localdate()) - datetime.timedelta(weeks=1)
    week = [monday + datetime.timedelta(days=n) for n in range(7)]
    project = ProjectFactory()
    for person in UserFactory.create_batch(7):  # 7 x 7 x 24 = 1,176 h
        for day in week:
            TimecardFactory(user=person, project=project, date=day, hours=Decimal("24"))
    last = UserFactory()
    for day, hours in zip(week[:3], ("24", "24", "10.5"), strict=True):  # and 58.5 h
        TimecardFactory(user=last, project=project, date=day, hours=Decimal(hours))

    body = page(
        staff_client, "reports:hours", start=f"{monday:%Y-%m-%d}", end=f"{week[-1]:%Y-%m-%d}"
    )

    chart = body.split('<svg class="chart-plot"')[1].split("</svg>")[0]
    table = body.split('id="per-person"')[1].split("</table>")[0]
    assert f"<title>{monday.day} {monday:%b}: billable 1,234.50 h</title>" in chart
    assert "1,234.50 h billable" in table  # the week's cell of the totals row
    assert "<strong>1,234.50</strong>" in table


def test_invoice_page_tables(staff_client):
    today = timezone.localdate()
    client = ClientFactory(name="Initech")
    InvoiceFactory(
        client=client,
        paid=True,
        total=Decimal("2500.00"),
        issued_on=today - datetime.timedelta(days=14),
    )
    InvoiceFactory(sent=True, total=Decimal("99.99"), issued_on=today - datetime.timedelta(days=95))

    body = page(staff_client, "reports:invoices")

    assert "Initech" in body
    assert "2,500.00" in body
    assert re.search(
        r"<td>Over 90 days</td><td class=\"num\">1</td><td class=\"num\">USD 99.99</td>", body
    )
    assert '<title id="revenue-months-title">Revenue per month, last 12 months</title>' in body
    assert "Month paid" in body and "Revenue" in body


def test_long_tables_are_paged_and_each_keeps_the_others_page(staff_client, monkeypatch):
    from reports import selectors

    monkeypatch.setattr(selectors, "ROWS_PER_PAGE", 1)
    monday = week_start(timezone.localdate())
    acme, globex = ClientFactory(name="Acme"), ClientFactory(name="Globex")
    for name, rate in (("Ann", "100"), ("Ben", "50")):
        person = UserFactory(
            username=name.lower(), first_name=name, last_name="Example", hourly_rate=Decimal(rate)
        )
        for client in (acme, globex):
            TimecardFactory(
                user=person, project=ProjectFactory(client=client), date=monday, approved=True
            )

    hours = page(staff_client, "reports:hours", page=2).split('id="per-person"')[1]
    assert "Ben Example" in hours and "Ann Example" not in hours  # the filter lists both
    assert "People 2\N{EN DASH}2 of 2" in hours
    assert 'href="?page=1#per-person">« First' in hours

    unbilled = page(staff_client, "reports:unbilled", people=2, ready=3)
    per_person, ready = unbilled.split('id="per-person"')[1].split('id="ready-to-invoice"')
    assert "Ben Example" in per_person and "Ann Example" not in per_person  # Ann bills more
    ready_rows = ready.split("<tbody>")[1].split("</tbody>")[0]
    assert "3\N{EN DASH}3 of 4" in ready
    assert "Globex" in ready_rows and "Ann Example" in ready_rows  # by client, then person
    # Paging one table keeps the other where it was.
    assert 'href="?people=2&ready=4#ready-to-invoice">Next' in ready
    assert 'href="?people=1&ready=3#per-person">« First' in per_person
    # Two sets of page links on one page, each named for its table.
    assert '<nav class="pagination" aria-label="Per person: pages">' in per_person
    assert '<nav class="pagination" aria-label="Ready to invoice: pages">' in ready


def test_paging_the_hours_report_keeps_its_filters_out_of_the_page(staff_client):
    TimecardFactory(date=week_start(timezone.localdate()))

    response = staff_client.get(reverse("reports:hours"), {"page": "2"})
    body = html.unescape(response.content.decode())

    assert not response.context["form"].is_bound  # the default dates, shown in the inputs
    start, end = default_range(timezone.localdate())
    assert f'value="{start:%Y-%m-%d}"' in body and f'value="{end:%Y-%m-%d}"' in body
    assert f'href="{reverse("reports:timecards_csv")}"' in body  # no page in the export


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "999"])
def test_bad_page_numbers_still_show_a_page(staff_client, bad):
    TimecardFactory(date=week_start(timezone.localdate()), approved=True)

    for name, param in (("reports:hours", "page"), ("reports:unbilled", "people")):
        response = staff_client.get(reverse(name), {param: bad, "ready": bad})
        assert response.status_code == 200
