"""The clusters the failover run (``bench.failover``) kills a leader of.

- :class:`NativeCluster`: three native nodes of the run's own (``.pg-failover/``,
  ``docker/postgres/native-pair.sh``) and gunicorn started here. The leader's postmaster
  is killed (``SIGKILL``) and ``native-pair.sh failover`` promotes a standby at once;
  ``native-pair.sh up`` brings the old leader back as a standby.
- :class:`ComposeCluster`: the compose stack as ``make up`` started it (etcd, three
  Patroni nodes, web). The leader's container is killed (``docker kill``: its host
  lost); Patroni promotes a standby once the lost leader's key expires; ``compose
  start`` brings the old leader back (``pg_rewind``).

Both answer the same questions: which node leads, a connection to a node, where the site
listens, and how to log people in.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg2

from bench import chaos, env, throughput

DB = f"{env.BASE_DB}_failover"
PAIR = env.REPO / "docker" / "postgres" / "native-pair.sh"
SITE = {**chaos.SITE, "PRIMARY_CONNECT_TIMEOUT_SECONDS": "2"}
"""The native site's settings for the run: the chaos run's quick ones, and a primary that
is given up as quickly (compose's come from .env)."""


class Cluster:
    """What the run needs of a cluster; each kind fills it in."""

    name = ""
    nodes: tuple[str, ...] = ()
    site_port = 0

    def prepare(self) -> None:
        """The cluster up, the first node leading, the site serving, the data there."""

    def finish(self) -> None:
        """Stop what ``prepare`` started."""

    def connect(self, node: str) -> Any:
        """An autocommit psycopg2 connection to ``node``'s database."""
        raise NotImplementedError

    def query(self, node: str, sql: str, params: tuple = ()) -> list:
        return env.query_once(self.connect(node), sql, params)

    def leader(self) -> str:
        """The node that accepts writes now (asked of the nodes themselves)."""
        for node in self.nodes:
            try:
                if self.query(node, "select not pg_is_in_recovery()")[0][0]:
                    return node
            except psycopg2.Error:
                continue
        raise RuntimeError("no node accepts writes")

    def people(self, count: int) -> dict:
        """``count`` logged-in staff people who log time (``bench.writers``)."""
        return env.run_django("bench.writers", "--people", str(count), **self.django())

    def staff_session(self) -> dict:
        """A logged-in session of the staff demo user (``bench.session``)."""
        return env.run_django("bench.session", **self.django())

    def django(self) -> dict:
        """``env.run_django``'s arguments for a Django process on this cluster."""
        raise NotImplementedError

    def kill_leader(self) -> str:
        raise NotImplementedError

    def fail_over(self, lost: str) -> str:
        """Whatever makes another node lead after ``lost`` was killed; that node."""
        raise NotImplementedError

    def rejoin(self, lost: str) -> None:
        """``lost`` back, as a standby of the new leader."""
        raise NotImplementedError

    def wait_until_leader(self, lost: str, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                leader = self.leader()
            except RuntimeError:
                leader = lost
            if leader != lost:
                return leader
            time.sleep(0.1)
        raise RuntimeError(f"no node took over from {lost} within {timeout:.0f} s")

    def wait_until_standby(self, node: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.query(
                    node,
                    "select pg_is_in_recovery() and exists (select from pg_stat_wal_receiver"
                    " where status = 'streaming')",
                )[0][0]:
                    return
            except psycopg2.Error:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{node} did not come back as a standby within {timeout:.0f} s")


class NativeCluster(Cluster):
    name = "native"
    nodes = ("primary", "standby", "standby_2")
    site_port = int(os.environ.get("FAILOVER_PORT", "8766"))
    _ports = {
        "primary": ("PG_PRIMARY_PORT", 25452),
        "standby": ("PG_STANDBY_PORT", 25453),
        "standby_2": ("PG_STANDBY_2_PORT", 25454),
    }

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.pg_dir = Path(os.environ.get("PG_DIR", env.REPO / ".pg-failover"))
        self.site: subprocess.Popen | None = None
        self.log_file = env.VAR / "gunicorn-failover.log"

    def port(self, node: str) -> int:
        variable, default = self._ports[node]
        return int(os.environ.get(variable, default))

    def connect(self, node: str) -> Any:
        return env.connect(self.port(node), DB)

    def pair(self, *command: str) -> str:
        variables = {
            **os.environ,
            "PG_DIR": str(self.pg_dir),
            "PG_STANDBYS": "2",
            "PG_REPLICATION_MODE": self.mode,
            **{variable: str(self.port(node)) for node, (variable, _) in self._ports.items()},
        }
        result = subprocess.run(
            ["bash", str(PAIR), *command],
            env=variables,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"native-pair.sh {' '.join(command)}: {result.stderr.strip()}")
        return result.stdout

    def site_env(self) -> dict[str, str]:
        """The site against every node, whichever leads (as ``make run-pg``)."""
        nodes = ",".join(f"{env.HOST}:{self.port(node)}" for node in self.nodes)
        members = ",".join(
            f"postgres://postgres@{env.HOST}:{self.port(node)}/{DB}" for node in self.nodes
        )
        variables = env.django_env(DB, **SITE, GUNICORN_BIND=f"{env.HOST}:{self.site_port}")
        variables.pop("STANDBY_DATABASE_URL")
        variables["DATABASE_URL"] = (
            f"postgres://postgres@{nodes}/{DB}?target_session_attrs=read-write"
        )
        variables["STANDBY_DATABASE_URLS"] = members
        return variables

    def django(self) -> dict:
        standby = f"postgres://postgres@{env.HOST}:{self.port('standby')}/{DB}"
        return {
            "db": DB,
            "DATABASE_URL": self.site_env()["DATABASE_URL"],
            "STANDBY_DATABASE_URL": standby,
        }

    def prepare(self) -> None:
        """The nodes up with `primary` leading (a run may have left another leading), a
        database of the run's own with a little demo data, and gunicorn on it."""
        self.pair("up")
        recorded = self.pg_dir / "leader"  # native-pair.sh's record of who leads
        if recorded.exists() and recorded.read_text().strip() != "primary":
            self.pair("switchover", "primary")
        env.collect_static()
        port = self.port("primary")
        env.query(f'drop database if exists "{DB}" with (force)', port=port)
        env.query(f'create database "{DB}"', port=port)
        for command in (
            ["migrate", "--noinput", "-v", "0"],
            ["seed", "--users", "4", "--weeks", "4", "--no-progress"],
        ):
            subprocess.run(
                [env.PYTHON, "manage.py", *command],
                cwd=env.REPO,
                env=self.site_env(),
                check=True,
                capture_output=True,
            )
        self.start_site()

    def start_site(self) -> None:
        self.log_file.unlink(missing_ok=True)
        self.site = subprocess.Popen(
            [env.PYTHON, "-m", "gunicorn", "--config", throughput.GUNICORN_CONF, "config.wsgi"],
            cwd=env.REPO,
            env=self.site_env(),
            stdout=subprocess.DEVNULL,
            stderr=self.log_file.open("ab"),
        )
        throughput.wait_for_site(self.site_port, self.site, self.log_file)

    def finish(self) -> None:
        if self.site is not None:
            self.site.terminate()
            try:
                self.site.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.site.kill()
                self.site.wait()

    def kill_leader(self) -> str:
        """SIGKILL the leader's postmaster (its backends follow): the host is lost."""
        lost = self.leader()
        pid = int((self.pg_dir / lost / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        return lost

    def fail_over(self, lost: str) -> str:
        self.pair("failover")
        return self.wait_until_leader(lost)

    def rejoin(self, lost: str) -> None:
        self.pair("up")
        self.wait_until_standby(lost)


class ComposeCluster(Cluster):
    name = "compose"
    nodes = ("node-1", "node-2", "node-3")

    def __init__(self) -> None:
        self.settings = {**dotenv(env.REPO / ".env"), **os.environ}
        self.site_port = int(self.settings.get("WEB_HOST_PORT", "8000"))
        self.compose = shlex.split(os.environ.get("COMPOSE", "docker-compose"))
        self.db = self.settings.get("POSTGRES_DB", "timetrack")
        self.ports = {
            node: int(self.settings.get(f"NODE_{number}_HOST_PORT", 24431 + number))
            for number, node in enumerate(self.nodes, start=1)
        }

    def connect(self, node: str) -> Any:
        connection = psycopg2.connect(
            host=env.HOST,
            port=self.ports[node],
            user=self.settings["POSTGRES_USER"],
            password=self.settings["POSTGRES_PASSWORD"],
            dbname=self.db,
            connect_timeout=3,
        )
        connection.autocommit = True
        return connection

    def django(self) -> dict:
        """A Django process here that writes the sessions the web container reads: the
        same nodes (through their published ports) and the same SECRET_KEY."""
        user, password = self.settings["POSTGRES_USER"], self.settings["POSTGRES_PASSWORD"]
        nodes = ",".join(f"{env.HOST}:{port}" for port in self.ports.values())
        return {
            "db": self.db,
            "DATABASE_URL": f"postgres://{user}:{password}@{nodes}/{self.db}"
            "?target_session_attrs=read-write",
            "STANDBY_DATABASE_URL": "none",
            "SECRET_KEY": self.settings["WEB_SECRET_KEY"],
        }

    def prepare(self) -> None:
        """The stack is `make up`'s, seeded by `make compose-seed` (the make target runs
        both): here, only the site's answer is awaited."""
        throughput.wait_for_site(self.site_port, None, None)

    def run_compose(self, *args: str) -> None:
        subprocess.run([*self.compose, *args], cwd=env.REPO, check=True, capture_output=True)

    def kill_leader(self) -> str:
        lost = self.leader()
        self.run_compose("kill", lost)
        return lost

    def fail_over(self, lost: str) -> str:
        return self.wait_until_leader(lost)  # Patroni's work, once the key expires

    def rejoin(self, lost: str) -> None:
        self.run_compose("start", lost)
        self.wait_until_standby(lost)


def dotenv(path: Path) -> dict[str, str]:
    """The variables a .env file sets (compose's own file: `make up` writes it)."""
    values = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, separator, value = line.partition("=")
            if separator and not name.lstrip().startswith("#"):
                values[name.strip()] = value.strip()
    return values
