"""Many concurrent mixed requests: every query runs where its own request's scope says.

Threads stand for a gthread gunicorn worker, tasks on one event loop for an ASGI server.
A scope that leaked from one request to another would send some reads of an unscoped
page to the standby, or some reads of a report to the primary.
"""

from __future__ import annotations

import asyncio
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from django.db import connections
from django.test import AsyncClient, Client

from timetrack.factories import TimecardFactory
from timetrack.models import Timecard

pytestmark = [
    pytest.mark.django_db(transaction=True, databases="__all__"),
    pytest.mark.urls("tests.core.stress_urls"),
]

THREADS = 8
REQUESTS_PER_THREAD = 40
TASKS = 60


def _expected(path: str) -> tuple[str | None, str]:
    """The scope a response must report and the alias all its queries must have run on."""
    if "report" in path:
        return "standby", "standby"
    if "write" in path:
        return "standby", "default"
    return None, "default"


def test_threads_serving_mixed_requests_never_mix_their_scopes():
    timecards = TimecardFactory.create_batch(3)
    start = threading.Barrier(THREADS)
    paths = ["/report/", "/page/", "/write/"]

    def worker(seed: int) -> list[tuple[str, dict]]:
        rng = random.Random(seed)
        start.wait()
        results = []
        try:
            for n in range(REQUESTS_PER_THREAD):
                path = rng.choice(paths)
                url = f"{path}?pk={rng.choice(timecards).pk}&n=t{seed}-{n}"
                # A new browser each time: a write pins its browser to the primary
                # (read-your-writes, tested on its own), which is not what is tested here.
                response = Client().get(url)
                assert response.status_code == 200, response.content
                results.append((path, response.json()))
        finally:
            connections.close_all()
        return results

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = [row for rows in pool.map(worker, range(THREADS)) for row in rows]

    assert len(outcomes) == THREADS * REQUESTS_PER_THREAD
    assert {path for path, _ in outcomes} == set(paths)
    for path, result in outcomes:
        scope, alias = _expected(path)
        assert result["scope"] == scope, (path, result)
        assert result["ran_on"], (path, result)
        assert set(result["ran_on"]) == {alias}, (path, result)
    written = set(Timecard.objects.values_list("description", flat=True))
    assert any(description.startswith("t") for description in written)


def test_async_tasks_on_one_loop_never_mix_their_scopes():
    TimecardFactory.create_batch(2)
    paths = ["/async-report/", "/async-page/"]
    rng = random.Random(7)
    chosen = [rng.choice(paths) for _ in range(TASKS)]

    async def scenario():
        client = AsyncClient()
        return await asyncio.gather(*(client.get(path) for path in chosen))

    # From this thread, so that the views' sync_to_async calls run on its connections.
    responses = async_to_sync(scenario)()
    assert set(chosen) == set(paths)
    for path, response in zip(chosen, responses, strict=True):
        assert response.status_code == 200
        result = response.json()
        scope, alias = _expected(path)
        assert result["scope"] == scope, (path, result)
        assert result["ran_on"] and set(result["ran_on"]) == {alias}, (path, result)
