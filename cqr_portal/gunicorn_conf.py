"""gunicorn settings for the web service: `gunicorn -c python:cqr_portal.gunicorn_conf
cqr_portal.wsgi:application` (docker-compose and the Dockerfile use it).

Sized for a host with two CPU cores (README "Sizing"): three worker processes (cores + 1,
so both cores stay busy while one process waits on PostgreSQL) of four threads each
(gthread). Threads let a worker keep idle keep-alive connections and overlap database
waits without a process per client; twelve requests run at once, each holding at most one
persistent database connection (DATABASE_CONN_MAX_AGE), so PostgreSQL sees at most 12 web
connections. More processes than cores + 1 only add memory and context switches on two
cores; more threads add GIL contention. Override with GUNICORN_WORKERS/GUNICORN_THREADS
on a bigger host (workers = cores + 1).
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# Clients (and a proxy) reuse connections; a slow client never holds a worker process.
keepalive = 5
# A request that runs longer is killed (a catalog upload runs as a task, not here).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# The application is imported once in the master and forked into each worker: a worker
# starts (and is replaced) in milliseconds instead of ~0.75 s of CPU importing Django, and
# the workers share the imported code's memory. Nothing opens a database or Redis
# connection at import time, so no socket is shared between processes; `kill -HUP`
# reloads the configuration but not the code (restart the service to deploy).
preload_app = True
# Recycle workers now and then so a slow leak never grows without bound, but rarely
# enough that a busy worker (about 100 requests/s each) is not replaced every 20 s, each
# replacement dropping its keep-alive connections and starting with cold caches.
max_requests = 20000
max_requests_jitter = 2000
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
