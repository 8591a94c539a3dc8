"""``{% load numbers %}``: hours, money, counts and shares in templates, as
``presentation.numbers`` writes them.

One library for the timecard, invoice and report pages, so a figure reads the same on
each. The filters are one format call a cell: the report tables draw hundreds of cells,
and ``floatformat`` and ``intcomma`` go through localisation for every one of them
(BENCHMARKS.md). Nothing (``None`` or ``""``) is written as nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django import template

from presentation import numbers

register = template.Library()


@register.filter
def hours(value: Decimal | float | int | None) -> str:
    """12 -> "12", 1234.5 -> "1,234.50" (``numbers.hours``)."""
    return "" if value is None or value == "" else numbers.hours(value)


@register.filter
def money(value: Decimal | float | int | None) -> str:
    """1234.5 -> "USD 1,234.50", in the site's currency (``numbers.amount``)."""
    return "" if value is None or value == "" else numbers.amount(value)


@register.filter
def count(value: int | None) -> str:
    """12345 -> "12,345" (``numbers.count``)."""
    return "" if value is None or value == "" else numbers.count(value)


@register.filter
def percent(value: Decimal | float | int | None, places: int = 0) -> str:
    """42.46 -> "42%", with ``|percent:1`` "42.5%" (``numbers.percent``)."""
    return "" if value is None or value == "" else numbers.percent(value, int(places))
