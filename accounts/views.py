"""A person's own profile: who they are to the site, and where their time stands."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from timetrack import selectors


def profile(request: HttpRequest) -> HttpResponse:
    """Who the person is to the site (rate, target) and where their time stands.

    The summary reads through ``profile.timecards``, the model property, so it is the
    same list of timecards the person sees under "My timecards".
    """
    profile = request.user.profile
    today = timezone.localdate()
    week_start = today - datetime.timedelta(days=today.weekday())
    week_end = week_start + datetime.timedelta(days=6)
    week_hours = selectors.hours_between(profile, week_start, week_end)
    summary = selectors.timecard_status_summary(profile)
    return render(
        request,
        "accounts/profile.html",
        {
            "nav": "profile",
            "profile": profile,
            "summary": summary,
            "has_timecards": any(row["count"] for row in summary),
            "week_start": week_start,
            "week_end": week_end,
            "week_hours": week_hours,
            "week_left": max(profile.weekly_hours_target - week_hours, 0),
        },
    )
