"""Views for the concurrency test: each one reports the alias every query of it ran on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_not_required
from django.db import connections
from django.http import JsonResponse
from django.urls import path

from core.routing import read_from, requested_group
from timetrack.models import Timecard


@contextmanager
def _recording() -> Iterator[list[str]]:
    """Record, per query, the alias whose connection really ran it."""
    ran_on: list[str] = []

    def wrapper_for(alias):
        def record(execute, sql, params, many, context):
            ran_on.append(alias)
            return execute(sql, params, many, context)

        return record

    with ExitStack() as stack:
        for alias in ("default", "standby"):
            stack.enter_context(connections[alias].execute_wrapper(wrapper_for(alias)))
        yield ran_on


def _read_twice() -> dict:
    with _recording() as ran_on:
        Timecard.objects.count()
        list(Timecard.objects.values_list("pk", flat=True)[:5])
    return {"scope": requested_group(), "ran_on": ran_on}


@login_not_required
@read_from("standby")
def scoped_report(request):
    return JsonResponse(_read_twice())


@login_not_required
def unscoped_page(request):
    return JsonResponse(_read_twice())


@login_not_required
@read_from("standby")
def write_in_scope(request):
    with _recording() as ran_on:
        Timecard.objects.filter(pk=int(request.GET["pk"])).update(description=request.GET["n"])
    return JsonResponse({"scope": requested_group(), "ran_on": ran_on})


@login_not_required
@read_from("standby")
async def async_scoped_report(request):
    await asyncio.sleep(0)  # let the other tasks on the loop run in between
    first = await sync_to_async(_read_twice)()
    await asyncio.sleep(0)
    second = await sync_to_async(_read_twice)()
    ran_on = first["ran_on"] + second["ran_on"]
    return JsonResponse({"scope": requested_group(), "ran_on": ran_on})


@login_not_required
async def async_unscoped_page(request):
    await asyncio.sleep(0)
    result = await sync_to_async(_read_twice)()
    await asyncio.sleep(0)
    return JsonResponse(result)


urlpatterns = [
    path("report/", scoped_report),
    path("page/", unscoped_page),
    path("write/", write_in_scope),
    path("async-report/", async_scoped_report),
    path("async-page/", async_unscoped_page),
]
