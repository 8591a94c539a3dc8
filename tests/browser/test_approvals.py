"""Bulk review as the browser does it: "select all" ticks every row (a static script, as
the CSP allows), one button approves them, one message says so."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.factories import DEFAULT_PASSWORD, StaffFactory
from tests.browser.conftest import screenshot
from timetrack.factories import TimecardFactory
from timetrack.models import Timecard, TimecardStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]


def test_select_all_then_approve_selected(open_page):
    StaffFactory(username="reviewer")
    TimecardFactory.create_batch(3, submitted=True)
    page = open_page()
    page.goto("/accounts/login/?next=/approvals/")
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_label("Select every timecard on this page").check()
    rows = page.locator('input[name="timecards"]')
    expect(rows).to_have_count(3)
    for index in range(3):
        expect(rows.nth(index)).to_be_checked()
    rows.nth(0).uncheck()  # and back: "select all" follows the rows
    expect(page.get_by_label("Select every timecard on this page")).not_to_be_checked()
    rows.nth(0).check()
    screenshot(page, "approvals-01-all-selected")
    page.get_by_role("button", name="Approve selected").click()

    expect(page.get_by_text("Approved 3 timecards.")).to_be_visible()
    screenshot(page, "approvals-02-approved")
    statuses = set(Timecard.objects.values_list("status", flat=True))
    assert statuses == {TimecardStatus.APPROVED}
