"""The semantics of the read scope itself: nesting, exceptions, threads, tasks, streams.

These need no database: they prove what ``requested_group()`` answers where.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.http import HttpResponse, StreamingHttpResponse
from django.template import engines
from django.template.response import SimpleTemplateResponse
from django.test import RequestFactory
from django.views import View

from core.routing import in_scope, read_from, requested_group
from core.routing.carry import ContextBoundGenerator


class Boom(Exception):
    pass


def test_no_scope_means_none():
    assert requested_group() is None


def test_context_manager_sets_and_restores():
    with read_from("standby") as scope:
        assert requested_group() == "standby"
        assert scope.group == "standby"
    assert requested_group() is None


def test_nested_scopes_restore_the_outer_one():
    with read_from("standby"):
        with read_from("default"):
            assert requested_group() == "default"
            with read_from("archive"):
                assert requested_group() == "archive"
            assert requested_group() == "default"
        assert requested_group() == "standby"
    assert requested_group() is None


def test_one_instance_nests_with_itself():
    standby = read_from("standby")
    with read_from("default"), standby:
        with standby:
            assert requested_group() == "standby"
        assert requested_group() == "standby"
    assert requested_group() is None


def test_an_exception_restores_the_outer_scope():
    with read_from("standby"):
        with pytest.raises(Boom), read_from("default"):
            raise Boom
        assert requested_group() == "standby"
    assert requested_group() is None


def test_decorated_function_runs_in_scope_and_restores_after_an_exception():
    @read_from("standby")
    def report():
        return requested_group()

    @read_from("standby")
    def failing_report():
        raise Boom

    with read_from("default"):
        assert report() == "standby"
        with pytest.raises(Boom):
            failing_report()
        assert requested_group() == "default"
    assert report.__name__ == "report"


def test_bad_alias_and_bad_target_are_type_errors():
    with pytest.raises(TypeError, match="name of a group"):
        read_from("")
    with pytest.raises(TypeError, match="cannot decorate"):
        read_from("standby")(42)
    with pytest.raises(TypeError, match="dispatch"):
        read_from("standby")(type("NotAView", (), {}))


def test_threads_never_see_each_others_scope():
    """Two threads interleave inside different scopes, as in a gthread worker."""
    inside = threading.Barrier(3)
    checked = threading.Barrier(3)
    seen: dict[str, list[str | None]] = {}

    def request(name: str, alias: str | None) -> None:
        observations = []
        if alias is None:
            inside.wait()
            observations.append(requested_group())
            checked.wait()
        else:
            with read_from(alias):
                inside.wait()
                observations.append(requested_group())
                checked.wait()
        observations.append(requested_group())
        seen[name] = observations

    threads = [
        threading.Thread(target=request, args=("report", "standby")),
        threading.Thread(target=request, args=("other-report", "archive")),
        threading.Thread(target=request, args=("form", None)),
    ]
    with read_from("main-thread"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert requested_group() == "main-thread"
    assert seen == {
        "report": ["standby", None],
        "other-report": ["archive", None],
        "form": [None, None],
    }


def test_asyncio_tasks_on_one_loop_never_see_each_others_scope():
    async def scenario():
        entered = asyncio.Event()
        released = asyncio.Event()

        @read_from("standby")
        async def report():
            entered.set()
            await released.wait()
            return requested_group()

        async def unscoped_page():
            await entered.wait()
            alias = requested_group()
            released.set()
            return alias

        return await asyncio.gather(report(), unscoped_page())

    assert asyncio.run(scenario()) == ["standby", None]


def test_async_scope_is_restored_after_an_exception():
    @read_from("standby")
    async def failing():
        await asyncio.sleep(0)
        raise Boom

    async def scenario():
        with pytest.raises(Boom):
            await failing()
        return requested_group()

    assert asyncio.run(scenario()) is None


def test_generator_functions_are_refused_with_a_clear_message():
    """Their body runs after the call returned, outside any scope the call could open."""

    def rows():
        yield requested_group()

    async def async_rows():
        yield requested_group()

    for generator_function in (rows, async_rows):
        with pytest.raises(TypeError, match="cannot decorate the generator function"):
            read_from("standby")(generator_function)


def test_a_streamed_body_keeps_a_nested_scope_across_yields():
    def rows():
        yield requested_group()
        with read_from("default"):
            yield requested_group()
            yield requested_group()
        yield requested_group()

    @read_from("standby")
    def export(request):
        return StreamingHttpResponse(rows())

    with read_from("archive"):
        response = export(RequestFactory().get("/"))
        assert list(response.streaming_content) == [b"standby", b"default", b"default", b"standby"]
        assert requested_group() == "archive"


def test_send_throw_and_close_of_a_carried_generator_run_in_scope():
    log = []

    def echo():
        try:
            while True:
                try:
                    received = yield requested_group()
                    log.append((received, requested_group()))
                except Boom:
                    log.append(("thrown", requested_group()))
        finally:
            log.append(("closed", requested_group()))

    with read_from("standby"):
        context = contextvars.copy_context()
    generator = ContextBoundGenerator(echo(), context)
    assert next(generator) == "standby"
    assert generator.send("hello") == "standby"
    assert generator.throw(Boom) == "standby"
    generator.close()
    assert log == [("hello", "standby"), ("thrown", "standby"), ("closed", "standby")]


def test_decorated_class_based_view():
    @read_from("standby")
    class ReportView(View):
        def get(self, request):
            return HttpResponse(requested_group())

    response = ReportView.as_view()(RequestFactory().get("/"))
    assert response.content == b"standby"
    assert requested_group() is None


def test_async_class_based_view_keeps_the_scope_while_its_handler_is_awaited():
    @read_from("standby")
    class AsyncReportView(View):
        async def get(self, request):
            await asyncio.sleep(0)
            return HttpResponse(requested_group())

    async def scenario():
        response = await AsyncReportView.as_view()(RequestFactory().get("/"))
        return response.content, requested_group()

    assert asyncio.run(scenario()) == (b"standby", None)


def test_streaming_response_is_consumed_in_scope_after_the_view_returned():
    @read_from("standby")
    def export(request):
        def chunks():
            for _ in range(3):
                yield f"{requested_group()}\n"

        return StreamingHttpResponse(chunks())

    response = export(RequestFactory().get("/"))
    assert requested_group() is None
    assert b"".join(response.streaming_content) == b"standby\nstandby\nstandby\n"


def test_async_streaming_response_is_consumed_in_scope():
    @read_from("standby")
    async def export(request):
        async def chunks():
            for _ in range(2):
                await asyncio.sleep(0)
                yield f"{requested_group()}\n"

        return StreamingHttpResponse(chunks())

    async def scenario():
        response = await export(RequestFactory().get("/"))
        return [chunk async for chunk in response.streaming_content]

    assert asyncio.run(scenario()) == [b"standby\n", b"standby\n"]


def test_template_response_is_rendered_inside_the_scope():
    template = engines["django"].from_string("{{ alias }}")

    class Lazy:
        def __str__(self):
            return str(requested_group())

    @read_from("standby")
    def page(request):
        return SimpleTemplateResponse(template, {"alias": Lazy()})

    response = page(RequestFactory().get("/"))
    assert response.is_rendered
    assert response.content == b"standby"


def test_one_instance_serves_with_blocks_of_several_threads_at_once():
    shared = read_from("standby")
    inside = threading.Barrier(2)
    seen: list[tuple[str | None, str | None]] = []

    def block() -> None:
        with shared:
            inside.wait()
            during = requested_group()
            inside.wait()
        seen.append((during, requested_group()))

    threads = [threading.Thread(target=block) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert seen == [("standby", None), ("standby", None)]


# --- Work handed to other threads ------------------------------------------------------
# sync_to_async and asyncio.to_thread copy the caller's context into their thread; a
# plain thread, a ThreadPoolExecutor and loop.run_in_executor start with an empty one.
# in_scope carries the scope into those. ("default" is not asked for a decision.)


def test_a_thread_pool_starts_without_the_scope_and_in_scope_carries_it():
    with read_from("default"), ThreadPoolExecutor(max_workers=2) as pool:
        bare = pool.submit(requested_group).result()
        carried = list(pool.map(in_scope(lambda _: requested_group()), range(6)))
    assert bare is None
    assert carried == ["default"] * 6


def test_a_plain_thread_starts_without_the_scope_and_in_scope_carries_it():
    seen: list[str | None] = []
    with read_from("default"):
        for target in (lambda: seen.append(requested_group()),
                       in_scope(lambda: seen.append(requested_group()))):  # fmt: skip
            thread = threading.Thread(target=target)
            thread.start()
            thread.join()
    assert seen == [None, "default"]


def test_sync_to_async_and_to_thread_keep_the_scope_and_run_in_executor_does_not():
    async def handed_over() -> list[str | None]:
        with read_from("default"):
            loop = asyncio.get_running_loop()
            return [
                await sync_to_async(requested_group)(),
                await asyncio.to_thread(requested_group),
                await loop.run_in_executor(None, requested_group),
                await loop.run_in_executor(None, in_scope(requested_group)),
            ]

    assert asyncio.run(handed_over()) == ["default", "default", None, "default"]


def test_in_scope_outside_a_scope_runs_without_one():
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(in_scope(requested_group)).result() is None


# --- Async views: nothing queries on the event loop --------------------------------------


@pytest.mark.django_db(databases="__all__")
def test_an_async_views_template_is_rendered_off_the_event_loop():
    """A template that evaluates a queryset queries as it renders: in a worker thread."""
    template = engines["django"].from_string("{{ timecards.count }} on {{ where }}")

    @read_from("standby")
    async def report(request):
        from timetrack.models import Timecard

        return SimpleTemplateResponse(
            template, {"timecards": Timecard.objects.all(), "where": requested_group()}
        )

    async def scenario():
        response = await report(RequestFactory().get("/"))
        await sync_to_async(connections.close_all)()  # the worker thread's, not kept
        return response

    response = asyncio.run(scenario())
    assert response.content == b"0 on standby"


@pytest.mark.django_db(databases="__all__")
def test_an_async_class_based_view_decides_and_renders_off_the_event_loop():
    template = engines["django"].from_string("{{ timecards.count }}")

    @read_from("standby")
    class AsyncReport(View):
        async def get(self, request):
            from core.routing import read_decision
            from timetrack.models import Timecard

            decision = read_decision()  # on the loop: decided already, in a worker thread
            return SimpleTemplateResponse(
                template, {"timecards": Timecard.objects.all()}, headers={"X-Db": decision.database}
            )

    async def scenario():
        response = await AsyncReport.as_view()(RequestFactory().get("/"))
        await sync_to_async(connections.close_all)()  # the worker thread's, not kept
        return response.content, response["X-Db"]

    assert asyncio.run(scenario()) == (b"0", "standby")
