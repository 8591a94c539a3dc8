"""Kept standby connections (``CONN_MAX_AGE``) against a standby that stops answering.

A connection kept from an earlier request skips the connect, so ``connect_timeout`` does
not bound it. Two ways a standby stops answering while its TCP connection stays up,
each tested on the real standby:

- its host goes silent: a proxy on loopback forwards to the standby, then stops
  forwarding (the proxy's kernel still acknowledges every byte, as a middlebox does);
- its server stops: every process of the standby gets ``SIGSTOP`` (the host's kernel
  still acknowledges every byte and answers keepalives).

Each must cost a report at most one bounded wait (the health check's, which is the
connect timeout) before the primary serves it, and the breaker must then keep the next
requests away. A statement that loses its server midway, and a CSV download, are
bounded by the statement's deadline. ``close_old_connections()`` stands for the start of
a request, where Django's handler calls it (the test client leaves it out).
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import OperationalError, close_old_connections, connections
from django.test import Client

from bench import servers
from core.routing import breaker, db_errors, decision, read_decision, read_from
from core.routing.retry import RETRIED
from reports.csv_copy import copy_csv
from tests.postgres.conftest import NATIVE_PAIR_PORTS
from timetrack.factories import TimecardFactory
from timetrack.models import Timecard

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]

HOURS = "/reports/hours/"
CONNECT_TIMEOUT = 2
"""libpq's smallest connect timeout: the tests' bound on a health check."""


class _SilencingProxy:
    """Forwards a loopback port to the standby until ``silence()``; then forwards nothing.

    Silent, it still accepts connections and its kernel still acknowledges what is sent:
    a host that vanished behind a middlebox, as a client sees it.
    """

    def __init__(self, upstream_port: int) -> None:
        self._upstream_port = upstream_port
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._silent = threading.Event()
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def silence(self) -> None:
        self._silent.set()

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        for sock in [self._listener, *self._sockets]:
            sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client = self._listener.accept()[0]
            except TimeoutError:
                continue
            self._sockets.append(client)
            if self._silent.is_set():
                continue  # accepted and never answered
            upstream = socket.create_connection(("127.0.0.1", self._upstream_port))
            self._sockets.append(upstream)
            pump = threading.Thread(target=self._pump, args=(client, upstream), daemon=True)
            self._threads.append(pump)
            pump.start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        peer = {client: upstream, upstream: client}
        while not self._stop.is_set():
            if self._silent.is_set():
                time.sleep(0.05)
                continue
            readable, _, _ = select.select([client, upstream], [], [], 0.05)
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                peer[sock].sendall(data)


@contextmanager
def _standby_settings(**changes: object) -> Iterator[dict]:
    """The standby alias with ``changes`` to its settings (OPTIONS merged), then restored."""
    settings_dict = connections["standby"].settings_dict
    saved = {key: settings_dict[key] for key in ("PORT", "OPTIONS")}
    options = changes.pop("OPTIONS", {})
    connections["standby"].close()
    settings_dict.update(changes, OPTIONS={**saved["OPTIONS"], **options})
    try:
        yield settings_dict
    finally:
        connections["standby"].close()
        settings_dict.update(saved)


@pytest.fixture
def proxy() -> Iterator[_SilencingProxy]:
    """The standby reached through a proxy that can go silent, connect timeout 2 s."""
    forwarding = _SilencingProxy(int(connections["standby"].settings_dict["PORT"]))
    with _standby_settings(PORT=forwarding.port, OPTIONS={"connect_timeout": CONNECT_TIMEOUT}):
        try:
            yield forwarding
        finally:
            forwarding.close()


@pytest.fixture
def reporter(staff) -> Client:
    browser = Client()
    browser.force_login(staff)
    return browser


def _served_by(response) -> tuple[str, str]:
    database = response.context["read_database"]
    return database["alias"], database.get("notice", "")


def _request(browser: Client, path: str = HOURS) -> tuple[object, float]:
    """One request as a server runs it: old connections checked first; its duration."""
    close_old_connections()
    started = time.monotonic()
    response = browser.get(path)
    return response, time.monotonic() - started


def _kept_standby_connection(browser: Client, wait_for_replay) -> object:
    """Two reports on the standby; the second reused the first one's connection."""
    TimecardFactory(description="on the standby")
    wait_for_replay()
    first, _ = _request(browser)
    assert _served_by(first) == ("standby", "")
    kept = connections["standby"].connection
    second, _ = _request(browser)
    assert _served_by(second) == ("standby", "")
    assert connections["standby"].connection is kept, "the connection was not kept"
    return kept


def _assert_one_bounded_wait_then_none(browser: Client) -> None:
    response, waited = _request(browser)
    assert response.status_code == 200
    alias, notice = _served_by(response)
    assert alias == "default"
    assert notice in {RETRIED, decision.UNREACHABLE}
    assert waited < CONNECT_TIMEOUT + 1.5, f"the first report waited {waited:.1f} s"
    assert breaker.breaker_for("standby").is_open

    response, waited = _request(browser)
    assert _served_by(response) == ("default", decision.UNREACHABLE)
    assert waited < 1, f"with the breaker open a report still waited {waited:.1f} s"


def test_a_kept_connection_whose_host_goes_silent_costs_one_bounded_wait(
    proxy, reporter, wait_for_replay
):
    _kept_standby_connection(reporter, wait_for_replay)

    proxy.silence()

    _assert_one_bounded_wait_then_none(reporter)


def _server_processes(alias: str) -> list[int]:
    """The postmaster of the server behind ``alias`` and its children, postmaster first."""
    with connections[alias].cursor() as cursor:
        cursor.execute("show data_directory")
        return servers.processes(cursor.fetchone()[0])


def test_a_kept_connection_whose_server_is_stopped_costs_one_bounded_wait(
    reporter, wait_for_replay
):
    if str(connections["standby"].settings_dict.get("PORT")) != NATIVE_PAIR_PORTS[1]:
        pytest.skip("stops the native pair's standby (make pg-up), not another server")
    with _standby_settings(OPTIONS={"connect_timeout": CONNECT_TIMEOUT}):
        _kept_standby_connection(reporter, wait_for_replay)

        with servers.frozen(_server_processes("standby")):
            _assert_one_bounded_wait_then_none(reporter)

        breaker.reset_breakers()
        response, _ = _request(reporter)
        assert _served_by(response) == ("standby", ""), "the standby serves again"


def test_a_statement_whose_server_goes_silent_midway_is_retried_on_the_primary(
    proxy, wait_for_replay
):
    TimecardFactory.create_batch(3)
    wait_for_replay()
    connections["standby"].settings_dict["OPTIONS"]["options"] = "-c statement_timeout=1000"
    bound = connections["standby"].statement_seconds
    assert bound == 1 + CONNECT_TIMEOUT
    runs: list[str] = []

    @read_from("standby", retry=True)
    def count_twice() -> int:
        Timecard.objects.count()
        runs.append(read_decision().database)
        if len(runs) == 1:
            proxy.silence()  # between two statements of one report
        return Timecard.objects.count()

    started = time.monotonic()
    assert count_twice() == 3
    waited = time.monotonic() - started

    assert runs == ["standby", "default"]
    assert bound - 0.5 < waited < bound + 1.5
    assert breaker.breaker_for("standby").is_open


def test_a_download_whose_server_goes_silent_ends_within_its_bound(proxy):
    connections["standby"].settings_dict["OPTIONS"]["options"] = "-c statement_timeout=1000"
    bound = connections["standby"].statement_seconds
    rows = "select n, repeat('x', 200) from generate_series(1, 200000) as n"
    download = copy_csv("standby", rows)
    assert next(download).startswith(b"n,repeat")
    proxy.silence()

    started = time.monotonic()
    with pytest.raises(OperationalError) as raised:
        for _ in download:
            pass
    waited = time.monotonic() - started

    assert "stopped answering" in str(raised.value)
    assert db_errors.server_gone(raised.value), "the breaker must read it as a lost server"
    assert waited < bound + 1.5, f"the download hung for {waited:.1f} s"
