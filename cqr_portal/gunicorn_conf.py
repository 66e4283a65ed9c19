"""gunicorn settings for the web service: `gunicorn -c python:cqr_portal.gunicorn_conf
cqr_portal.wsgi:application` (docker-compose and the Dockerfile use it).

Sized for a host with two CPU cores (README "Sizing"): three worker processes (cores + 1,
so both cores stay busy while one process waits on PostgreSQL) of four threads each
(gthread), which overlap database and cache waits; twelve requests run at once, each
holding at most one persistent database connection (DATABASE_CONN_MAX_AGE), so PostgreSQL
sees at most 12 web connections. More processes than cores + 1 only add memory and context
switches on two cores; more threads add GIL contention. Override with
GUNICORN_WORKERS/GUNICORN_THREADS on a bigger host (workers = cores + 1).

A worker takes a connection only when one of its threads is free (worker_connections =
threads) and closes it after the response (no keep-alive): waiting clients queue in the
kernel's listen backlog and the next free thread of any worker takes the next one. With
keep-alive each worker kept whatever connections it happened to accept: under 200
clients the three workers held 92, 81 and 36, and the crowded workers' clients waited
2.5 times longer (bench/load_mix.py, p95 far above p50). A connection per request costs
a TCP handshake, which is cheap next to a page (and nothing behind a proxy that pools).
GUNICORN_WORKER_CONNECTIONS above the thread count brings keep-alive back.
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", str(threads)))
# Idle keep-alive connections only when there are connection slots beyond the threads.
keepalive = 5 if worker_connections > threads else 0
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
