"""The compose stack checked from outside, as a person and an operator would (make compose-test).

Run by docker/compose-test.sh once `make up` and `make compose-seed` are done, with the
host's Python (standard library only). As the staff demo user, through the site's
published port, with the roles as Patroni reports them (``patronictl list``): the report
pages are served by standby nodes, in recovery; a timecard saved through the site
appears on every standby. Then the leader's container is killed outright: a save
(the same form sent again after each 503) goes through on the new leader, nothing
confirmed is lost or saved twice, the reports are served by a standby of the new leader,
and the old leader, started again, comes back as a standby with every save. Each wait
polls the state it waits for, within a deadline. The failover's figures go to
``var/compose-failover.json`` (RELIABILITY.md quotes them).
"""

from __future__ import annotations

import http.cookiejar
import json
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
STAFF, PASSWORD = "demo", "demo-password"  # the demo data's staff login (seed)
REPORT_PAGES = ("/reports/", "/reports/hours/", "/reports/unbilled/", "/reports/invoices/")
DEADLINE_SECONDS = 90
NODES = ("node-1", "node-2", "node-3")
ALIASES = {"standby": "node-1", "standby_2": "node-2", "standby_3": "node-3"}
"""The site's members and their nodes: STANDBY_HOSTS lists the nodes in this order."""
PATRONI_CONFIG = "/etc/patroni/patroni.yml"
RESULTS = REPO / "var" / "compose-failover.json"


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

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        """Send a form as the page would (its CSRF token); the status and the URL it
        ended on (after the redirect of a saved form)."""
        token = next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(SITE + path, data=data, method="POST")
        try:
            with self.opener.open(request, timeout=30) as response:
                response.read()
                return response.status, response.geturl()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl()

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


def running_nodes() -> list[str]:
    running = set(compose("ps", "--services", "--filter", "status=running").split())
    return [node for node in NODES if node in running]


def cluster() -> dict[str, dict]:
    """Patroni's view of the cluster (``patronictl list``), asked of a running node:
    each member's role (Leader, Replica, Sync Standby) and state."""
    for node in running_nodes():
        try:
            listing = compose("exec", "-T", node, "patronictl", "-c", PATRONI_CONFIG, "list",
                              "--format", "json")  # fmt: skip
        except AssertionError:
            continue
        return {member["Member"]: member for member in json.loads(listing)}
    raise AssertionError("no node answers patronictl")


def leader() -> str:
    leaders = [name for name, member in cluster().items() if member["Role"] == "Leader"]
    assert len(leaders) == 1, f"leaders: {leaders}"
    return leaders[0]


def standbys() -> list[str]:
    """The members that replicate from the leader now (streaming, or running)."""
    return [
        name
        for name, member in cluster().items()
        if member["Role"] != "Leader" and member["State"] in {"streaming", "running"}
    ]


def on_node(node: str, sql: str) -> str:
    """One value from a node, over its local socket."""
    user, database = SETTINGS["POSTGRES_USER"], SETTINGS.get("POSTGRES_DB", "timetrack")
    return compose(
        "exec", "-T", node, "psql", "--no-psqlrc", "--tuples-only", "--no-align",
        "--host", "/var/run/postgresql", "--username", user, "--dbname", database,
        "--command", sql,
    )  # fmt: skip


def served_by_a_standby(page: str) -> str:
    """The node that served a report page, which must be a standby, with no notice."""
    alias, notice = served_by(page)
    assert alias in ALIASES, f"served by {alias} ({notice})"
    node = ALIASES[alias]
    assert node in standbys(), f"served by {node}, which is no standby now ({notice})"
    assert not notice, notice
    return node


def until(condition, what: str, deadline_seconds: float = DEADLINE_SECONDS):
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            answer = condition()
            if answer:
                return answer
        except AssertionError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.5)


def step(text: str) -> None:
    print(f"compose-check: {text}", file=sys.stderr, flush=True)


def new_form(browser: Browser, description: str) -> dict[str, str]:
    """The "Log time" form as a person fills it in, with its own submission id."""
    _, form = browser.get("/timecards/new/")
    project = re.search(r'<option value="(\d+)"', form)
    submission = re.search(r'name="submission" value="([0-9a-f-]{36})"', form)
    assert project and submission, "the Log time form offers no project, or has no id"
    return {
        "project": project.group(1),
        "date": time.strftime("%Y-%m-%d"),
        "hours": "1.25",
        "description": description,
        "billable": "on",
        "submission": submission.group(1),
    }


def send_until_saved(browser: Browser, fields: dict[str, str]) -> tuple[float, int]:
    """Send a filled-in form until it is saved, the same form (its submission id) each
    time, as the 503 page asks; (seconds it took, sendings refused meanwhile)."""
    started, refused = time.monotonic(), 0
    while True:
        status, landed = browser.post("/timecards/new/", fields)
        if status == 200 and landed.endswith("/timecards/"):
            return time.monotonic() - started, refused
        assert status == 503, f"saving a timecard answered {status} on {landed}"
        refused += 1
        assert time.monotonic() - started < DEADLINE_SECONDS, "no save within the deadline"
        time.sleep(0.5)


def saved_on(node: str, description: str) -> int:
    """How many timecards on ``node`` carry ``description`` (ours: letters and hex)."""
    sql = f"select count(*) from timetrack_timecard where description = '{description}'"
    return int(on_node(node, sql))


def metrics(token: str | None) -> tuple[int, dict[str, float]]:
    """``/metrics`` through the published port, with ``token`` as the bearer: its status
    and samples ("name{labels}" to value)."""
    request = urllib.request.Request(f"{SITE}/metrics")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            text = answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, {}
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return 200, samples


def check_metrics(current_leader: str) -> None:
    """An operator's scrape: refused without the token; with it, every standby node up
    and the leader not, and the report pages counted as served by members."""
    assert metrics(None)[0] == 403, "/metrics must not be public"
    status, samples = metrics(SETTINGS.get("METRICS_TOKEN"))
    assert status == 200, f"/metrics with the token answered {status}"
    for alias, node in ALIASES.items():
        if node not in running_nodes():
            continue
        up = samples.get(f'db_standby_up{{member="{alias}"}}')
        leads = samples.get(f'db_standby_leading{{member="{alias}"}}')
        expected = (0.0, 1.0) if node == current_leader else (1.0, 0.0)
        assert (up, leads) == expected, f"{alias} ({node}): up {up}, leading {leads}"
    served = sum(
        value
        for name, value in samples.items()
        if name.startswith("db_read_scopes_total{") and 'reason="member"' in name
    )
    assert served >= len(REPORT_PAGES), f"{served} scopes served by members"
    step(
        f"/metrics: refused without the token; with it, the standbys up, {current_leader}"
        f" (the leader) not, {served:.0f} scopes served by members (every worker's)"
    )


def main() -> None:
    browser = Browser()
    browser.get("/accounts/login/")
    status, landed = browser.post("/accounts/login/", {"username": STAFF, "password": PASSWORD})
    assert landed.endswith("/timecards/"), "the staff demo user could not log in"

    first_leader = leader()
    step(f"{first_leader} leads; standbys: {', '.join(standbys())}")
    # A standby that has just started may still be replaying the seed: wait for it once.
    until(lambda: served_by_a_standby(browser.get("/reports/")[1]), "a standby to serve")
    for path in REPORT_PAGES:
        status, page = browser.get(path)
        assert status == 200, f"{path} answered {status}"
        node = served_by_a_standby(page)
        assert on_node(node, "select pg_is_in_recovery()") == "t"
    step("the report pages are served by standby nodes, in recovery")

    before = f"compose check {uuid.uuid4().hex[:12]}"
    send_until_saved(browser, new_form(browser, before))
    for node in standbys():
        until(lambda node=node: saved_on(node, before) == 1, f"the saved timecard on {node}")
    step("a timecard saved through the site is on every standby")

    check_metrics(first_leader)

    # The leader's host is lost: its container killed outright (SIGKILL), its key in etcd
    # left to expire (PATRONI_TTL); a standby takes over, and the site finds it.
    browser.forget("read_position")
    during = f"compose check {uuid.uuid4().hex[:12]}"
    form = new_form(browser, during)  # filled in before, sent after
    compose("kill", first_leader)
    killed_at = time.monotonic()
    took, refused = send_until_saved(browser, form)
    new_leader = leader()
    assert new_leader != first_leader, f"{first_leader} still leads"
    step(
        f"{first_leader} killed: {new_leader} leads, and a save went through"
        f" {took:.1f} s after the kill ({refused} sendings refused with the 503 meanwhile)"
    )
    found = {description: saved_on(new_leader, description) for description in (before, during)}
    lost = [description for description, count in found.items() if count == 0]
    assert found == {before: 1, during: 1}, f"lost or saved twice: {found}"
    step("nothing confirmed was lost, and nothing was saved twice")
    if standbys():
        until(
            lambda: served_by_a_standby(browser.get("/reports/")[1]),
            "the reports on a standby of the new leader",
        )
        step("the reports are served by a standby of the new leader")

    compose("start", first_leader)
    until(lambda: first_leader in standbys(), f"{first_leader} back as a standby", 120)
    until(lambda: saved_on(first_leader, during) == 1, f"the saves on {first_leader}")
    step(f"{first_leader} came back as a standby of {new_leader}, with every save")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "replication_mode": SETTINGS.get("REPLICATION_MODE", "asynchronous"),
                "patroni_ttl": int(SETTINGS.get("PATRONI_TTL", "10")),
                "lost": first_leader,
                "promoted": new_leader,
                "first_save_after_kill_s": round(took, 1),
                "sendings_refused": refused,
                "confirmed_lost": len(lost),
                "rejoined_after_s": round(time.monotonic() - killed_at, 1),
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    try:
        main()
    except AssertionError as error:
        print(f"compose-check: FAILED: {error}", file=sys.stderr)
        sys.exit(1)
