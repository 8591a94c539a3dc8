"""Every page under the Content-Security-Policy, as Chromium enforces it.

``open_page`` fails a test on any console error, and Chromium reports each inline
style or script the policy refuses as one; this walks every kind of page (the site's,
the reports with their charts and bars, the error pages, the admin) as staff.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.factories import DEFAULT_PASSWORD, StaffFactory
from timetrack.factories import InvoiceFactory, ProjectFactory, TimecardFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]


def test_every_page_keeps_to_the_content_security_policy(open_page):
    staff = StaffFactory(username="root", is_superuser=True)
    project = ProjectFactory()
    card = TimecardFactory(user=staff, project=project, approved=True)
    invoice = InvoiceFactory(user=staff, client=project.client)
    pages = [
        "/timecards/",
        "/timecards/new/",
        f"/timecards/{card.pk}/edit/",
        "/invoices/",
        "/invoices/new/",
        f"/invoices/{invoice.pk}/",
        "/approvals/",
        "/reports/",
        "/reports/hours/",
        "/reports/hours/?start=1900-01-01",  # a refused filter: the form's errors
        "/reports/unbilled/",
        "/reports/invoices/",
        reverse("timetrack:profile"),
        "/no-such-page/",
        "/admin/",
        "/admin/timetrack/timecard/",
        f"/admin/timetrack/timecard/{card.pk}/change/",
        "/admin/auth/user/",
    ]
    page = open_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/timecards/")

    for path in pages:
        response = page.goto(path)
        assert response is not None, path
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy, path
        assert "unsafe-inline" not in policy, path
