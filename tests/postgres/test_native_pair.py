"""docker/postgres/native-pair.sh, the pair these tests run against: `up` reuses a running
pair, and `status` shows both ends, the replication state and the lag."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.db import connections

from tests.postgres.conftest import NATIVE_PAIR_PORTS

pytestmark = pytest.mark.postgres

SCRIPT = Path(__file__).resolve().parents[2] / "docker" / "postgres" / "native-pair.sh"


@pytest.fixture(autouse=True)
def _native_pair_only(_require_postgres: None) -> None:
    ports = tuple(str(connections[alias].settings_dict["PORT"]) for alias in ("default", "standby"))
    if ports != NATIVE_PAIR_PORTS:
        pytest.skip(f"the databases are not the native pair (ports {sorted(ports)})")


def _pair(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), command], capture_output=True, text=True, timeout=60, check=False
    )


def test_up_reuses_the_running_pair():
    result = _pair("up")
    assert result.returncode == 0, result.stderr
    assert "initialised" not in result.stdout
    assert "started" not in result.stdout
    primary, standby = NATIVE_PAIR_PORTS
    assert f"127.0.0.1:{primary} -> standby 127.0.0.1:{standby}, streaming" in result.stdout


def test_status_shows_both_ends_the_replication_state_and_the_lag():
    result = _pair("status")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    primary, standby = NATIVE_PAIR_PORTS
    assert f"primary    127.0.0.1:{primary}  running  leader" in lines
    assert f"standby    127.0.0.1:{standby}  running  standby" in lines
    assert any("| streaming |" in line for line in lines)  # pg_stat_replication.state
    assert any(line.startswith(" receiver ") and "lag_s" in line for line in lines)
    assert any(line.startswith("slots: standby (active, reserved)") for line in lines)
    assert lines[-1] == "healthy: every standby is in recovery and streaming"
