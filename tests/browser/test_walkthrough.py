"""A person's week, walked in a real browser: log time, get it approved, billed, reported.

One test on purpose: each step starts from the state the previous one left, as it does
for the people who use the site, and the browser is opened once. The data the walk
does not make through the pages (the people, the client, a second client's approved
time for the unbilled report) is made with the factories before the browser opens.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from core.routing.middleware import PIN_COOKIE
from core.routing.notices import PINNED
from presentation import dates
from reports.selectors import EXPORT_HEADER
from tests.browser.conftest import screenshot
from timetrack.factories import ClientFactory, ProjectFactory, TimecardFactory
from timetrack.forms import HOURS_OVER_A_DAY
from timetrack.invoice_numbers import invoice_number
from timetrack.models import Invoice, InvoiceStatus, Timecard, TimecardStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

DESCRIPTION = "Checkout page redesign with the client"
BAD_DESCRIPTION = "A day longer than a day"
STANDBY_BADGE = re.compile(r"Served by\s+standby")
PRIMARY_BADGE = re.compile(r"Served by\s+default")


def log_in(page: Page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def nav_link(page: Page, name: str):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def message(page: Page):
    return page.locator(".messages .message")


def open_report(page: Page, name: str, path: str, shot: str) -> None:
    """Follow a link of the reports' own menu and check the standby served the page."""
    page.get_by_role("navigation", name="Reports").get_by_role("link", name=name).click()
    expect(page).to_have_url(re.compile(rf"{re.escape(path)}$"))
    expect(page.locator(".served-by")).to_have_text(STANDBY_BADGE)
    screenshot(page, shot)


def test_log_submit_approve_invoice_and_report(open_page):
    today = timezone.localdate()
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    StaffFactory(username="grace", first_name="Grace", last_name="Hopper")
    acme = ClientFactory(name="Acme Corp")
    ProjectFactory(client=acme, code="web", name="Website")
    globex = ClientFactory(name="Globex")
    TimecardFactory(
        user=ada,
        project=ProjectFactory(client=globex, code="ops", name="Operations"),
        date=today,
        hours=Decimal("2"),
        description="Server upgrade",
        approved=True,
    )

    page = open_page()

    # --- Ada logs in and logs her time --------------------------------------------
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    screenshot(page, "walk-01-login")
    log_in(page, "ada")
    expect(page).to_have_url(re.compile(r"/timecards/$"))
    expect(page.get_by_role("heading", name="My timecards")).to_be_visible()
    screenshot(page, "walk-02-my-timecards")

    page.get_by_role("link", name="Log time").click()
    expect(page.get_by_role("heading", name="Log time")).to_be_visible()
    screenshot(page, "walk-03-log-time-form")
    page.get_by_label("Project").select_option(label="Acme Corp / Website")
    page.get_by_label("Date").fill(today.isoformat())
    page.get_by_label("Hours").fill("6")
    page.get_by_label("Description").fill(DESCRIPTION)
    expect(page.get_by_label("Billable to the client")).to_be_checked()
    page.get_by_role("button", name="Log time").click()

    expect(page).to_have_url(re.compile(r"/timecards/$"))
    expect(message(page)).to_have_text(f"Logged 6 h on Acme Corp / Website for {dates.day(today)}.")
    row = page.get_by_role("row").filter(has_text=DESCRIPTION)
    expect(row).to_contain_text("Acme Corp / Website")
    expect(row.locator("td.num")).to_have_text("6")  # whole hours bare, as in the reports
    expect(row.locator(".badge")).to_have_text("Open")
    screenshot(page, "walk-04-timecard-logged")

    # --- 25 hours in a day: a clear message, nothing saved ---------------------------
    page.get_by_role("link", name="Log time").click()
    page.get_by_label("Project").select_option(label="Acme Corp / Website")
    page.get_by_label("Hours").fill("25")
    page.get_by_label("Description").fill(BAD_DESCRIPTION)
    page.get_by_role("button", name="Log time").click()

    expect(page).to_have_url(re.compile(r"/timecards/new/$"))
    expect(page.locator(".field").filter(has=page.get_by_label("Hours"))).to_contain_text(
        HOURS_OVER_A_DAY
    )
    expect(page.get_by_label("Description")).to_have_value(BAD_DESCRIPTION)
    screenshot(page, "walk-05-log-time-25-hours-refused")
    saved = sorted(Timecard.objects.values_list("description", flat=True))
    assert saved == sorted([DESCRIPTION, "Server upgrade"])

    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="My timecards")).to_be_visible()
    expect(page.get_by_text(BAD_DESCRIPTION)).to_have_count(0)
    expect(page.locator("table tbody tr")).to_have_count(2)

    # --- she submits it, and logs out -----------------------------------------------
    row.get_by_role("button", name="Submit").click()
    expect(message(page)).to_have_text(
        f"Submitted your timecard of {dates.day(today)} for approval."
    )
    expect(row.locator(".badge")).to_have_text("Submitted")
    screenshot(page, "walk-06-timecard-submitted")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    # --- Grace, staff, approves it --------------------------------------------------
    log_in(page, "grace")
    expect(page.get_by_role("heading", name="My timecards")).to_be_visible()
    nav_link(page, "Approvals").click()
    expect(page.get_by_role("heading", name="Approvals")).to_contain_text("1 waiting")
    screenshot(page, "walk-07-approval-queue")
    queued = page.get_by_role("row").filter(has_text=DESCRIPTION)
    expect(queued).to_contain_text("Ada Lovelace")
    queued.get_by_role("button", name="Approve").click()
    expect(message(page)).to_have_text(f"Approved Ada Lovelace's timecard of {dates.day(today)}.")
    expect(page.get_by_text("Nothing to review")).to_be_visible()
    screenshot(page, "walk-08-approved")

    # --- she bills Ada's Acme time ----------------------------------------------------
    nav_link(page, "Invoices").click()
    expect(page.get_by_text("No invoices yet")).to_be_visible()
    screenshot(page, "walk-09-invoices-empty")
    page.get_by_role("link", name="Generate invoice").click()
    expect(page.get_by_role("heading", name="Generate invoice")).to_be_visible()
    page.get_by_label("Person").select_option(label="Ada Lovelace (ada)")
    page.get_by_label("Client").select_option(label="Acme Corp")
    page.get_by_label("From").fill(today.replace(day=1).isoformat())
    page.get_by_label("To (inclusive)").fill(today.isoformat())
    screenshot(page, "walk-10-generate-invoice-form")
    page.get_by_role("button", name="Generate draft invoice").click()

    number = invoice_number(today.year, 1)
    expect(page).to_have_url(re.compile(r"/invoices/\d+/$"))
    expect(message(page)).to_have_text(f"Invoice {number} of USD 510.00 created as a draft.")
    expect(page.get_by_role("heading", name=f"Invoice {number}")).to_contain_text("Draft")
    screenshot(page, "walk-11-invoice-generated")

    nav_link(page, "Invoices").click()
    listed = page.get_by_role("row").filter(has_text=number)
    expect(listed).to_contain_text("Ada Lovelace")
    expect(listed).to_contain_text("Acme Corp")
    expect(listed).to_contain_text("510.00")
    screenshot(page, "walk-12-invoice-list")
    listed.get_by_role("link", name=number).click()

    expect(page.get_by_role("heading", name=f"Invoice {number}")).to_be_visible()
    billed = page.get_by_role("row").filter(has_text=DESCRIPTION)
    expect(billed.locator("td.num")).to_have_text(["6", "USD 85.00", "USD 510.00"])
    expect(page.get_by_text("Server upgrade")).to_have_count(0)
    screenshot(page, "walk-13-invoice-detail")
    page.get_by_role("button", name="Mark as sent").click()
    expect(message(page)).to_have_text(f"Invoice {number} marked as sent on {dates.day(today)}.")
    expect(page.get_by_role("heading", name=f"Invoice {number}")).to_contain_text("Sent")
    expect(page.get_by_role("button", name="Mark as paid")).to_be_visible()
    screenshot(page, "walk-14-invoice-sent")

    invoice = Invoice.objects.get(number=number)
    assert (invoice.status, invoice.total, invoice.user_id) == (
        InvoiceStatus.SENT,
        Decimal("510.00"),
        ada.pk,
    )
    assert Timecard.objects.get(description=DESCRIPTION).status == TimecardStatus.INVOICED

    # --- read your own writes: right after saving, the reports show what was saved -----
    # On SQLite the browser reads the primary for a window; on PostgreSQL a standby that
    # has replayed the write (usually at once), else the primary until one has.
    nav_link(page, "Reports").click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    outstanding = page.locator(".stat").filter(has_text="Outstanding invoices")
    expect(outstanding.locator(".value")).to_have_text("USD 510.00")
    if connections["default"].vendor == "sqlite" or PRIMARY_BADGE.search(
        page.locator(".served-by").inner_text()
    ):
        expect(page.locator(".served-by")).to_have_text(PRIMARY_BADGE)
        expect(page.locator(".notice")).to_have_text(PINNED)
    else:
        expect(page.locator(".served-by")).to_have_text(STANDBY_BADGE)
    screenshot(page, "walk-14b-report-right-after-saving")
    # The pin is a signed cookie that expires; dropping it ends it now.
    page.context.clear_cookies(name=PIN_COOKIE)

    # --- the reports, each served by the standby, show what just happened -------------
    page.reload()
    expect(page.locator(".served-by")).to_have_text(STANDBY_BADGE)
    expect(page.locator(".notice")).to_have_count(0)
    team = page.locator(".stat").filter(has_text="Team hours this month")
    expect(team.locator(".value")).to_have_text("8 h")
    unbilled = page.locator(".stat").filter(has_text="Unbilled approved time")
    expect(unbilled).to_contain_text("2 h on 1 timecard")
    outstanding = page.locator(".stat").filter(has_text="Outstanding invoices")
    expect(outstanding.locator(".value")).to_have_text("USD 510.00")
    screenshot(page, "walk-15-report-dashboard")

    open_report(page, "Hours by person", "/reports/hours/", "walk-16-report-hours")
    person = page.locator("tbody tr").filter(has_text="Ada Lovelace")
    expect(person.locator("td").last).to_have_text("8")
    expect(page.locator(".stat").filter(has_text="Total hours").locator(".value")).to_have_text(
        "8 h"
    )

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download these timecards (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(f"-to-{today}.csv")
    rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == EXPORT_HEADER
    exported = {row[-1]: dict(zip(EXPORT_HEADER, row, strict=True)) for row in rows[1:]}
    assert set(exported) == {DESCRIPTION, "Server upgrade"}
    assert exported[DESCRIPTION] == {
        "date": today.isoformat(),
        "person": "ada",
        "client": "Acme Corp",
        "project": "Website",
        "project_code": "web",
        "hours": "6.00",
        "billable": "yes",
        "status": "invoiced",
        "invoice": number,
        "description": DESCRIPTION,
    }

    open_report(page, "Unbilled time", "/reports/unbilled/", "walk-17-report-unbilled")
    waiting = page.locator("tbody tr").filter(has_text="Globex").first
    expect(waiting).to_contain_text("2")
    expect(waiting).to_contain_text("170.00")
    expect(page.get_by_role("row").filter(has_text="Acme Corp")).to_have_count(0)

    open_report(page, "Invoices", "/reports/invoices/", "walk-18-report-invoices")
    expect(page.locator(".stat").filter(has_text="Unpaid (sent)")).to_contain_text("510.00")
    sent = page.locator("tbody tr").filter(has=page.locator(".badge.sent"))
    expect(sent).to_contain_text("1")
    expect(sent).to_contain_text("510.00")
