"""WAL positions as numbers: what read-your-writes compares (core.routing.positions.parse_lsn)."""

from __future__ import annotations

import pytest

from core.routing.positions import parse_lsn


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
