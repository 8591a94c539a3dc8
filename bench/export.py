"""Section 5 probe: the CSV export of every timecard, streamed, against ``COPY ... TO STDOUT``.

Run by the orchestrator as ``python -m bench.export`` in a Django process on one
benchmark database. The export view is requested through the test ``Client`` and its
streamed body consumed chunk by chunk, as a server would send it; the peak resident
memory of this process during the download is read from ``VmHWM`` after resetting it
(``/proc/self/clear_refs``), so it covers the download alone. The limit is the ORM's
SELECT of the export, unformatted, run on the standby as a bare ``COPY (...) TO STDOUT
(FORMAT csv)`` into a sink that only counts bytes. Export and COPY alternate.
"""

from __future__ import annotations

import argparse
import datetime
import time
from pathlib import Path

import django

django.setup()

from django.utils import timezone  # noqa: E402

from bench import env  # noqa: E402
from bench.pages import logged_in_client, raw_standby  # noqa: E402
from bench.stats import median, summary  # noqa: E402
from reports import selectors  # noqa: E402

EVERYTHING = "/reports/timecards.csv?start=2000-01-01&end={today}"
WARM_UP = "/reports/timecards.csv"  # the default range: the last weeks


def memory_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak_memory() -> None:
    """Make VmHWM start again from the current RSS (Linux 4.0+)."""
    Path("/proc/self/clear_refs").write_text("5")


def download(client, url: str) -> dict:
    """GET ``url`` and consume the streamed body; seconds, rows, bytes and memory."""
    rss_before = memory_kib("VmRSS")
    reset_peak_memory()
    started = time.perf_counter()
    response = client.get(url)
    first_row = None
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
        if first_row is None and lines > 1:  # past the header: the first timecard
            first_row = time.perf_counter() - started
    seconds = time.perf_counter() - started
    response.close()
    return {
        "seconds": seconds,
        "first_row_seconds": first_row,
        "rows": lines - 1,  # the header line
        "bytes": size,
        "rss_before_mib": rss_before / 1024,
        "peak_rss_mib": memory_kib("VmHWM") / 1024,
    }


class _Counter:
    """A file-like sink for COPY that keeps nothing but the count."""

    def __init__(self) -> None:
        self.size = 0
        self.lines = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        self.lines += data.count(b"\n")


def copy_out(cursor, select: str) -> dict:
    sink = _Counter()
    started = time.perf_counter()
    cursor.copy_expert(f"copy ({select}) to stdout (format csv, header)", sink)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": sink.lines - 1, "bytes": sink.size}


def export_select(start: datetime.date, end: datetime.date) -> str:
    """The ORM's SELECT of the export, unformatted: what a bare ``COPY`` would send."""
    filters = selectors.TimecardFilters(start=start, end=end)
    return selectors.timecard_export_select(filters=filters, alias="standby")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    client = logged_in_client()
    today = timezone.localdate()
    url = EVERYTHING.format(today=today)
    download(client, WARM_UP)
    select = export_select(datetime.date(2000, 1, 1), today)
    connection = raw_standby()
    exports, copies = [], []
    with connection.cursor() as cursor:
        for _ in range(args.runs):
            exports.append(download(client, url))
            copies.append(copy_out(cursor, select))
    connection.close()
    rows = exports[-1]["rows"]
    if any(run["rows"] != rows for run in exports + copies):
        raise RuntimeError("the export and COPY disagree on the number of rows")
    env.write_json(
        args.out,
        {
            "url": url,
            "rows": rows,
            "bytes": exports[-1]["bytes"],
            "export_seconds": summary([run["seconds"] for run in exports]),
            "copy_seconds": summary([run["seconds"] for run in copies]),
            "export_rows_per_s": median([rows / run["seconds"] for run in exports]),
            "copy_rows_per_s": median([rows / run["seconds"] for run in copies]),
            "ratio": median(
                [c["seconds"] / e["seconds"] for e, c in zip(exports, copies, strict=True)]
            ),
            "first_row_seconds": median([run["first_row_seconds"] for run in exports]),
            "rss_before_mib": median([run["rss_before_mib"] for run in exports]),
            "peak_rss_mib": max(run["peak_rss_mib"] for run in exports),
            "select": select,
            "runs": exports,
        },
    )


if __name__ == "__main__":
    main()
