"""Async code under a real ASGI server: nothing queries the standbys on the event loop.

The status of each member is cached for a few seconds; when it is cold, deciding where a
scope reads queries the members (and samples the primary). On the event loop that would
raise ``SynchronousOnlyOperation`` (or block every request of the loop while it waits),
so the scope of an async view, and of an ``async with`` block, decides in a worker thread
before its body runs, and ``in_scope`` decides nothing itself. Each request here goes
through uvicorn, over HTTP, with the status cache emptied first.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
import uvicorn
from django.db import connections

from config.asgi import application
from core.routing import breaker, status
from timetrack.factories import TimecardFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,  # a server started and stopped
    pytest.mark.django_db(transaction=True, databases="__all__"),
    pytest.mark.urls("tests.postgres.urls"),
]


@pytest.fixture
def asgi_server(monkeypatch) -> Iterator[str]:
    """uvicorn serving the site's ASGI application in a thread; its base URL.

    Its requests run in threads of their own: their connections close as each request
    ends (no ``CONN_MAX_AGE``), so none is left open on the test database afterwards.
    """
    for alias in connections:
        monkeypatch.setitem(connections.settings[alias], "CONN_MAX_AGE", 0)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            application, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {"body": error.read().decode()[:500]}


@pytest.mark.parametrize("page", ["/async-threads/", "/async-block-threads/"])
def test_async_scopes_decide_off_the_loop_with_the_status_cache_cold(
    asgi_server, page, wait_for_replay
):
    TimecardFactory()
    wait_for_replay()
    for _ in range(3):
        status.clear_cache()  # cold: deciding must query the standby and the primary
        breaker.reset_breakers()
        code, body = _get(asgi_server + page)
        assert code == 200, body
        assert body.pop("decision") == "standby"
        assert set(body.values()) == {"standby"}, body
