"""Weeks from Monday to Sunday and steps of whole months, as every page counts them."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timetrack import periods
from timetrack.periods import add_months, month_start, week_end, week_start, weeks_between

D = datetime.date
DAYS = st.dates(min_value=D(1900, 1, 8), max_value=D(2999, 12, 24))


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (D(2026, 3, 2), D(2026, 3, 2)),  # a Monday is its own week's start
        (D(2026, 3, 8), D(2026, 3, 2)),  # a Sunday ends the week
        (D(2026, 1, 1), D(2025, 12, 29)),  # weeks cross the new year
    ],
)
def test_week_start_is_the_monday(day, monday):
    assert week_start(day) == monday
    assert week_end(day) == monday + datetime.timedelta(days=6)


@given(DAYS)
def test_a_week_is_an_iso_week(day):
    assert week_start(day).isocalendar()[:2] == day.isocalendar()[:2]
    assert week_start(day).isoweekday() == 1
    assert week_end(day).isoweekday() == 7
    assert week_start(day) <= day <= week_end(day)


def test_weeks_between_has_every_week_the_range_touches():
    assert weeks_between(D(2026, 3, 4), D(2026, 3, 16)) == [
        D(2026, 3, 2),
        D(2026, 3, 9),
        D(2026, 3, 16),
    ]
    assert weeks_between(D(2026, 3, 4), D(2026, 3, 4)) == [D(2026, 3, 2)]
    assert weeks_between(D(2026, 3, 16), D(2026, 3, 4)) == []


@given(DAYS, st.integers(min_value=0, max_value=400))
def test_weeks_between_counts_the_weeks(start, days):
    end = start + datetime.timedelta(days=days)

    weeks = weeks_between(start, end)

    assert weeks[0] == week_start(start) and weeks[-1] == week_start(end)
    assert len(weeks) == (week_start(end) - week_start(start)).days // 7 + 1


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 1)),  # a month start, whatever the day
        (D(2026, 3, 15), 0, D(2026, 3, 1)),
        (D(2026, 12, 5), 1, D(2027, 1, 1)),
        (D(2026, 1, 5), -1, D(2025, 12, 1)),
        (D(2026, 5, 5), -17, D(2024, 12, 1)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_month_start():
    assert month_start(D(2026, 2, 28)) == D(2026, 2, 1)


def test_weeks_back_is_a_monday_whole_weeks_before():
    wednesday = datetime.date(2026, 3, 4)
    assert periods.weeks_back(wednesday, 0) == datetime.date(2026, 3, 2)
    assert periods.weeks_back(wednesday, 8) == datetime.date(2026, 1, 5)


@pytest.mark.parametrize(
    ("day", "end"),
    [
        (datetime.date(2026, 1, 31), datetime.date(2026, 1, 31)),
        (datetime.date(2026, 2, 10), datetime.date(2026, 2, 28)),
        (datetime.date(2028, 2, 1), datetime.date(2028, 2, 29)),  # a leap year
        (datetime.date(2026, 12, 5), datetime.date(2026, 12, 31)),
    ],
)
def test_month_end(day, end):
    assert periods.month_end(day) == end


def test_months_between_are_whole_months_and_previous_month_is_the_one_before():
    months = list(periods.months_between(datetime.date(2025, 11, 20), datetime.date(2026, 1, 3)))
    assert months == [
        (datetime.date(2025, 11, 1), datetime.date(2025, 11, 30)),
        (datetime.date(2025, 12, 1), datetime.date(2025, 12, 31)),
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)),
    ]
    assert periods.previous_month(datetime.date(2026, 1, 3)) == months[1]
