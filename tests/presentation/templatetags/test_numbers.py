"""The ``numbers`` filters write what Django's ``floatformat`` and ``intcomma`` write.

``hours`` is ``floatformat:"-2"|intcomma``, ``money`` is ``floatformat:2|intcomma`` and
``count`` is ``intcomma`` of a whole number and ``percent`` is ``floatformat`` and a
per cent sign, in one format call each.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import Context, Template
from django.template.defaultfilters import floatformat

from presentation.templatetags.numbers import count, hours, money, percent


@pytest.mark.parametrize(
    "value",
    [
        Decimal("0"),
        Decimal("7.5"),
        Decimal("12.35"),
        Decimal("40.00"),
        Decimal("1234.5"),
        Decimal("1234567.25"),
        3,
        8.25,
    ],
)
def test_hours_matches_floatformat_and_intcomma(value):
    assert hours(value) == intcomma(floatformat(value, "-2"))


@pytest.mark.parametrize(
    "value",
    [
        Decimal("0"),
        Decimal("7.5"),
        Decimal("12.345"),
        Decimal("1234.5"),
        Decimal("-3.005"),
        3,
        8.25,
    ],
)
def test_money_matches_floatformat_2_and_intcomma_after_the_currency(value):
    assert money(value) == f"USD {intcomma(floatformat(value, 2))}"


@pytest.mark.parametrize("value", [0, 7, 999, 1000, 12345, 1234567, -4321])
def test_count_matches_intcomma(value):
    assert count(value) == intcomma(value)


@pytest.mark.parametrize("nothing", [None, ""])
def test_nothing_is_written_as_nothing(nothing):
    assert hours(nothing) == money(nothing) == count(nothing) == percent(nothing) == ""


def test_templates_load_the_filters_as_numbers():
    template = Template("{% load numbers %}{{ h|hours }} h, {{ m|money }}, {{ n|count }}")

    text = template.render(Context({"h": Decimal("1806.5"), "m": 12345, "n": 4321}))

    assert text == "1,806.50 h, USD 12,345.00, 4,321"


def test_amounts_are_in_the_currency_setting(settings):
    settings.CURRENCY = "EUR"

    assert money(Decimal("1234.5")) == "EUR 1,234.50"


@pytest.mark.parametrize("value", [Decimal("0"), Decimal("42.5"), Decimal("12.25"), 99.95, 100])
@pytest.mark.parametrize("places", [0, 1])
def test_percent_matches_floatformat(value, places):
    assert percent(value, places) == f"{floatformat(value, places)}%"
