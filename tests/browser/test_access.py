"""Who gets in where, as the browser sees it: the login wall and the reports' 403."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.browser.conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]


def test_anonymous_visit_lands_on_login_and_comes_back_after_it(open_page):
    UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    page = open_page()

    page.goto("/timecards/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/timecards/$"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    screenshot(page, "access-01-anonymous-sent-to-login")

    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("enter a correct username and password")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    screenshot(page, "access-02-login-wrong-password")

    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/timecards/$"))
    expect(page.get_by_role("heading", name="My timecards")).to_be_visible()
    expect(page.get_by_text("You have not logged any time yet")).to_be_visible()
    screenshot(page, "access-03-my-timecards-empty")


def test_plain_user_gets_403_on_reports(open_page):
    UserFactory(username="bob", first_name="Bob", last_name="Builder")
    page = open_page()

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="My timecards")).to_be_visible()
    expect(main_nav.get_by_role("link", name="Reports")).to_have_count(0)
    expect(main_nav.get_by_role("link", name="Approvals")).to_have_count(0)

    response = page.goto("/reports/")
    assert response is not None
    assert response.status == 403
    expect(page.locator("body")).to_contain_text("403")
    expect(page.locator(".served-by")).to_have_count(0)
    screenshot(page, "access-04-reports-forbidden")
