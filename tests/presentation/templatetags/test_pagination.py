"""``{% pagination %}`` links to the first, previous, next and last pages of a list,
keeping the rest of the query string and changing only its own parameter."""

from __future__ import annotations

import html
import re

from django.core.paginator import Paginator
from django.template import Context, Template

from presentation.templatetags.pagination import page_url

ROWS = list(range(47))  # five pages of ten: 10, 10, 10, 10, 7
LINK = re.compile(r'<a [^>]*href="([^"]*)"[^>]*>([^<]*)</a>')
WORD = re.compile(r"[A-Za-z]+")


def render(template: str, request, page_obj) -> str:
    return Template("{% load pagination %}" + template).render(
        Context({"request": request, "page_obj": page_obj})
    )


def links_in(rendered: str) -> dict[str, str]:
    """Each link's text (without its arrow) and the URL it goes to."""
    return {WORD.search(text)[0]: html.unescape(href) for href, text in LINK.findall(rendered)}


def test_page_url_changes_only_its_parameter_and_keeps_the_rest(rf):
    request = rf.get("/invoices/", {"client": "3", "page": "2", "status": ["sent", "paid"]})

    assert page_url(request, "page", 5) == "?client=3&page=5&status=sent&status=paid"
    assert page_url(request, "people", 1) == (
        "?client=3&page=2&status=sent&status=paid&people=1"
    ), "another table's page is kept"
    assert request.GET["page"] == "2", "the request's own query is not changed"


def test_page_url_encodes_values_and_adds_the_anchor(rf):
    request = rf.get("/invoices/", {"q": "a b&c"})

    assert page_url(request, "page", 2, "people") == "?q=a+b%26c&page=2#people"
    assert page_url(request, "page", 2, "") == "?q=a+b%26c&page=2"


def test_a_middle_page_links_to_first_previous_next_and_last(rf):
    page_obj = Paginator(ROWS, 10).page(3)

    rendered = render("{% pagination page_obj %}", rf.get("/timecards/"), page_obj)

    assert links_in(rendered) == {
        "First": "?page=1",
        "Previous": "?page=2",
        "Next": "?page=4",
        "Last": "?page=5",
    }
    assert "Page 3 of 5 · 47 in all" in rendered
    assert 'aria-label="Pages"' in rendered


def test_param_anchor_and_label_name_a_second_table(rf):
    request = rf.get("/reports/", {"page": "2", "month": "2026-03"})
    page_obj = Paginator(ROWS, 10).page(2)

    rendered = render(
        '{% pagination page_obj "people" anchor="people" label="People" %}', request, page_obj
    )

    assert links_in(rendered) == {
        "First": "?page=2&month=2026-03&people=1#people",
        "Previous": "?page=2&month=2026-03&people=1#people",
        "Next": "?page=2&month=2026-03&people=3#people",
        "Last": "?page=2&month=2026-03&people=5#people",
    }
    assert 'aria-label="People: pages"' in rendered


def test_the_first_page_has_no_way_back_and_the_last_no_way_on(rf):
    paginator = Paginator(ROWS, 10)

    first = render("{% pagination page_obj %}", rf.get("/"), paginator.page(1))
    last = render("{% pagination page_obj %}", rf.get("/"), paginator.page(5))

    assert links_in(first) == {"Next": "?page=2", "Last": "?page=5"}
    assert links_in(last) == {"First": "?page=1", "Previous": "?page=4"}


def test_a_single_page_has_no_links_at_all(rf):
    page_obj = Paginator(ROWS[:3], 10).page(1)

    rendered = render("{% pagination page_obj %}", rf.get("/", {"page": "1"}), page_obj)

    assert rendered.strip() == ""
