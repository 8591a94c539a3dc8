"""The site on a phone (390x844) and a laptop (1366x900), measured in a real browser.

Each page is loaded at both sizes and measured by ``LAYOUT_PROBLEMS`` (run in the page):
the page must not scroll sideways (only a table's own scroll container may); every
table sits in such a container, which shows that it scrolls (``.table-scroll``'s shadow)
or has no need to (the admin's ``.results``), and scrolled to its end the table's last
column is in view; and no text in a chart is drawn smaller than 9 px on screen. A screenshot of each
page at each size is saved (``make screenshots`` runs only these tests) so a person can
look at what was measured.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.browser.conftest import screenshot
from timetrack import periods
from timetrack.factories import ClientFactory, InvoiceFactory, ProjectFactory, TimecardFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
SMALLEST_CHART_TEXT_PX = 9

LAYOUT_PROBLEMS = """
(smallest) => {
  const problems = [];
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth + 1) {
    problems.push(`the page is ${page.scrollWidth}px wide in a ${window.innerWidth}px window`);
  }
  document.querySelectorAll("main table").forEach((table, index) => {
    const name = `table ${index + 1} (${(table.rows[0]?.innerText || "").slice(0, 40).trim()})`;
    let box = table.parentElement;
    while (box && !["auto", "scroll"].includes(getComputedStyle(box).overflowX)) {
      box = box.parentElement;
    }
    if (!box || box === page || box === document.body) {
      problems.push(`${name} is not in a scroll container`);
      return;
    }
    if (!box.matches(".table-scroll") && box.scrollWidth > box.clientWidth + 1) {
      // Only .table-scroll shows (by a shadow) that there is more to the side.
      problems.push(`${name} scrolls sideways with no sign that it does`);
    }
    box.scrollLeft = box.scrollWidth;
    const edge = box.getBoundingClientRect().right;
    for (const row of table.rows) {
      if (!row.checkVisibility()) continue;
      const last = row.cells[row.cells.length - 1];
      const right = last ? last.getBoundingClientRect().right : 0;
      if (right > edge + 1) {
        problems.push(`${name}: its last column ends at ${right}px, past its box's ${edge}px`);
        break;
      }
    }
    box.scrollLeft = 0;
  });
  document.querySelectorAll(".chart-figure").forEach((figure) => {
    const walker = document.createTreeWalker(figure, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const text = walker.currentNode.textContent.trim();
      const element = walker.currentNode.parentElement;
      const shown = element.checkVisibility({ visibilityProperty: true });
      if (!text || !shown || element.closest("title, desc")) continue;
      let size = parseFloat(getComputedStyle(element).fontSize);
      const svg = element.closest("svg");
      if (svg) size *= svg.getScreenCTM().a;
      if (size < smallest) problems.push(`chart text "${text}" is ${size.toFixed(1)}px`);
    }
  });
  return problems;
}
"""


def make_a_busy_half_year() -> dict[str, str]:
    """Half a year of a team's time, invoices and approvals: wide tables, long names."""
    today = timezone.localdate()
    staff = StaffFactory(username="root", first_name="Grace", last_name="Hopper", is_superuser=True)
    client = ClientFactory(name="Initech International Holdings")
    project = ProjectFactory(client=client, code="platform", name="Platform migration")
    for number in range(4):
        person = UserFactory(
            username=f"person{number}", first_name="Maximiliane", last_name=f"Oberhauser-{number}"
        )
        for week in range(26):
            TimecardFactory(
                user=person,
                project=project,
                date=today - datetime.timedelta(weeks=week),
                hours=Decimal("7.75"),
                billable=week % 3 != 0,
                approved=week > 1,
                submitted=week == 1,
            )
    own = TimecardFactory(user=staff, project=project, approved=True, date=today)
    for month_back in range(3):
        issued = today - datetime.timedelta(days=31 * month_back)
        InvoiceFactory(
            user=staff,
            client=client,
            number=f"INV-{issued.year}-{913 + month_back:05d}",
            period_start=periods.month_start(issued),
            period_end=issued,
            issued_on=issued,
            total=Decimal("123456.78"),
            sent=month_back > 0,
        )
    invoice = InvoiceFactory(user=staff, client=client, total=Decimal("5000.00"))
    start = periods.weeks_back(today, 25)
    return {
        "My timecards": "/timecards/",
        "Log time": "/timecards/new/",
        "Edit a timecard": f"/timecards/{own.pk}/edit/",
        "Invoices": "/invoices/",
        "An invoice": f"/invoices/{invoice.pk}/",
        "Generate an invoice": "/invoices/new/",
        "Approvals": "/approvals/",
        "Profile": reverse("timetrack:profile"),
        "Reports": "/reports/",
        "Hours by person": "/reports/hours/",
        "Hours over 26 weeks": f"/reports/hours/?start={start.isoformat()}",
        "Unbilled time": "/reports/unbilled/",
        "Invoice reports": "/reports/invoices/",
    }


ADMIN_PAGES = {"Admin timecards": "/admin/timetrack/timecard/"}
"""Measured on the laptop only: on a phone, Django's admin keeps its own small-screen
layout (its change list scrolls), which the site does not restyle."""


def log_in(page: Page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/timecards/")


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_every_page_fits_its_screen(open_page, size):
    pages = make_a_busy_half_year()
    if size == LAPTOP:
        pages |= ADMIN_PAGES
    page = open_page()
    page.set_viewport_size(size)
    log_in(page)
    found = {}
    for name, path in pages.items():
        page.goto(path)
        problems = page.evaluate(LAYOUT_PROBLEMS, SMALLEST_CHART_TEXT_PX)
        if problems:
            found[f"{name} ({path})"] = problems
        screenshot(page, f"layout-{size['width']}-{name}")
    assert not found, "\n".join(f"{name}: {'; '.join(each)}" for name, each in found.items())


def test_the_menu_folds_away_on_a_phone(open_page):
    make_a_busy_half_year()
    page = open_page()
    page.set_viewport_size(PHONE)
    log_in(page)
    header = page.locator("header.topbar")
    admin = page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin")

    assert header.bounding_box()["height"] < 64
    expect(admin).to_be_hidden()
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(admin).to_be_visible()
    box = admin.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "layout-390-menu-open")
    admin.click()
    page.wait_for_url("**/admin/")

    page.set_viewport_size(LAPTOP)  # a laptop shows the menu as it is, with no button
    page.goto("/timecards/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(admin).to_be_visible()


def test_a_tap_shows_what_hovering_shows(open_page):
    make_a_busy_half_year()
    page = open_page()
    page.set_viewport_size(PHONE)
    log_in(page)
    page.goto("/reports/hours/")
    cell = page.locator("#per-person td[title]").first
    split = cell.get_attribute("title")
    cell.click()
    tip = page.locator(".tip")
    expect(tip).to_have_text(split)
    expect(tip).to_be_in_viewport()
    page.locator("h1").click()  # a tap elsewhere puts it away
    expect(tip).to_be_hidden()

    bar = page.locator(".chart-figure rect").first
    bar.click()
    expect(tip).to_have_text(bar.locator("title").text_content())
