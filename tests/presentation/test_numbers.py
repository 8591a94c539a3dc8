"""Hours, money, counts and shares as the site writes them, chart ticks, and the CSV's
plain decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from presentation import numbers

D = Decimal


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("12"), "12"),
        (D("40.00"), "40"),  # whole hours bare, however the database stores them
        (D("7.5"), "7.50"),
        (D("0.25"), "0.25"),
        (D("1234.5"), "1,234.50"),
        (D("1806.50"), "1,806.50"),
        (D("1234567"), "1,234,567"),
        (D("2.125"), "2.13"),  # halves round up
        (D("2.135"), "2.14"),
        (3, "3"),
        (8.25, "8.25"),
    ],
)
def test_hours(value, text):
    assert numbers.hours(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("0"), "0.00"),
        (D("85"), "85.00"),
        (D("1234.5"), "1,234.50"),
        (D("12.345"), "12.35"),  # halves round up, not to even
        (D("-3.005"), "-3.01"),
        (1500, "1,500.00"),
        (0.1, "0.10"),
    ],
)
def test_money(value, text):
    assert numbers.money(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(0, "0"), (999, "999"), (1000, "1,000"), (-4321, "-4,321")]
)
def test_count(value, text):
    assert numbers.count(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("1234.50"), "1234.50"),  # no grouping, the places as stored
        (D("7.5"), "7.5"),
        (D("1E+1"), "10"),  # no exponent
        (D("0.00"), "0.00"),
    ],
)
def test_plain_decimal_is_the_digits_as_stored(value, text):
    assert numbers.plain_decimal(value) == text


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [(D("42.46"), 0, "42%"), (D("42.5"), 0, "43%"), (D("42.46"), 1, "42.5%"), (100, 0, "100%")],
)
def test_percent(value, places, text):
    assert numbers.percent(value, places) == text


@pytest.mark.parametrize(
    ("value", "step", "text"),
    [
        (D("0"), D("0.25"), "0.00"),
        (D("0.25"), D("0.25"), "0.25"),
        (D("1"), D("0.25"), "1.00"),
        (D("5"), D("2.5"), "5.0"),
        (D("7.5"), D("2.5"), "7.5"),
        (D("1000"), D("500"), "1,000"),
        (D("200000"), D("1E+5"), "200,000"),  # a step as nice_step makes it
    ],
)
def test_every_tick_of_an_axis_has_its_steps_decimals(value, step, text):
    assert numbers.axis_tick(value, step) == text
