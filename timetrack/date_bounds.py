"""The dates the site accepts: from ``settings.EARLIEST_DATE`` to a year from today.

Every date a person types (a timecard's day, an invoice's period, a report's range) is
held to this range, with a message that names it: on the forms (``BoundedDateField``),
in the services (``check_date``), and for timecards and invoices by a database
constraint on the lower end (``DATABASE_FLOOR``). Without it a report asked for the
weeks up to 9999-12-31 would count past the last date Python knows and fail, and a
timecard of 0001-01-01 would be saved.

``EARLIEST_DATE`` may be raised, not lowered below ``DATABASE_FLOOR``: the constraint
holds that one (settings refuse to start otherwise); a lower one needs a migration.
"""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from presentation import dates

DATABASE_FLOOR = datetime.date(2000, 1, 1)
"""The earliest date the database's constraints accept (timecards, invoice periods)."""

HORIZON = datetime.timedelta(days=366)
"""How far ahead a date may be: reports and invoices a year out, no further."""

OUT_OF_RANGE = "Enter a date from {earliest} to {latest}."


def earliest_date() -> datetime.date:
    return settings.EARLIEST_DATE


def latest_date(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) + HORIZON


def out_of_range_message(today: datetime.date | None = None) -> str:
    return OUT_OF_RANGE.format(
        earliest=dates.day(earliest_date()), latest=dates.day(latest_date(today))
    )


def refuse_out_of_range(value: datetime.date, today: datetime.date | None = None) -> None:
    """Raise a ``ValidationError`` that names the range unless ``value`` is within it."""
    if not earliest_date() <= value <= latest_date(today):
        raise ValidationError(out_of_range_message(today), code="date_out_of_range")


def check_date(value: datetime.date, *, field: str, today: datetime.date | None = None) -> None:
    """``refuse_out_of_range`` for a service: the error is put on ``field``."""
    try:
        refuse_out_of_range(value, today)
    except ValidationError as error:
        raise ValidationError({field: error}) from None


class BoundedDateField(forms.DateField):
    """A ``DateField`` that refuses dates outside the site's range, saying which."""

    def validate(self, value: datetime.date | None) -> None:
        super().validate(value)
        if value is not None:
            refuse_out_of_range(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, str]:
        # The browser's date picker starts where the range does (the end moves daily,
        # and a field is made once, when its form class is).
        return {**super().widget_attrs(widget), "min": earliest_date().isoformat()}
