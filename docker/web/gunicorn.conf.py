"""Gunicorn settings of the web image (``gunicorn --config docker/web/gunicorn.conf.py``).

gthread workers: each worker process serves requests on several threads, which
``core.routing`` is built for (a ContextVar scope per request). Report queries on the
standby stop at REPORT_STATEMENT_TIMEOUT_SECONDS (15 by default), well within the worker
timeout, so a slow report ends with an error page rather than a killed worker.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
# Trust X-Forwarded-* only from a proxy on this host (compose publishes on loopback).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No control socket: nobody runs gunicornc in the container, and the app user's home is
# not writable.
control_socket_disable = True


# Prometheus' multiprocess mode (metrics/registry.py): each worker writes its counters to
# files in PROMETHEUS_MULTIPROC_DIR, and a scrape that any worker answers adds them up.
# The folder must be set before a worker imports the site (prometheus_client reads it on
# import) and must hold no files of an earlier server, so the master makes or empties it
# as it starts; without PROMETHEUS_MULTIPROC_DIR it makes one of its own and removes it
# on exit. A worker that exits is marked dead, so gauges count live workers only.
_made_folders = []


def on_starting(server):
    import tempfile

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        folder = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="metrics-")
        _made_folders.append(folder)
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    import shutil

    for folder in _made_folders:
        shutil.rmtree(folder, ignore_errors=True)
