"""The people of the failover run (``bench.failover``): writers who log time and read
their own saves back, readers who load the report pages, and the log of every answer.

Each talks to the site over a keep-alive connection of its own, logged in with a session
made beforehand (``bench.writers``, ``bench.session``), keeping the read-your-writes
cookie the site sets, as a browser does.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
import uuid
from collections import Counter

from bench import env

REPORTS = ("/reports/", "/reports/hours/", "/reports/unbilled/", "/reports/invoices/")
EXPORT = "/reports/timecards.csv?start=2000-01-01"
KEPT_COOKIES = ("read_position",)
"""The cookies a browser keeps from the answers (the session and CSRF ones are its own;
the messages cookie would only grow, as no writer follows the redirect)."""


class Log:
    """Every answer, from every thread: each sending of a form, each read, and when; and
    the description that marks this run's saves (``run`` makes it unique, so a database
    that outlives a run, as compose's does, is judged on this run's saves alone)."""

    def __init__(self, run: str) -> None:
        self.marker = f"failover {run}: saved while the primary failed"
        self.pattern = re.compile(re.escape(self.marker) + r" #(\d+)")
        self.lock = threading.Lock()
        self.answers: list[tuple[str, int, float, float]] = []  # kind, status, at, seconds
        self.errors: Counter[str] = Counter()
        self.numbers = iter(range(1, 10**9))
        self.confirmed: dict[int, tuple[float, float]] = {}
        """Save number -> when the sending that got its 302 was sent, and when it came."""
        self.sendings: Counter[int] = Counter()  # save number -> times sent
        self.stale_reads: list[str] = []

    def description(self, number: int) -> str:
        return f"{self.marker} #{number}"

    def saved_numbers(self, text: str) -> list[int]:
        """The numbers of this run's saves that ``text`` (an export, a row) holds."""
        return [int(number) for number in self.pattern.findall(text)]

    def next_number(self) -> int:
        with self.lock:
            return next(self.numbers)

    def answer(self, kind: str, status: int, started: float) -> None:
        with self.lock:
            self.answers.append((kind, status, started, time.monotonic() - started))

    def error(self, kind: str, error: BaseException) -> None:
        with self.lock:
            self.errors[f"{kind}: {type(error).__name__}"] += 1
            self.answers.append((kind, 0, time.monotonic(), 0.0))


class Browser:
    """One person's browser: a keep-alive connection, the session, and the cookies the
    site sets that matter here (``read_position``)."""

    def __init__(self, port: int, cookie_name: str, session: str) -> None:
        self.port = port
        self.csrf = uuid.uuid4().hex  # a CSRF secret of our own: cookie and form agree
        self.cookies = {cookie_name: session, "csrftoken": self.csrf}
        self.connection = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(env.HOST, self.port, timeout=60)

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.csrf})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = self._connect()
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                self._keep(value)
        return response.status, content

    def _keep(self, header: str) -> None:
        name, _, rest = header.partition("=")
        if name not in KEPT_COOKIES:
            return
        value = rest.split(";", 1)[0].strip('"')
        if "max-age=0" in header.lower() or not value:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def close(self) -> None:
        self.connection.close()


def writer(
    port: int, people: dict, session: str, log: Log, stop: threading.Event, pace: float
) -> None:
    """Log time at a steady pace; send each form until it is confirmed; then read it."""
    browser = Browser(port, people["cookie_name"], session)
    day = 0
    while not stop.is_set():
        day += 1
        number = log.next_number()
        form = {
            "project": people["project"],
            "date": time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400 * (day % 150))),
            "hours": "0.25",
            "description": log.description(number),
            "billable": "on",
            "submission": str(uuid.uuid4()),
        }
        confirmed = False
        while not confirmed and not stop.is_set():
            started = time.monotonic()
            with log.lock:
                log.sendings[number] += 1
            try:
                status, _ = browser.request("POST", "/timecards/new/", form)
            except (OSError, http.client.HTTPException) as error:
                log.error("save", error)
                time.sleep(0.2)
                continue
            log.answer("save", status, started)
            if status == 302:
                confirmed = True
                with log.lock:
                    log.confirmed[number] = (started, time.monotonic())
            else:
                time.sleep(0.2)  # the 503 says "in a moment"
        if confirmed:
            read_own_save(browser, number, log)
        stop.wait(pace)
    browser.close()


def read_own_save(browser: Browser, number: int, log: Log) -> None:
    """The writer's next read shows its save (the export, wherever it is served from)."""
    started = time.monotonic()
    try:
        status, body = browser.request("GET", EXPORT)
    except (OSError, http.client.HTTPException) as error:
        log.error("own save", error)
        return
    log.answer("own save", status, started)
    if status == 200 and number not in log.saved_numbers(body.decode()):
        with log.lock:
            log.stale_reads.append(f"#{number} missing from the writer's next read")


def reader(
    port: int, session: dict, turn: int, log: Log, stop: threading.Event, pace: float
) -> None:
    browser = Browser(port, session["name"], session["value"])
    while not stop.wait(pace):
        path = REPORTS[turn % len(REPORTS)]
        turn += 1
        started = time.monotonic()
        try:
            status, _ = browser.request("GET", path)
        except (OSError, http.client.HTTPException) as error:
            log.error("report", error)
            time.sleep(0.2)
            continue
        log.answer("report", status, started)
    browser.close()
