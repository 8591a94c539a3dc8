"""How the site writes hours, money, counts and shares: one format each, wherever they
appear.

A figure reads the same on every page, in a chart's label and in the table beside it:
thousands grouped with commas, a point for the decimals, halves rounded up (as people
round, and as Django's ``floatformat`` does; a format spec alone rounds half to even).
An amount is written with the site's currency (``amount``, ``{{ x|money }}``); a chart's
axis says the currency once and its ticks are bare (``money``).
The template filters (``presentation/templatetags/numbers.py``) and the charts call these;
each is one format call, cheap enough for the report tables' thousands of cells. The
CSV export writes numbers for machines instead: ``plain_decimal``.
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

Number = Decimal | int | float


def as_decimal(value: Number | str) -> Decimal:
    """``value`` as a Decimal; a float through its shortest text, so 8.1 stays 8.1."""
    if isinstance(value, Decimal):  # what the models and reports hold: kept as it is
        return value
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


@functools.lru_cache(maxsize=4096)
def hours(value: Number) -> str:
    """12 -> "12", 1234.5 -> "1,234.50": whole hours bare, any other with two decimals.

    Most days are whole hours, so a column of them is not filled with ".00"; a part of
    an hour always shows its two places (timecards take quarter hours: 7.25, 7.50).

    Remembered: hours come in quarters, so a report's thousands of cells hold a few
    hundred values, and a lookup costs a tenth of the format. Equal values (``2``,
    ``2.0``, ``Decimal("2.00")``) are written alike, so they may share an entry.
    """
    number = as_decimal(value)
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return _two_places(number)


def money(value: Number) -> str:
    """1234.5 -> "1,234.50": always two decimals, to the cent an invoice is rounded to."""
    return _two_places(as_decimal(value))


def amount(value: Number) -> str:
    """1234.5 -> "USD 1,234.50": money for people, in the site's ``CURRENCY``."""
    return f"{settings.CURRENCY} {money(value)}"


def _two_places(number: Decimal) -> str:
    return _grouped(number, 2)


def _grouped(number: Decimal, places: int) -> str:
    """``number`` rounded half up to ``places`` decimals, thousands grouped."""
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{places}f}"


def count(value: int) -> str:
    """12345 -> "12,345": a whole number of things, grouped."""
    return f"{int(value):,}"


def percent(value: Number, places: int = 0) -> str:
    """42.46 -> "42%", or with ``places=1`` "42.5%": a share of a whole, in per cent."""
    return f"{_grouped(as_decimal(value), places)}%"


def axis_tick(value: Number, step: Number) -> str:
    """A chart axis's tick: grouped, with as many decimals as the axis's ``step`` has, so
    every tick of one axis has the same (0.25 steps: "0.00", "0.25"; 2.5: "2.5", "5.0";
    whole steps: "1,000"), rounded half up as the tables are."""
    places = max(0, -as_decimal(step).normalize().as_tuple().exponent)
    return _grouped(as_decimal(value), places)


def plain_decimal(value: Decimal) -> str:
    """Decimal("1234.50") -> "1234.50": the digits as stored, for files read by programs.

    No grouping and no exponent (``str`` writes Decimal("1E+1") as "1E+1"): a spreadsheet
    or a script reads it as the number, and PostgreSQL's ``numeric::text`` writes the same.
    """
    return f"{value:f}"
