"""The report pages, under /reports/."""

from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("hours/", views.hours, name="hours"),
    path("unbilled/", views.unbilled, name="unbilled"),
    path("invoices/", views.invoices, name="invoices"),
    path("timecards.csv", views.timecards_csv, name="timecards_csv"),
]
