"""One date format for people, the same in Python, in templates and in Django's admin."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.utils import formats

from presentation import dates

DAY = datetime.date(2026, 12, 4)


def test_each_kind_of_date_reads_one_way():
    assert dates.day(DAY) == "4 Dec 2026"
    assert dates.day_in_year(DAY) == "4 Dec"
    assert dates.month(DAY) == "December 2026"
    assert dates.span(datetime.date(2026, 12, 1), DAY) == "1 Dec 2026 \N{EN DASH} 4 Dec 2026"


@pytest.mark.parametrize(
    ("zone", "shown"), [("UTC", "4 Dec 2026, 23:30"), ("Europe/Berlin", "5 Dec 2026, 00:30")]
)
def test_a_moment_is_read_on_the_sites_clock(settings, zone, shown):
    settings.TIME_ZONE = zone
    moment = datetime.datetime(2026, 12, 4, 23, 30, tzinfo=datetime.UTC)

    assert dates.moment(moment) == shown
    assert Template("{% load dates %}{{ m|moment }}").render(Context({"m": moment})) == shown


def test_djangos_own_formats_are_the_sites():
    """What ``{{ value|date }}`` and the admin's change lists write."""
    moment = datetime.datetime(2026, 12, 4, 9, 5, tzinfo=datetime.UTC)

    assert formats.date_format(DAY) == dates.day(DAY)
    assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == dates.day(DAY)
    assert formats.date_format(DAY, "YEAR_MONTH_FORMAT") == dates.month(DAY)
    assert formats.date_format(DAY, "MONTH_DAY_FORMAT") == dates.day_in_year(DAY)
    assert formats.date_format(moment, "DATETIME_FORMAT") == dates.moment(moment)
    # Typed dates are still read in ISO first, as the date inputs send them.
    assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%Y-%m-%d"


def test_template_filters_write_nothing_for_no_date():
    template = Template("{% load dates %}[{{ d|day }}|{{ d|day_in_year }}|{{ d|month }}]")

    assert template.render(Context({"d": None})) == "[||]"
    assert template.render(Context({"d": DAY})) == "[4 Dec 2026|4 Dec|December 2026]"
