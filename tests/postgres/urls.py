"""The site's own URLs plus a scoped page whose query outlives its statement timeout."""

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


urlpatterns = [path("too-slow/", too_slow_report), *site_urlpatterns]
