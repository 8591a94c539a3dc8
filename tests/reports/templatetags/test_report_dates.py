"""The fast date filter writes what ``date:"M j, Y"`` writes."""

from __future__ import annotations

import datetime

import pytest
from django.template.defaultfilters import date

from reports.templatetags.report_dates import short_date

EVERY_MONTH = [datetime.date(2026, month, 2 * month) for month in range(1, 13)]


@pytest.mark.parametrize("day", [*EVERY_MONTH, datetime.date(1999, 12, 31)], ids=str)
def test_short_date_matches_the_date_filter(day):
    assert short_date(day) == date(day, "M j, Y")


@pytest.mark.parametrize("value", [None, "", "2026-01-01"])
def test_short_date_of_anything_but_a_date_is_empty(value):
    assert short_date(value) == ""
