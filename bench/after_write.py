"""Section 6: reports right after a save, read-your-writes by time window and by WAL position.

The people who read reports are the people who just logged time. Here a load of staff
people, one thread each, do what they do: open the "Log time" form, save a timecard,
follow the redirect to their timecards, then open a report page. gunicorn serves the
site (the web image's settings) twice, once with ``READ_YOUR_WRITES_BY=window`` (the
browser reads the primary for ``READ_YOUR_WRITES_SECONDS`` after a save) and once with
``wal`` (it reads any standby that has replayed its save). Each report page says which
database served it ("Served by"): the figure is the primary's share of those pages.

The cost of the position check itself is measured apart, in one Django process
(``bench.position_check``): what deciding a scope's member costs with no pin, with a pin
the cached status already passes, and with one that needs the standby asked, and what
taking the primary's position costs a writing request.
"""

from __future__ import annotations

import http.cookiejar
import re
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter

from bench import env, throughput
from bench.stats import median, percentile

MODES = ("window", "wal")
REPORT_PAGE = "/reports/hours/"
SERVED_BY = re.compile(rb"Served by <strong>(\w+)</strong>")
DESCRIPTION = "bench: saved, then a report"


class _PlainHttpPolicy(http.cookiejar.DefaultCookiePolicy):
    """Send the site's Secure cookies back over the benchmark's plain HTTP on loopback.

    In production mode the session, CSRF and read-your-writes cookies are Secure (the
    site expects HTTPS in front of it); a browser behind a TLS proxy sends them back.
    """

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: object) -> bool:
        return True


class Person:
    """One browser: its cookies, and the pages it asks for."""

    def __init__(self, cookie_name: str, session: str, project: int) -> None:
        self.jar = http.cookiejar.CookieJar(policy=_PlainHttpPolicy())
        self.jar.set_cookie(_cookie(cookie_name, session))
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.project = project

    def get(self, path: str) -> bytes:
        with self.opener.open(f"http://{env.HOST}:{throughput.PORT}{path}", timeout=60) as page:
            return page.read()

    def save_timecard(self, day: str) -> None:
        """The "Log time" form, filled and sent; the redirect is followed, as a browser does."""
        self.get("/timecards/new/")
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "project": self.project,
                "date": day,
                "hours": "0.25",
                "description": DESCRIPTION,
                "billable": "on",
            }
        ).encode()
        request = urllib.request.Request(
            f"http://{env.HOST}:{throughput.PORT}/timecards/new/", data=form, method="POST"
        )
        with self.opener.open(request, timeout=60) as page:
            if not page.geturl().endswith("/timecards/"):
                raise RuntimeError(f"saving a timecard did not redirect: {page.geturl()}")
            page.read()


def _cookie(name: str, value: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        0, name, value, None, False, env.HOST, True, False, "/", True, False, None, True,
        None, None, {},
    )  # fmt: skip


def one_mode(db: str, mode: str, writers: dict, iterations: int) -> dict:
    """Every person saves and then reads ``iterations`` times; who served the reports."""
    log = env.VAR / "gunicorn-after-write.log"
    process = throughput.start_gunicorn(db, "standby", log, READ_YOUR_WRITES_BY=mode)
    served: list[str] = []
    report_ms: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def person(session: str, number: int) -> None:
        browser = Person(writers["cookie_name"], session, writers["project"])
        try:
            browser.get(REPORT_PAGE)  # warm: templates, connections
            for iteration in range(iterations):
                # A day of its own for each save: no day reaches the 24-hour limit.
                day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400 * iteration))
                browser.save_timecard(day)
                started = time.perf_counter()
                page = browser.get(REPORT_PAGE)
                elapsed = (time.perf_counter() - started) * 1000
                match = SERVED_BY.search(page)
                if match is None:
                    raise RuntimeError(f"{REPORT_PAGE} does not say who served it")
                with lock:
                    served.append(match.group(1).decode())
                    report_ms.append(elapsed)
        except BaseException as error:
            errors.append(error)

    try:
        threads = [
            threading.Thread(target=person, args=(session, number))
            for number, session in enumerate(writers["cookies"])
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
    finally:
        throughput.stop(process)
    if errors:
        raise RuntimeError(f"{len(errors)} people failed; the first: {errors[0]!r}")
    counts = Counter(served)
    return {
        "report_pages": len(served),
        "served_by": dict(counts),
        "primary_share": counts["default"] / len(served),
        "report_ms": {"p50": median(report_ms), "p95": percentile(report_ms, 95)},
        "seconds": seconds,
    }


def run(db: str, *, people: int, iterations: int) -> dict:
    writers = env.run_django("bench.writers", "--people", str(people), db=db)
    results = {}
    try:
        for mode in MODES:
            results[mode] = one_mode(db, mode, writers, iterations)
            figures = results[mode]
            print(
                f"  {mode:6} {figures['report_pages']} report pages after a save,"
                f" primary share {figures['primary_share']:.1%}, served by"
                f" {figures['served_by']}, report p50 {figures['report_ms']['p50']:.1f} ms",
                flush=True,
            )
    finally:
        cleaned = env.run_django("bench.writers", "--clean", db=db)
    check = env.run_django("bench.position_check", db=db)
    return {
        "people": people,
        "iterations": iterations,
        "report_page": REPORT_PAGE,
        "read_your_writes_seconds": writers["read_your_writes_seconds"],
        "modes": results,
        "position_check": check,
        "timecards_cleaned_up": cleaned["deleted"],
    }
