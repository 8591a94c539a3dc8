"""A logged-in session for the load generator: the staff demo user's session cookie.

Run as ``python -m bench.session``: logs in with the test ``Client`` (a session row on
the primary, as a browser's login would make) and hands back the cookie's name and value.
"""

from __future__ import annotations

import argparse

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from bench import env  # noqa: E402
from timetrack.demo import STAFF_USERNAME  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    client = Client()
    client.force_login(get_user_model().objects.get(username=STAFF_USERNAME))
    name = settings.SESSION_COOKIE_NAME
    env.write_json(args.out, {"name": name, "value": client.cookies[name].value})


if __name__ == "__main__":
    main()
