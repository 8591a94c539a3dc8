"""``{{ delta|minutes }}`` writes a lockout's length in whole minutes, one minute at least."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template

from accounts.templatetags.durations import minutes

TD = datetime.timedelta


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (TD(minutes=15), "15 minutes"),
        (TD(minutes=1), "1 minute"),
        (TD(hours=2), "120 minutes"),
        (TD(seconds=30), "1 minute"),  # under a minute still reads as one
        (TD(0), "1 minute"),
        (TD(seconds=89), "1 minute"),
        # round() halves to even: 1.5 minutes is 2, and 2.5 minutes is 2 as well.
        (TD(seconds=90), "2 minutes"),
        (TD(seconds=150), "2 minutes"),
        (TD(seconds=210), "4 minutes"),
    ],
)
def test_minutes_rounds_to_whole_minutes_and_says_minute_for_one(delta, text):
    assert minutes(delta) == text


def test_the_filter_is_registered_under_durations():
    rendered = Template("{% load durations %}{{ d|minutes }}").render(
        Context({"d": TD(minutes=15)})
    )
    assert rendered == "15 minutes"
