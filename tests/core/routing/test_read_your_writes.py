"""core.routing.read_your_writes: inside one scope, a read after a write sees the write.

The scope's own writes, outside any request: the browser's pin is the middleware's
(``tests/core/routing/test_middleware.py``).
"""

from __future__ import annotations

import pytest

from core.routing import read_from
from timetrack.factories import TimecardFactory
from timetrack.models import Timecard

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

DASHBOARD = "/reports/"


def _timecard_reads(captured, alias):
    return captured.touching(alias, "timetrack_timecard")


def test_inside_one_scope_a_read_after_a_write_goes_to_the_primary(queries_by_alias, replayed):
    timecard = TimecardFactory()
    replayed()
    with queries_by_alias("default", "standby") as captured, read_from("standby"):
        assert Timecard.objects.filter(pk=timecard.pk).exists()  # before: the standby
        Timecard.objects.filter(pk=timecard.pk).update(description="changed")
        assert Timecard.objects.get(pk=timecard.pk).description == "changed"
    assert len(_timecard_reads(captured, "standby")) == 1
    assert any("SELECT" in sql for sql in _timecard_reads(captured, "default"))


def test_a_new_scope_outside_a_request_starts_unpinned(queries_by_alias, replayed):
    timecard = TimecardFactory()
    with read_from("standby"):
        Timecard.objects.filter(pk=timecard.pk).update(description="changed")
    replayed()
    with queries_by_alias("default", "standby") as captured, read_from("standby"):
        assert Timecard.objects.filter(pk=timecard.pk).exists()
    assert len(_timecard_reads(captured, "standby")) == 1
