"""Fast number filters for the report tables, which draw hundreds of cells.

``{{ value|floatformat:"-2"|intcomma }}`` goes through localisation twice per cell; on
the hours report at a million timecards that was most of the page's time (see
BENCHMARKS.md). ``{{ value|hours }}`` and ``{{ value|money }}`` give the same text as
``floatformat:"-2"|intcomma`` and ``floatformat:2|intcomma`` in one format call.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()

CENT = Decimal("0.01")


def _decimal(value: Decimal | float | int | str | None) -> Decimal | None:
    """``value`` as a Decimal, or ``None`` for nothing ("" or ``None``)."""
    if isinstance(value, Decimal):  # what the reports hold: tested first, kept as it is
        return value
    if value is None or value == "":
        return None
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def format_hours(number: Decimal, *, grouped: bool = True) -> str:
    """``floatformat:"-2"``: no decimals when whole, else two rounded half up (as
    floatformat rounds; a format spec alone would round half to even); with ``grouped``
    the thousands separators ``intcomma`` would add."""
    if number == number.to_integral_value():
        return f"{number:,.0f}" if grouped else f"{number:.0f}"
    return _two_places(number, grouped=grouped)


def _two_places(number: Decimal, *, grouped: bool = True) -> str:
    rounded = number.quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{rounded:,.2f}" if grouped else f"{rounded:.2f}"


@register.filter
def hours(value: Decimal | float | int | None) -> str:
    """12 -> "12", 1234.5 -> "1,234.50": two decimals unless whole, thousands grouped."""
    number = _decimal(value)
    return "" if number is None else format_hours(number)


@register.filter
def money(value: Decimal | float | int | None) -> str:
    """1234.5 -> "1,234.50": always two decimals, thousands grouped, halves rounded up.

    What ``floatformat:2|intcomma`` writes, in one format call (see ``hours``).
    """
    number = _decimal(value)
    return "" if number is None else _two_places(number)


@register.filter
def count(value: int | None) -> str:
    """12345 -> "12,345": what ``intcomma`` writes for a whole number, without going
    through localisation for every cell."""
    if value is None or value == "":
        return ""
    return f"{int(value):,}"
