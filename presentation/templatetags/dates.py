"""``{% load dates %}``: dates in templates, as ``presentation.dates`` writes them.

Nothing (``None`` or ``""``) is written as nothing, so ``|default:"—"`` can follow.
"""

from __future__ import annotations

import datetime

from django import template

from presentation import dates

register = template.Library()


@register.filter
def day(value: datetime.date | None) -> str:
    """ "4 Dec 2026" (``dates.day``)."""
    return dates.day(value) if value else ""


@register.filter
def day_in_year(value: datetime.date | None) -> str:
    """ "4 Dec" (``dates.day_in_year``)."""
    return dates.day_in_year(value) if value else ""


@register.filter
def month(value: datetime.date | None) -> str:
    """ "December 2026" (``dates.month``)."""
    return dates.month(value) if value else ""


@register.filter(expects_localtime=True)
def moment(value: datetime.datetime | None) -> str:
    """ "4 Dec 2026, 14:05" in the site's time zone (``dates.moment``)."""
    return dates.moment(value) if value else ""
