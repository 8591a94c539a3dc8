"""Section 7's three machines on two cores: a CPU budget per role, with cgroup v1.

The primary, the standby and the web tier (gunicorn, ``wrk`` and the writers) each get
a ``cpu`` cgroup of their own whose ``cpu.cfs_quota_us`` caps it at a share of a core
per ``cpu.cfs_period_us``, the way Docker's ``--cpus`` and compose's ``cpus:`` do. No
role is pinned: each may run on either core, but never for longer than its budget, so
the reports that run on the primary take the primary's budget from its saves, as they
would on a host of its own. A ``cpuacct`` cgroup of the same name counts the CPU time
each role used (``cpuacct.usage``), which gives the primary's CPU time per save.

The processes move with ``cgroup.procs``: a PostgreSQL server's postmaster and every
process it has (backends it starts later are born in its cgroup), and this process,
whose children (gunicorn, ``wrk``) and threads (the writers) are born in the web tier's.
Afterwards every process of a role's group goes back to the cgroup its first process
came from, and the groups are removed. Needs root and the v1 ``cpu`` and ``cpuacct``
controllers (``/sys/fs/cgroup/cpu``; mounted apart or together as ``cpu,cpuacct``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["BUDGETS", "Budgets", "unavailable", "within_budgets"]

ROOT = Path("/sys/fs/cgroup")
GROUP = "timetrack-bench"
PERIOD_US = 100_000
BUDGETS = {"primary": 0.5, "standby": 0.5, "web": 1.0}
"""Cores per role: the two servers as small database hosts, the rest for the web tier
and the load generators."""


def unavailable() -> str:
    """Why the budgets cannot be set here ("" when they can)."""
    if os.geteuid() != 0:
        return "moving processes between cgroups needs root"
    for controller in ("cpu", "cpuacct"):
        if not (ROOT / controller / "cgroup.procs").exists():
            return f"no cgroup v1 {controller} controller at {ROOT / controller}"
    if not (ROOT / "cpu" / "cpu.cfs_quota_us").exists():
        return "the cpu controller has no cpu.cfs_quota_us (CFS bandwidth control)"
    return ""


class Budgets:
    """The roles' cgroups while they exist: what each used and how often it was held."""

    def folder(self, controller: str, role: str) -> Path:
        return ROOT / controller / GROUP / role

    def usage_seconds(self, role: str) -> float:
        """CPU time the role used since its group was made."""
        return int((self.folder("cpuacct", role) / "cpuacct.usage").read_text()) / 1e9

    def throttled(self, role: str) -> dict[str, float]:
        """How many periods the role ran in, in how many it hit its budget, and for how
        long it waited in all (``cpu.stat``)."""
        stat = dict(
            line.split()
            for line in (self.folder("cpu", role) / "cpu.stat").read_text().splitlines()
        )
        return {
            "periods": int(stat["nr_periods"]),
            "throttled_periods": int(stat["nr_throttled"]),
            "throttled_s": int(stat["throttled_time"]) / 1e9,
        }


def _move(pids: list[int], folder: Path) -> None:
    for pid in pids:
        try:
            (folder / "cgroup.procs").write_text(str(pid))
        except ProcessLookupError:
            pass  # ended meanwhile
        except OSError as error:
            if error.errno != 3:  # ESRCH: ended meanwhile
                raise


def _members(folder: Path) -> list[int]:
    return [int(pid) for pid in (folder / "cgroup.procs").read_text().split()]


def _cgroup_of(pid: int, controller: str) -> Path:
    """The folder of ``pid``'s cgroup in ``controller``'s hierarchy (``/proc/PID/cgroup``)."""
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return (ROOT / controller / path.lstrip("/")).resolve()
    return (ROOT / controller).resolve()


@contextmanager
def within_budgets(processes: dict[str, list[int]]) -> Iterator[Budgets]:
    """``processes`` (by role: "primary", "standby") and this process ("web") each in
    their role's budget for the block; back where they came from afterwards."""
    budgets = Budgets()
    placed = {**processes, "web": [os.getpid()]}
    # Where each role came from, and each group's folder once: cpu and cpuacct may be
    # one hierarchy mounted under both names.
    came_from = {
        (role, controller): _cgroup_of(pids[0], controller)
        for role, pids in placed.items()
        for controller in ("cpu", "cpuacct")
    }
    made: dict[Path, Path] = {}  # a group's folder: where its processes go back to
    try:
        for role, cores in BUDGETS.items():
            for controller in ("cpu", "cpuacct"):
                folder = budgets.folder(controller, role)
                folder.mkdir(parents=True, exist_ok=True)
                made.setdefault(folder.resolve(), came_from[(role, controller)])
            cpu = budgets.folder("cpu", role)
            (cpu / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (cpu / "cpu.cfs_quota_us").write_text(str(round(cores * PERIOD_US)))
        for role, pids in placed.items():
            for controller in ("cpu", "cpuacct"):
                _move(pids, budgets.folder(controller, role))
        yield budgets
    finally:
        for folder, origin in made.items():
            _move(_members(folder), origin)
        for folder in made:
            folder.rmdir()
        for controller in ("cpu", "cpuacct"):
            parent = ROOT / controller / GROUP
            if parent.exists() and not any(p.is_dir() for p in parent.iterdir()):
                parent.rmdir()
