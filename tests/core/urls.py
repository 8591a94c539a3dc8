"""Views that exist only for the routing tests, served through the real request stack."""

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_not_required
from django.db import connections
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path
from django.views import View

from core.routing import read_from
from timetrack.models import Timecard


def _which_connection_counted() -> dict[str, int]:
    return {"count": Timecard.objects.count()}


@login_not_required
@read_from("standby")
def sync_report(request):
    return JsonResponse(_which_connection_counted())


@login_not_required
def unscoped_page(request):
    return JsonResponse(_which_connection_counted())


@login_not_required
@read_from("standby")
async def async_report(request):
    return JsonResponse(await sync_to_async(_which_connection_counted)())


@login_not_required
@read_from("standby")
def streaming_export(request):
    def rows():
        for timecard in Timecard.objects.order_by("pk").iterator(chunk_size=2):
            yield f"{timecard.pk},{timecard._state.db}\n"

    return StreamingHttpResponse(rows(), content_type="text/csv")


@read_from("standby")
class ClassReport(View):
    def get(self, request):
        return HttpResponse(str(Timecard.objects.count()))


@login_not_required
@read_from("standby")
def write_inside_scope(request):
    Timecard.objects.filter(pk=int(request.GET["pk"])).update(description="written")
    return HttpResponse(connections["default"].vendor)


urlpatterns = [
    path("sync/", sync_report),
    path("plain/", unscoped_page),
    path("async/", async_report),
    path("stream/", streaming_export),
    path("class/", login_not_required(ClassReport.as_view())),
    path("write/", write_inside_scope),
]
