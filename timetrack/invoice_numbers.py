"""Invoice numbers: ``INV-<year>-<sequence>``, counted from 1 in each year of issue.

The sequence has at least five digits ("INV-2026-00042") and takes a sixth past 99,999,
so the numbers of a year do not sort as text: "INV-2026-100000" < "INV-2026-99999". The
last number of a year is the longest one, and the highest among those. Everything that
numbers invoices (``services.invoice_generate``, the demo seed) asks this module, so they
agree on what comes next.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from django.db.models.functions import Length

from timetrack.models import Invoice

_NUMBER = re.compile(r"INV-(\d{4})-(\d{5,})")


def invoice_number(year: int, sequence: int) -> str:
    return f"{_prefix(year)}{sequence:05d}"


def parse_invoice_number(number: str) -> tuple[int, int]:
    """``(year, sequence)`` of a number that ``invoice_number`` makes; else ``ValueError``."""
    match = _NUMBER.fullmatch(number)
    if match is None:
        raise ValueError(f"{number!r} is not an invoice number.")
    return int(match[1]), int(match[2])


def next_invoice_numbers(year: int) -> Iterator[str]:
    """The numbers of ``year`` after the last one in use, from a single query made now.

    A caller that numbers many invoices (the demo seed) reads once and counts up in
    memory. The numbers are free when read; another writer can take one meanwhile, and
    the unique constraint on ``Invoice.number`` refuses the second insert.
    """
    first = _last_sequence(year) + 1
    return (invoice_number(year, sequence) for sequence in itertools.count(first))


def _last_sequence(year: int) -> int:
    """The sequence of the year's last number (the longest, then the highest); 0 for none."""
    last = (
        Invoice.objects.filter(number__startswith=_prefix(year))
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    return parse_invoice_number(last)[1] if last else 0


def _prefix(year: int) -> str:
    return f"INV-{year}-"
