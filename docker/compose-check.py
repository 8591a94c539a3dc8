"""The compose stack checked from outside, as a person and an operator would (make compose-test).

Run by docker/compose-test.sh once `make up` and `make compose-seed` are done, with the
host's Python (standard library only). As the staff demo user, through the site's
published port: a report page is served by the standby container; the standby answers
``pg_is_in_recovery()`` true; a timecard saved through the site appears on the standby;
with the standby container stopped the report pages still answer 200 from the primary
with the notice, and once it is started again they return to it. Each wait polls the
state it waits for, within a deadline.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMPOSE = shlex.split(os.environ.get("COMPOSE", "docker-compose"))
SERVED_BY = re.compile(r"Served by <strong>(\w+)</strong>")
NOTICE = re.compile(r'<p class="message warning notice" role="status">(.*?)</p>', re.S)
UNREACHABLE = "The reporting replica is unavailable, so this page reads from the primary."
RETRIED = "The reporting replica failed during this page, so it was read from the primary."
STAFF, PASSWORD = "demo", "demo-password"  # the demo data's staff login (seed)
REPORT_PAGES = ("/reports/", "/reports/hours/", "/reports/unbilled/", "/reports/invoices/")
DEADLINE_SECONDS = 90


def dotenv() -> dict[str, str]:
    values = {}
    for line in (REPO / ".env").read_text().splitlines():
        name, separator, value = line.partition("=")
        if separator and not name.lstrip().startswith("#"):
            values[name.strip()] = value.strip()
    return {**values, **os.environ}


SETTINGS = dotenv()
SITE = f"http://127.0.0.1:{SETTINGS.get('WEB_HOST_PORT', '8000')}"


class _PlainHttpPolicy(http.cookiejar.DefaultCookiePolicy):
    """Send the site's Secure cookies back over plain HTTP on loopback, as browsers do
    for localhost."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: object) -> bool:
        return True


class Browser:
    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar(policy=_PlainHttpPolicy())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(SITE + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path: str, fields: dict[str, str]) -> str:
        """Send a form as the page would (its CSRF token); the URL it ended on."""
        token = next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(SITE + path, data=data, method="POST")
        with self.opener.open(request, timeout=30) as response:
            response.read()
            return response.geturl()

    def forget(self, name: str) -> None:
        for cookie in [cookie for cookie in self.jar if cookie.name == name]:
            self.jar.clear(cookie.domain, cookie.path, cookie.name)


def served_by(page: str) -> tuple[str, str]:
    match = SERVED_BY.search(page)
    assert match, "the report page does not say which database served it"
    notice = NOTICE.search(page)
    return match.group(1), notice.group(1).strip() if notice else ""


def compose(*args: str) -> str:
    result = subprocess.run(
        [*COMPOSE, *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def on_standby(sql: str) -> str:
    """One value from the standby container, over its local socket."""
    user, database = SETTINGS["POSTGRES_USER"], SETTINGS.get("POSTGRES_DB", "timetrack")
    return compose(
        "exec", "-T", "standby", "psql", "--no-psqlrc", "--tuples-only", "--no-align",
        "--username", user, "--dbname", database, "--command", sql,
    )  # fmt: skip


def until(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        try:
            if condition():
                return
        except AssertionError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.5)


def step(text: str) -> None:
    print(f"compose-check: {text}", file=sys.stderr, flush=True)


def main() -> None:
    browser = Browser()
    browser.get("/accounts/login/")
    assert browser.post("/accounts/login/", {"username": STAFF, "password": PASSWORD}).endswith(
        "/timecards/"
    ), "the staff demo user could not log in"

    # A standby that has just started may still be replaying the seed: wait for it once.
    until(lambda: served_by(browser.get("/reports/")[1]) == ("standby", ""), "the standby")
    for path in REPORT_PAGES:
        status, page = browser.get(path)
        assert status == 200, f"{path} answered {status}"
        assert served_by(page) == ("standby", ""), f"{path}: {served_by(page)}"
    step("the report pages are served by the standby container")

    assert on_standby("select pg_is_in_recovery()") == "t"
    step("the standby container is in recovery")

    description = f"compose check {uuid.uuid4().hex[:12]}"
    _, form = browser.get("/timecards/new/")
    project = re.search(r'<option value="(\d+)"', form)
    assert project, "the Log time form offers no project"
    landed = browser.post(
        "/timecards/new/",
        {
            "project": project.group(1),
            "date": time.strftime("%Y-%m-%d"),
            "hours": "1.25",
            "description": description,
            "billable": "on",
        },
    )
    assert landed.endswith("/timecards/"), f"saving a timecard ended on {landed}"
    saved = f"select count(*) from timetrack_timecard where description = '{description}'"
    until(lambda: on_standby(saved) == "1", "the saved timecard on the standby")
    step("a timecard saved through the site is on the standby")

    browser.forget("read_position")  # from here, someone who saved nothing a moment ago
    compose("stop", "standby")
    try:
        # A page may choose the standby from a status its worker process cached a moment
        # before the standby stopped: its query fails, and the page is read again from the
        # primary, with a notice that says so. That worker's breaker is open from then on.
        for path in (*REPORT_PAGES, *REPORT_PAGES):
            status, page = browser.get(path)
            assert status == 200, f"{path} answered {status} with the standby stopped"
            alias, notice = served_by(page)
            assert (alias, notice in {RETRIED, UNREACHABLE}) == ("default", True), (
                f"{path}: {alias}, {notice}"
            )
        step("with the standby stopped, the reports answer 200 from the primary, with the notice")
    finally:
        compose("start", "standby")
    until(lambda: on_standby("select pg_is_in_recovery()") == "t", "the standby to start")
    until(
        lambda: served_by(browser.get("/reports/")[1]) == ("standby", ""),
        "the reports to return to the standby",
    )
    step("with the standby started again, the reports are back on it")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as error:
        print(f"compose-check: FAILED: {error}", file=sys.stderr)
        sys.exit(1)
