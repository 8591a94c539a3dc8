"""The fast number filters write what Django's ``floatformat`` and ``intcomma`` wrote."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat

from reports.templatetags.report_numbers import count, hours, money


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


def test_hours_of_nothing_is_empty():
    assert hours(None) == ""


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
def test_money_matches_floatformat_2_and_intcomma(value):
    assert money(value) == intcomma(floatformat(value, 2))


def test_money_of_nothing_is_empty():
    assert money(None) == "" and money("") == ""


@pytest.mark.parametrize("value", [0, 7, 999, 1000, 12345, 1234567, -4321])
def test_count_matches_intcomma(value):
    assert count(value) == intcomma(value)


def test_count_of_nothing_is_empty():
    assert count(None) == ""
