"""Top-level URLs: each app brings its own, under its namespace."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from metrics.views import metrics

# Django's sidebar of every app takes 300 px of a laptop's width from the change lists,
# and pushed their last column (a timecard's status) out of view; the admin's home page
# and breadcrumbs lead to every model.
admin.site.enable_nav_sidebar = False
admin.site.site_header = "Timecards & Invoices administration"
admin.site.site_title = "Timecards & Invoices admin"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="timetrack:timecard_list"), name="home"),
    path("accounts/", include("accounts.urls")),
    path("reports/", include("reports.urls")),
    path("", include("timetrack.urls")),
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="metrics"),  # Prometheus' default path
]

handler500 = "core.routing.middleware.server_error"
"""A database server lost outside a view answers 503, as inside one."""
