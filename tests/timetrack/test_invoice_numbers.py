"""Invoice numbers: their format, and what comes after the numbers in use."""

from __future__ import annotations

from itertools import islice

import pytest

from timetrack.factories import InvoiceFactory
from timetrack.invoice_numbers import (
    invoice_number,
    next_invoice_numbers,
    parse_invoice_number,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("year", "sequence", "number"),
    [
        (2025, 1, "INV-2025-00001"),
        (2025, 42, "INV-2025-00042"),
        (2025, 99_999, "INV-2025-99999"),
        (2025, 100_000, "INV-2025-100000"),
        (2026, 1_234_567, "INV-2026-1234567"),
    ],
)
def test_a_number_is_formatted_and_parsed_back(year, sequence, number):
    assert invoice_number(year, sequence) == number
    assert parse_invoice_number(number) == (year, sequence)


@pytest.mark.parametrize(
    "number", ["", "INV-2025-0001", "INV-25-00001", "inv-2025-00001", "INV-2025-00001x"]
)
def test_parse_refuses_what_invoice_number_does_not_make(number):
    with pytest.raises(ValueError, match="is not an invoice number"):
        parse_invoice_number(number)


def test_a_year_without_invoices_starts_at_one():
    InvoiceFactory(number="INV-2024-00007")

    assert list(islice(next_invoice_numbers(2025), 2)) == ["INV-2025-00001", "INV-2025-00002"]


def test_the_numbers_continue_past_five_digits_in_one_query(django_assert_num_queries):
    for number in ("INV-2025-99998", "INV-2025-99999", "INV-2026-100003"):
        InvoiceFactory(number=number)

    with django_assert_num_queries(1):
        numbers = list(islice(next_invoice_numbers(2025), 3))

    assert numbers == ["INV-2025-100000", "INV-2025-100001", "INV-2025-100002"]


def test_the_longest_number_is_the_last_one():
    """As text, "INV-2025-100000" sorts before "INV-2025-99999"; as a number it is after."""
    for number in ("INV-2025-100000", "INV-2025-99999", "INV-2025-00005"):
        InvoiceFactory(number=number)

    assert next(next_invoice_numbers(2025)) == "INV-2025-100001"
