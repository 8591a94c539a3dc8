"""The site's own URLs plus scoped pages the failure tests need: one whose query outlives
its statement timeout, one, for any method, that loses its standby midway, and ones that
write in every way a statement can before their standby is lost."""

import asyncio
from collections.abc import Callable

import psycopg2
from django.contrib.auth.decorators import login_not_required
from django.db import connections, router, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.http import HttpResponse, JsonResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from core.routing import in_scope, read_decision, read_from
from timetrack.models import Client, Timecard


@read_from("standby")
def too_slow_report(request):
    with connections[router.db_for_read(Timecard)].cursor() as cursor:
        cursor.execute("set statement_timeout = '50ms'")
        cursor.execute("select pg_sleep(2)")
    return HttpResponse("finished")


RUNS: list[str] = []
"""Where each run of ``loses_its_standby`` read (the test empties it)."""


def lose_the_standby_connection() -> None:
    """Have the standby end this thread's connection to it, as a restarting standby does."""
    with connections["standby"].cursor() as cursor:
        cursor.execute("select pg_backend_pid()")
        (pid,) = cursor.fetchone()
    killer = psycopg2.connect(**connections["standby"].get_connection_params())
    try:
        killer.autocommit = True
        with killer.cursor() as cursor:
            cursor.execute("select pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()


@read_from("standby")
def loses_its_standby(request):
    """Reads, loses the standby on its first run, then reads again."""
    RUNS.append(router.db_for_read(Timecard))
    count = Timecard.objects.count()
    if len(RUNS) == 1:
        lose_the_standby_connection()
    count = Timecard.objects.count()
    return HttpResponse(f"{count} timecards, read on {router.db_for_read(Timecard)}")


def _run(sql: str, params: list | None = None) -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)


def _client_name(case: str) -> str:
    return f"{case} run {len(RUNS)}"


INSERT_CLIENT = "insert into timetrack_client (name, created_at) values (%s, now())"

WRITES: dict[str, Callable[[], object]] = {
    "two statements": lambda: _run(f"select 1; {INSERT_CLIENT}", [_client_name("two statements")]),
    "select into": lambda: _run("select 1 as a into written_by_select_into"),
    "parenthesised cte": lambda: _run(
        f"(with added as ({INSERT_CLIENT} returning id) select id from added)",
        [_client_name("parenthesised cte")],
    ),
    "writing function": lambda: _run("select add_client(%s)", [_client_name("writing function")]),
    "nextval": lambda: _run("select nextval('timetrack_client_id_seq')"),
    "queryset update": lambda: Client.objects.update(name=Concat(F("name"), Value("+"))),
    "bulk_create": lambda: Client.objects.bulk_create([Client(name=_client_name("bulk_create"))]),
    "select_for_update": lambda: _locked_read(),
}
"""Each way a statement on the primary can write, some of which look like reads."""


def _locked_read() -> None:
    with transaction.atomic():
        list(Client.objects.select_for_update().order_by("pk")[:1])


@read_from("standby")
def writes_then_loses_its_standby(request, case: str):
    """Reads the standby, writes on the primary, loses the standby, reads it again.

    The last read goes to the member the scope chose, as a read built before the write
    and evaluated after it would: it fails, and the view must not be run again.
    """
    member = read_decision().database
    RUNS.append(member)
    Timecard.objects.count()
    WRITES[case]()
    lose_the_standby_connection()
    Timecard.objects.using(member).count()
    return HttpResponse("written")


@read_from("standby")
def inserts_through_raw(request):
    """``raw()`` routes as a read: the standby refuses the INSERT, the primary runs it."""
    RUNS.append(read_decision().database)
    sql = f"{INSERT_CLIENT} returning *"
    added = list(Client.objects.raw(sql, [_client_name("raw")]))
    return HttpResponse(f"{len(added)} added on {added[0]._state.db}")


def _read_in_a_thread() -> str:
    """Count the timecards where the scope reads; the database that served it."""
    Timecard.objects.count()
    where = router.db_for_read(Timecard)
    connections.close_all()  # a pool's thread outlives the request
    return where


@login_not_required
@read_from("standby")
async def async_view_hands_work_to_threads(request):
    """On the event loop: in_scope, a thread pool, read_decision(). Nothing may query here."""
    loop = asyncio.get_running_loop()
    work = in_scope(_read_in_a_thread)
    pooled = await loop.run_in_executor(None, work)
    threaded = await asyncio.to_thread(work)
    return JsonResponse(
        {"pooled": pooled, "threaded": threaded, "decision": read_decision().database}
    )


@login_not_required
async def async_block_hands_work_to_threads(request):
    """``async with``: decided on entry, in a worker thread."""
    async with read_from("standby"):
        decision = read_decision().database
        pooled = await asyncio.get_running_loop().run_in_executor(None, in_scope(_read_in_a_thread))
    return JsonResponse({"pooled": pooled, "decision": decision})


urlpatterns = [
    path("async-threads/", async_view_hands_work_to_threads),
    path("async-block-threads/", async_block_hands_work_to_threads),
    path("too-slow/", too_slow_report),
    path("loses-its-standby/", loses_its_standby),
    path("writes-then-loses-its-standby/<str:case>/", writes_then_loses_its_standby),
    path("inserts-through-raw/", inserts_through_raw),
    *site_urlpatterns,
]
