"""Logged-in writers for sections 6 and 7 and ``make chaos``: staff people who log time.

Run as ``python -m bench.writers --people N``: makes (or reuses) N staff accounts named
``bench-writer-<n>`` on the benchmark's database, logs each in with the test ``Client``
(a session row on the primary, as a browser's login would make) and hands back the
session cookies and an active project to log time to. ``--clean`` deletes the timecards
they logged instead, so the benchmark leaves its database as it found it.
"""

from __future__ import annotations

import argparse

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from bench import env  # noqa: E402
from timetrack.models import Project, Timecard  # noqa: E402

PREFIX = "bench-writer-"


def writers(people: int) -> dict:
    users = get_user_model()
    cookies = []
    for number in range(people):
        user, _ = users.objects.get_or_create(
            username=f"{PREFIX}{number}", defaults={"is_staff": True}
        )
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    project = Project.objects.filter(is_active=True).order_by("pk").first()
    return {
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "cookies": cookies,
        "project": project.pk,
        "read_your_writes_seconds": settings.READ_YOUR_WRITES_SECONDS,
    }


def clean() -> dict:
    deleted, _ = Timecard.objects.filter(user__username__startswith=PREFIX).delete()
    return {"deleted": deleted}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--people", type=int, default=8)
    parser.add_argument("--clean", action="store_true")
    args = parser.parse_args()
    env.write_json(args.out, clean() if args.clean else writers(args.people))


if __name__ == "__main__":
    main()
