"""``{{ delta|minutes }}``: a lockout's length as a person reads it ("15 minutes")."""

from __future__ import annotations

import datetime

from django import template

register = template.Library()


@register.filter
def minutes(delta: datetime.timedelta) -> str:
    """timedelta(minutes=15) -> "15 minutes"; one minute at least."""
    count = max(1, round(delta.total_seconds() / 60))
    return f"{count} minute{'s' if count != 1 else ''}"
