"""Every page on a phone (390x844) and a laptop (1366x900), in a real browser.

One walk per size, logged in as staff (who sees every page). At each page:

- the response carries the site's Content-Security-Policy, and ``open_page`` fails the
  test on any console error, which is how Chromium reports an inline style or script
  the policy refused;
- ``LAYOUT_PROBLEMS`` (run in the page) measures the layout: the page must not scroll
  sideways (only a table's own scroll container may); a table wider than its room sits
  in such a container, which shows that it scrolls (``.table-scroll``'s shadow) or has no need to
  (the admin's ``.results``), and scrolled to its end the table's last column is in view;
  no figure box, card or card-like row is wider than itself (a long amount, a long word),
  and no column is squeezed so narrow that its heading breaks onto more than three lines;
  no text in a chart is drawn smaller than 9 px on screen.

On the phone the walk then folds and opens the menu, and taps what a mouse would hover.
Under ``make screenshots`` each page at each size is saved as a picture for a person to
look at (``conftest.screenshot``).
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
      const room = table.parentElement.getBoundingClientRect().right;
      const right = table.getBoundingClientRect().right;
      if (right > Math.min(room, window.innerWidth) + 1) {
        problems.push(`${name} is wider than its room, outside a scroll container`);
      }
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
  document.querySelectorAll("main thead th").forEach((heading) => {
    const style = getComputedStyle(heading);
    const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    const height = heading.getBoundingClientRect().height - padding;
    const lines = Math.round(height / parseFloat(style.lineHeight));
    if (heading.checkVisibility() && lines > 3) {
      const name = heading.innerText.replace(/\\s+/g, "");
      problems.push(`the column "${name}" is squeezed onto ${lines} lines`);
    }
  });
  document.querySelectorAll("main .stat, main .card, main table.stack tr").forEach((box) => {
    if (box.checkVisibility() && box.scrollWidth > box.clientWidth + 1) {
      const text = box.innerText.trim().split("\\n")[0].slice(0, 40);
      problems.push(`"${text}" is ${box.scrollWidth - box.clientWidth}px wider than its box`);
    }
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


def make_a_busy_half_year() -> tuple[dict[str, str], dict[str, str]]:
    """Half a year of a team's time, invoices and approvals: wide tables, long names.

    Returns the site's pages and the admin's, each by a name to report it under.
    """
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
    own = TimecardFactory(
        user=staff,
        project=project,
        date=today,
        description="See https://tickets.example.com/" + "platform-migration-" * 8,
    )
    for month_back in range(3):
        issued = today - datetime.timedelta(days=31 * month_back)
        InvoiceFactory(
            user=staff,
            client=client,
            number=f"INV-{issued.year}-{913 + month_back:05d}",
            period_start=periods.month_start(issued),
            period_end=issued,
            issued_on=issued,
            total=Decimal("4855350.00"),
            sent=month_back > 0,
        )
    invoice = InvoiceFactory(user=staff, client=client, total=Decimal("5000.00"))
    start = periods.weeks_back(today, 25)
    site = {
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
        "A refused filter": "/reports/hours/?start=1900-01-01",
        "Not found": "/no-such-page/",
    }
    admin = {
        "Admin": "/admin/",
        "Admin timecards": "/admin/timetrack/timecard/",
        "Admin timecard": f"/admin/timetrack/timecard/{own.pk}/change/",
        "Admin users": "/admin/auth/user/",
    }
    return site, admin


def log_in(page: Page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/timecards/")


def walk(page: Page, pages: dict[str, str], size: dict[str, int]) -> dict[str, list[str]]:
    """Visit each page; what each one got wrong, by the page's name."""
    found = {}
    for name, path in pages.items():
        response = page.goto(path)
        policy = response.headers.get("content-security-policy", "") if response else ""
        problems = page.evaluate(LAYOUT_PROBLEMS, SMALLEST_CHART_TEXT_PX)
        if "default-src 'self'" not in policy or "unsafe-inline" in policy:
            problems.append(f"the Content-Security-Policy is {policy!r}")
        if problems:
            found[f"{name} ({path})"] = problems
        screenshot(page, f"{size['width']}x{size['height']}-{name}")
    return found


def test_a_laptop(open_page):
    """Every page, the admin's included (at a phone's size Django's admin keeps its own
    small-screen layout, which the site does not restyle)."""
    site, admin = make_a_busy_half_year()
    page = open_page()
    page.set_viewport_size(LAPTOP)
    log_in(page)

    found = walk(page, site | admin, LAPTOP)

    assert not found, "\n".join(f"{name}: {'; '.join(each)}" for name, each in found.items())
    page.goto("/timecards/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()  # the menu shows in full
    expect(main_link(page, "Admin")).to_be_visible()


def test_a_phone(open_page):
    site, _ = make_a_busy_half_year()
    page = open_page()
    page.set_viewport_size(PHONE)
    log_in(page)

    found = walk(page, site, PHONE)

    assert not found, "\n".join(f"{name}: {'; '.join(each)}" for name, each in found.items())
    the_menu_folds_away(page)
    a_tap_shows_what_hovering_shows(page)


def main_link(page: Page, name: str):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name)


def the_menu_folds_away(page: Page) -> None:
    page.goto("/timecards/")
    admin = main_link(page, "Admin")
    assert page.locator("header.topbar").bounding_box()["height"] < 64
    expect(admin).to_be_hidden()
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(admin).to_be_visible()
    box = admin.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "390x844-menu-open")
    admin.click()
    page.wait_for_url("**/admin/")


def a_tap_shows_what_hovering_shows(page: Page) -> None:
    page.goto("/reports/hours/")
    cell = page.locator("#per-person td[title]").first
    split = cell.get_attribute("title")
    cell.locator(".split").click()  # the bar "tap it for the split" means
    tip = page.locator(".tip")
    expect(tip).to_have_text(split)
    expect(tip).to_be_in_viewport()
    page.locator("h1").click()  # a tap elsewhere puts it away
    expect(tip).to_be_hidden()
    cell.click()
    expect(tip).to_have_text(split)
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()

    bar = page.locator(".chart-figure rect").first
    bar.click()
    expect(tip).to_have_text(bar.locator("title").text_content())
