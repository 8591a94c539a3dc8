"""The site's own URLs plus scoped pages the failure tests need: one whose query outlives
its statement timeout, and one, for any method, that loses its standby midway."""

import psycopg2
from django.db import connections, router
from django.http import HttpResponse
from django.urls import path

from core.routing import read_from
from core.urls import urlpatterns as site_urlpatterns
from timetrack.models import Timecard


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


urlpatterns = [
    path("too-slow/", too_slow_report),
    path("loses-its-standby/", loses_its_standby),
    *site_urlpatterns,
]
