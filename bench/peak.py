"""``python -m bench.peak OUT SCRIPT ARGS...``: run SCRIPT as ``__main__``, then write
this process's peak resident memory (``VmHWM``, KiB) to OUT, and after it the largest
peak of the processes it started and waited for (``ru_maxrss`` of its children, KiB; 0
when it started none): the seed's worker processes.

Why not ``wait4``'s ``ru_maxrss``: a child forked from the benchmark's own process
starts with the benchmark's memory resident, and Linux keeps that peak across
``exec``; ``VmHWM`` belongs to the memory map that ``exec`` made, so it counts the
script alone.
"""

from __future__ import annotations

import atexit
import resource
import runpy
import sys
from pathlib import Path


def peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def children_peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def main() -> None:
    out, script = sys.argv[1], sys.argv[2]
    sys.argv = sys.argv[2:]
    sys.path.insert(0, str(Path(script).resolve().parent))
    atexit.register(lambda: Path(out).write_text(f"{peak_kib()} {children_peak_kib()}\n"))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
