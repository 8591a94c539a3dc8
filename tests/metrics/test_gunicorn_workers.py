"""Under gunicorn every scrape adds up every worker's counts (multiprocess mode).

A real gunicorn with the web image's settings (``docker/web/gunicorn.conf.py``), two
worker processes of one thread each, on the embedded site in a folder of its own. Each
report page is served by one worker or the other and counts one read scope there; each
scrape is answered by one worker or the other. Without the multiprocess mode a scrape
would show the answering worker's share only.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from accounts.factories import DEFAULT_PASSWORD
from bench.throughput import wait_for_site
from tests.metrics.scrape import parse, value

# A site of its own, in processes: make test runs it beside the chaos runs (own_site).
pytestmark = [pytest.mark.slow, pytest.mark.no_database, pytest.mark.own_site]

REPO = Path(__file__).resolve().parents[2]
PAGES = 24


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def site(tmp_path):
    """The embedded site served by gunicorn on a port of its own; its port and metrics
    folder."""
    port = _free_port()
    metrics_folder = tmp_path / "metrics"
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "STANDBY_", "DJANGO_SETTINGS"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",  # cookies over plain HTTP
        VAR_DIR=str(tmp_path),
        METRICS_ALLOWED_ADDRESSES="127.0.0.1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="1",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], cwd=REPO, env=environment, check=True)
    make_reader = "from accounts.factories import StaffFactory; StaffFactory(username='watcher')"
    subprocess.run([*manage, "shell", "-c", make_reader], cwd=REPO, env=environment, check=True)
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "docker/web/gunicorn.conf.py",
            "config.wsgi:application",
        ],
        cwd=REPO,
        env={**environment, "PROMETHEUS_MULTIPROC_DIR": str(metrics_folder)},  # made by gunicorn
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    try:
        wait_for_site(port, server, log)
        yield port, metrics_folder
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _logged_in(port: int) -> urllib.request.OpenerDirector:
    cookies = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    login = f"http://127.0.0.1:{port}/accounts/login/"
    form = opener.open(login).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    fields = {"username": "watcher", "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token}
    answer = opener.open(login, urllib.parse.urlencode(fields).encode())
    assert "/accounts/login/" not in answer.url, "logged in"
    return opener


def test_every_scrape_counts_the_pages_of_every_worker(site):
    port, metrics_folder = site
    reader = _logged_in(port)
    for _ in range(PAGES):
        with reader.open(f"http://127.0.0.1:{port}/reports/hours/") as page:
            assert page.status == 200

    counted = set()
    for _ in range(8):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as answer:
            samples = parse(answer.read().decode())
        labels = {"group": "standby", "served_by": "standby", "reason": "member"}
        counted.add(value(samples, "db_read_scopes_total", **labels))

    assert counted == {PAGES}, "each scrape adds up both workers"
    workers = {re.sub(r"\D", "", name.stem) for name in metrics_folder.glob("counter_*.db")}
    assert len(workers) == 2, f"two workers counted: {sorted(workers)}"
