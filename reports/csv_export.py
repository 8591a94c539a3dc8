"""Streaming CSV that a spreadsheet opens as data, never as formulas.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
taken for a formula by Excel and LibreOffice ("CSV injection"); a description typed
as ``=HYPERLINK(...)`` would run on the reader's machine. Such cells get a leading
single quote, which spreadsheets show as text and do not evaluate.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse

from core.routing import signals
from presentation.numbers import plain_decimal

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Prefix a cell that a spreadsheet would read as a formula with a single quote."""
    return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value


def format_cell(value: object) -> str:
    """One value as CSV text: ISO dates, plain decimals, ``yes``/``no``, empty for ``None``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return neutralise(str(value))


class _Echo:
    """A file-like object whose ``write`` hands the line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The header line, then one line per row, produced one at a time.

    Lines end in ``\n``, as PostgreSQL's ``COPY ... (FORMAT csv)`` writes them (the two
    writers give the same bytes). The writer itself ends them in ``\r\n``, so that it
    quotes a cell holding a carriage return as ``COPY`` does; only that ending changes.
    """
    writer = csv.writer(_Echo())
    yield writer.writerow(header)[:-2] + "\n"
    for row in rows:
        yield writer.writerow([format_cell(value) for value in row])[:-2] + "\n"


def counted(rows: Iterable[Sequence[object]], database: str) -> Iterator[Sequence[object]]:
    """``rows`` as they come; once all are out, ``rows_exported`` says how many (what
    ``COPY`` reports on PostgreSQL, :mod:`reports.csv_copy`)."""
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 (the count is used after)
        yield row
    signals.rows_exported.send_robust(__name__, rows=count, database=database)


LINES_PER_CHUNK = 500
"""Lines sent together: a chunk per line would cost a trip through the response machinery
for every line, while a chunk of 500 lines is still only a few dozen kilobytes."""


def in_chunks(lines: Iterable[str], size: int = LINES_PER_CHUNK) -> Iterator[str]:
    """Join ``lines`` into chunks of ``size`` lines, still produced one chunk at a time."""
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield "".join(chunk)
            chunk.clear()
    if chunk:
        yield "".join(chunk)


def streaming_csv_response(
    *, filename: str, chunks: Iterable[bytes | str]
) -> StreamingHttpResponse:
    """A CSV download whose body is written while ``chunks`` is consumed."""
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
