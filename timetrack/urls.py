"""Timecards, invoices, approvals and a person's profile; included at the site root."""

from django.urls import path

from timetrack import views

app_name = "timetrack"

urlpatterns = [
    path("timecards/", views.timecard_list, name="timecard_list"),
    path("timecards/new/", views.timecard_create, name="timecard_create"),
    path("timecards/<int:pk>/edit/", views.timecard_edit, name="timecard_edit"),
    path("timecards/<int:pk>/submit/", views.timecard_submit, name="timecard_submit"),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/new/", views.invoice_generate, name="invoice_generate"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/sent/", views.invoice_mark_sent, name="invoice_mark_sent"),
    path("invoices/<int:pk>/paid/", views.invoice_mark_paid, name="invoice_mark_paid"),
    path("approvals/", views.approval_queue, name="approval_queue"),
    path("approvals/review/", views.timecards_review, name="timecards_review"),
    path("approvals/<int:pk>/approve/", views.timecard_approve, name="timecard_approve"),
    path("approvals/<int:pk>/reject/", views.timecard_reject, name="timecard_reject"),
    # A person's own page shows their timecards, so it is this app's; its path is
    # under /accounts/, beside logging in and out, where people look for their own page.
    path("accounts/profile/", views.profile, name="profile"),
]
