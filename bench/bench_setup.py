"""What the server benchmarks share: a private PostgreSQL database next to the server
URL's, `manage.py` in a subprocess, a generated catalog, and gunicorn as docker-compose
runs it (`cqr_portal/gunicorn_conf.py`, DEBUG off). Used by bench/fault_recovery.py and
bench/plan_races.py."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def db_url(base: str, name: str) -> str:
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def recreate_database(server_url: str, name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def drop_database(server_url: str, name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


def bench_env(database: str, **extra: str) -> dict[str, str]:
    """The environment of the bench's subprocesses: ours without CELERY_/DJANGO_ settings
    (no broker: Celery runs tasks eagerly), the bench's database and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_"))}
    env.update({"DATABASE_URL": database, "DJANGO_DEBUG": "true", **extra})
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip()


class QueryTimer:
    """Execute wrapper: wall time of every SQL statement sent through Django."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.sql: list[str] = []
        self.params: list[Any] = []

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds.append(time.perf_counter() - began)
            self.sql.append(sql)
            self.params.append(params)


def django_in_process(env: dict[str, str]) -> None:
    """Set up Django in this process with `env` (benches that measure through the test
    client rather than a server)."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cqr_portal.settings")
    import django

    django.setup()


def write_generated_catalog(path: Path, courses: int) -> dict[str, object]:
    """bench/import_50k.py's generated catalog (25 providers), written to `path`."""
    sys.path.insert(0, str(ROOT / "bench"))
    from import_50k import generate

    document: dict[str, object] = generate(courses)
    path.write_text(json.dumps(document), encoding="utf-8")
    return document


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_cache_redis(port: int) -> subprocess.Popen[bytes]:
    """A private redis-server (no persistence) for the shared cache, never the machine's."""
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed")
    server = subprocess.Popen(
        [
            *(binary, "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--logfile", "/dev/null"),
        ]
    )
    wait_for_port(port)
    return server


def start_gunicorn(env: dict[str, str], port: int, cache_url: str) -> subprocess.Popen[bytes]:
    """gunicorn with the project's config (gthread workers; GUNICORN_* from the
    environment override), DEBUG off, the shared cache at `cache_url`, answering on
    127.0.0.1:`port`."""
    prod = {
        **env,
        "CACHE_URL": cache_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_CONN_MAX_AGE": "60",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        **{k: v for k, v in os.environ.items() if k.startswith("GUNICORN_")},
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    manage(prod, "collectstatic", "--noinput", "-v0")
    return subprocess.Popen(
        [
            *(str(Path(PYTHON).parent / "gunicorn"), "-c", "python:cqr_portal.gunicorn_conf"),
            *("--log-level", "warning", "cqr_portal.wsgi:application"),
        ],
        env=prod,
        cwd=ROOT,
    )


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"nothing answers on port {port}")


def sections_after_top(path: Path) -> str:
    """The `## ` sections of a results file (written by other benches), to keep when a
    bench rewrites the file's top part."""
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    start = text.find("\n## ")
    return "" if start < 0 else text[start:].lstrip("\n")


def replace_section(path: Path, heading: str, lines: list[str]) -> None:
    """Write `lines` (starting with `heading`) as that `## ` section of a results file,
    in place of the previous one or at the end; the rest of the file is kept."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    section = "\n".join(lines).rstrip("\n") + "\n"
    start = text.find(heading + "\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section if text else section
    else:
        end = text.find("\n## ", start + len(heading))
        rest = "" if end < 0 else "\n" + text[end + 1 :]
        text = text[:start] + section + rest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
