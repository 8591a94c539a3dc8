"""The processes of a native PostgreSQL server, and freezing them as a hung host does.

The mixed run pins a server's processes to a core; the chaos run and the kept-connection
tests freeze them (``SIGSTOP`` on the postmaster and every child), which is how a server
looks whose host stops answering while its TCP connections stay open.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def processes(data_directory: str | Path) -> list[int]:
    """The postmaster of the server in ``data_directory`` and its children, postmaster
    first (``show data_directory`` on a connection to it gives the folder)."""
    postmaster = int((Path(data_directory) / "postmaster.pid").read_text().split()[0])
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # a process that ended meanwhile
        if parent == postmaster:
            children.append(int(stat.parent.name))
    return [postmaster, *children]


@contextmanager
def frozen(pids: list[int]) -> Iterator[None]:
    """Every process of ``pids`` stopped for the block, then continued (in reverse, so
    the postmaster goes on last); one that has ended meanwhile is passed over."""
    stopped = []
    try:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                continue
            stopped.append(pid)
        yield
    finally:
        for pid in reversed(stopped):
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
