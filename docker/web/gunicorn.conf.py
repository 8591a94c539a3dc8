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
