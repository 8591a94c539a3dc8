"""WAL positions as numbers, with their timeline: what read-your-writes compares
(core.routing.positions)."""

from __future__ import annotations

import pytest

from core.routing.positions import (
    PrimaryPositions,
    forget_replayed,
    has_replayed,
    note_replayed,
    parse_lsn,
    parse_position,
    timeline_of_walfile,
)


def test_a_position_is_its_two_hexadecimal_halves():
    assert parse_lsn("0/0") == 0
    assert parse_lsn("0/16B3748") == 0x16B3748
    assert parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert parse_lsn("FFFFFFFF/FFFFFFFF") == 2**64 - 1


def test_positions_compare_as_the_server_compares_them():
    # As text "0/9000000" > "0/10000000"; as positions it is the other way round.
    assert parse_lsn("0/9000000") < parse_lsn("0/10000000") < parse_lsn("1/0")


@pytest.mark.parametrize(
    "text", ["", "1", "0/", "/1", "0/G", "1/2/3", "123456789/0", "0/0 ", "+1/0", "0/0x1", "0/1_0"]
)
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        parse_lsn(text)


def test_a_read_your_writes_position_carries_its_timeline_when_it_knows_it():
    assert parse_position("2/16/B374D848") == (2, (0x16 << 32) | 0xB374D848)
    assert parse_position("1F/0/1") == (0x1F, 1)
    assert parse_position("16/B374D848") == (None, (0x16 << 32) | 0xB374D848)


@pytest.mark.parametrize("text", ["0/0/1", "x/0/1", "/0/1", "2/0/", "2/0/1/4", "123456789/0/1"])
def test_a_position_with_a_bad_timeline_is_refused(text):
    with pytest.raises(ValueError):
        parse_position(text)


def test_the_timeline_of_a_wal_file_is_its_first_eight_digits():
    assert timeline_of_walfile("000000020000000000000003") == 2
    assert timeline_of_walfile("0000001A00000001000000FF") == 0x1A


@pytest.fixture
def remembered():
    """A member whose replay, on timeline 2, the status measurements saw at 0/5000."""
    note_replayed("member", "0/5000", timeline=2)
    yield "member"
    forget_replayed()


def test_a_member_on_the_same_timeline_has_replayed_a_position_it_passed(remembered):
    assert has_replayed(remembered, "2/0/5000")
    assert has_replayed(remembered, "2/0/4FFF")
    assert has_replayed(remembered, "0/4000"), "a bare position compares the number only"


@pytest.mark.parametrize(
    "position",
    [
        "1/0/4000",  # written before the failover: the same number is other WAL now
        "3/0/4000",  # a timeline the member does not follow yet
    ],
)
def test_a_position_of_another_timeline_is_never_taken_from_what_was_seen(remembered, position):
    # The embedded SQLite answers True when asked (nothing replicates): a False here can
    # only come from the remembered (timeline, position), which must not cover it.
    from core.routing import positions

    with positions._lock:
        replayed = positions._replayed[remembered]
    assert not positions._covers(replayed, parse_position(position))
    assert positions._covers(replayed, parse_position("2/0/4000"))


def test_primary_samples_of_a_new_timeline_drop_the_old_ones():
    samples = PrimaryPositions()
    samples.add(1.0, 100, timeline=1)
    samples.add(2.0, 200, timeline=1)
    assert samples.covered_since(200) == 2.0
    samples.add(3.0, 150, timeline=2)  # promoted: WAL goes on from the switch, elsewhere
    assert samples.timeline == 2
    assert samples.covered_since(200) == 3.0, "only the new timeline's sample is kept"
    assert samples.covered_since(149) is None
    samples.add(4.0, 300, timeline=1)  # a late answer of the lost primary
    assert (samples.timeline, samples.covered_since(300)) == (2, 3.0), "not taken"
