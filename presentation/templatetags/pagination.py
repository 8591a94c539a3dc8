"""``{% pagination page_obj %}``: the First / Previous / Next / Last links of a list.

The links keep the rest of the query string (the filters, and the page of any other
paginated table on the same page), and change only ``param``: a page that paginates two
tables gives each its own, ``{% pagination people_page "people" anchor="people"
label="People" %}``: ``anchor`` takes the reader back to that table rather than to the
top of the page, and ``label`` names the links for screen readers ("People: pages"), so
that two sets of them on one page are told apart.
"""

from __future__ import annotations

from django import template
from django.core.paginator import Page
from django.http import HttpRequest

register = template.Library()


def page_url(request: HttpRequest, param: str, number: int, anchor: str = "") -> str:
    """The current query string with ``param`` set to ``number``, then ``#anchor``."""
    query = request.GET.copy()
    query[param] = str(number)
    return f"?{query.urlencode()}" + (f"#{anchor}" if anchor else "")


@register.inclusion_tag("_pagination.html", takes_context=True)
def pagination(
    context: template.Context,
    page_obj: Page,
    param: str = "page",
    anchor: str = "",
    label: str = "",
) -> dict:
    request = context["request"]
    links = {}
    if page_obj.has_previous():
        links["first"] = page_url(request, param, 1, anchor)
        links["previous"] = page_url(request, param, page_obj.previous_page_number(), anchor)
    if page_obj.has_next():
        links["next"] = page_url(request, param, page_obj.next_page_number(), anchor)
        links["last"] = page_url(request, param, page_obj.paginator.num_pages, anchor)
    return {"page_obj": page_obj, "links": links, "label": label}
