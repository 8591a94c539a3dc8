"""A fast number filter for the report tables, which draw thousands of cells.

``{{ value|floatformat:"-2"|intcomma }}`` goes through localisation twice per cell; on
the hours report at a million timecards that was most of the page's time (see
BENCHMARKS.md). ``{{ value|hours }}`` gives the same text in one format call.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()

CENT = Decimal("0.01")


@register.filter
def hours(value: Decimal | float | int | None) -> str:
    """12 -> "12", 1234.5 -> "1,234.50": two decimals unless whole, thousands grouped."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    # Half up, as floatformat rounds (a format spec alone would round half to even).
    return f"{number.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


@register.filter
def money(value: Decimal | float | int | None) -> str:
    """1234.5 -> "1,234.50": always two decimals, thousands grouped, halves rounded up.

    What ``floatformat:2|intcomma`` writes, in one format call (see ``hours``).
    """
    if value is None or value == "":
        return ""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return f"{number.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"
