"""The semantics of the read scope itself: nesting, exceptions, threads, tasks, generators.

These need no database: they prove what ``current_read_alias()`` answers where.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from django.http import HttpResponse, StreamingHttpResponse
from django.template import engines
from django.template.response import SimpleTemplateResponse
from django.test import RequestFactory
from django.views import View

from core.routing import ReadFromMixin, current_read_alias, in_scope, read_from


class Boom(Exception):
    pass


def test_no_scope_means_none():
    assert current_read_alias() is None


def test_context_manager_sets_and_restores():
    with read_from("standby") as scope:
        assert current_read_alias() == "standby"
        assert scope.alias == "standby"
    assert current_read_alias() is None


def test_nested_scopes_restore_the_outer_one():
    with read_from("standby"):
        with read_from("default"):
            assert current_read_alias() == "default"
            with read_from("archive"):
                assert current_read_alias() == "archive"
            assert current_read_alias() == "default"
        assert current_read_alias() == "standby"
    assert current_read_alias() is None


def test_one_instance_nests_with_itself():
    standby = read_from("standby")
    with read_from("default"), standby:
        with standby:
            assert current_read_alias() == "standby"
        assert current_read_alias() == "standby"
    assert current_read_alias() is None


def test_an_exception_restores_the_outer_scope():
    with read_from("standby"):
        with pytest.raises(Boom), read_from("default"):
            raise Boom
        assert current_read_alias() == "standby"
    assert current_read_alias() is None


def test_decorated_function_runs_in_scope_and_restores_after_an_exception():
    @read_from("standby")
    def report():
        return current_read_alias()

    @read_from("standby")
    def failing_report():
        raise Boom

    with read_from("default"):
        assert report() == "standby"
        with pytest.raises(Boom):
            failing_report()
        assert current_read_alias() == "default"
    assert report.__name__ == "report"


def test_bad_alias_and_bad_target_are_type_errors():
    with pytest.raises(TypeError, match="database alias"):
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
            observations.append(current_read_alias())
            checked.wait()
        else:
            with read_from(alias):
                inside.wait()
                observations.append(current_read_alias())
                checked.wait()
        observations.append(current_read_alias())
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
        assert current_read_alias() == "main-thread"
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
            return current_read_alias()

        async def unscoped_page():
            await entered.wait()
            alias = current_read_alias()
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
        return current_read_alias()

    assert asyncio.run(scenario()) is None


def test_generator_keeps_the_scope_on_every_resumption():
    @read_from("standby")
    def rows():
        for _ in range(3):
            yield current_read_alias()

    generator = rows()  # created outside, consumed outside: the scope must still hold
    assert current_read_alias() is None
    seen = []
    for alias in generator:
        seen.append(alias)
        assert current_read_alias() is None, "the generator's scope leaked to its consumer"
    assert seen == ["standby", "standby", "standby"]


def test_generator_keeps_a_nested_scope_across_yields():
    @read_from("standby")
    def rows():
        yield current_read_alias()
        with read_from("default"):
            yield current_read_alias()
            yield current_read_alias()
        yield current_read_alias()

    with read_from("archive"):
        assert list(rows()) == ["standby", "default", "default", "standby"]
        assert current_read_alias() == "archive"


def test_generator_send_throw_and_close_run_in_scope():
    log = []

    @read_from("standby")
    def echo():
        try:
            while True:
                try:
                    received = yield current_read_alias()
                    log.append((received, current_read_alias()))
                except Boom:
                    log.append(("thrown", current_read_alias()))
        finally:
            log.append(("closed", current_read_alias()))

    generator = echo()
    assert next(generator) == "standby"
    assert generator.send("hello") == "standby"
    assert generator.throw(Boom) == "standby"
    generator.close()
    assert log == [("hello", "standby"), ("thrown", "standby"), ("closed", "standby")]


def test_async_generator_keeps_the_scope_and_does_not_leak_it():
    @read_from("standby")
    async def rows():
        for _ in range(2):
            await asyncio.sleep(0)
            yield current_read_alias()

    async def scenario():
        seen = []
        async for alias in rows():
            seen.append((alias, current_read_alias()))
        return seen

    assert asyncio.run(scenario()) == [("standby", None), ("standby", None)]


def test_decorated_class_based_view():
    @read_from("standby")
    class ReportView(View):
        def get(self, request):
            return HttpResponse(current_read_alias())

    response = ReportView.as_view()(RequestFactory().get("/"))
    assert response.content == b"standby"
    assert current_read_alias() is None


def test_mixin_class_based_view():
    class ReportView(ReadFromMixin, View):
        read_alias = "standby"

        def get(self, request):
            return HttpResponse(current_read_alias())

    class PlainView(ReadFromMixin, View):
        def get(self, request):
            return HttpResponse(str(current_read_alias()))

    assert ReportView.as_view()(RequestFactory().get("/")).content == b"standby"
    assert PlainView.as_view()(RequestFactory().get("/")).content == b"None"


def test_async_class_based_view_keeps_the_scope_while_its_handler_is_awaited():
    @read_from("standby")
    class AsyncReportView(View):
        async def get(self, request):
            await asyncio.sleep(0)
            return HttpResponse(current_read_alias())

    async def scenario():
        response = await AsyncReportView.as_view()(RequestFactory().get("/"))
        return response.content, current_read_alias()

    assert asyncio.run(scenario()) == (b"standby", None)


def test_streaming_response_is_consumed_in_scope_after_the_view_returned():
    @read_from("standby")
    def export(request):
        def chunks():
            for _ in range(3):
                yield f"{current_read_alias()}\n"

        return StreamingHttpResponse(chunks())

    response = export(RequestFactory().get("/"))
    assert current_read_alias() is None
    assert b"".join(response.streaming_content) == b"standby\nstandby\nstandby\n"


def test_async_streaming_response_is_consumed_in_scope():
    @read_from("standby")
    async def export(request):
        async def chunks():
            for _ in range(2):
                await asyncio.sleep(0)
                yield f"{current_read_alias()}\n"

        return StreamingHttpResponse(chunks())

    async def scenario():
        response = await export(RequestFactory().get("/"))
        return [chunk async for chunk in response.streaming_content]

    assert asyncio.run(scenario()) == [b"standby\n", b"standby\n"]


def test_template_response_is_rendered_inside_the_scope():
    template = engines["django"].from_string("{{ alias }}")

    class Lazy:
        def __str__(self):
            return str(current_read_alias())

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
            during = current_read_alias()
            inside.wait()
        seen.append((during, current_read_alias()))

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
        bare = pool.submit(current_read_alias).result()
        carried = list(pool.map(in_scope(lambda _: current_read_alias()), range(6)))
    assert bare is None
    assert carried == ["default"] * 6


def test_a_plain_thread_starts_without_the_scope_and_in_scope_carries_it():
    seen: list[str | None] = []
    with read_from("default"):
        for target in (lambda: seen.append(current_read_alias()),
                       in_scope(lambda: seen.append(current_read_alias()))):  # fmt: skip
            thread = threading.Thread(target=target)
            thread.start()
            thread.join()
    assert seen == [None, "default"]


def test_sync_to_async_and_to_thread_keep_the_scope_and_run_in_executor_does_not():
    async def handed_over() -> list[str | None]:
        with read_from("default"):
            loop = asyncio.get_running_loop()
            return [
                await sync_to_async(current_read_alias)(),
                await asyncio.to_thread(current_read_alias),
                await loop.run_in_executor(None, current_read_alias),
                await loop.run_in_executor(None, in_scope(current_read_alias)),
            ]

    assert asyncio.run(handed_over()) == ["default", "default", None, "default"]


def test_in_scope_outside_a_scope_runs_without_one():
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(in_scope(current_read_alias)).result() is None
