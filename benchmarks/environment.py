"""Where benchmarks run: a throwaway database (SQLite in a temporary folder, or a fresh
PostgreSQL database beside the one ``DATABASE_URL`` names), the cache (Redis when one
answers, as in production), Django in this process for seeding and reading back, and the
project under gunicorn on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
#: Redis database for the benchmark's cache (3..9 are free for experiments on this machine).
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"


def postgres_url() -> str:
    """``DATABASE_URL`` when it names PostgreSQL, else ""."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


def production_database() -> str:
    """The database server benchmarks run on: PostgreSQL when configured, else SQLite."""
    return "postgresql" if postgres_url() else "sqlite"


def redis_url() -> str:
    """A Redis URL for the cache when one answers (``BENCH_REDIS_URL``), else ""."""
    url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    if not url:
        return ""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return url if s.recv(16).startswith(b"+PONG") else ""
    except OSError:
        return ""


@contextmanager
def throwaway_database(kind: str) -> Iterator[str]:
    """A new, empty database of ``kind`` ("sqlite" or "postgresql"); dropped afterwards."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="lms-bench-")
        try:
            yield f"sqlite:///{folder}/bench.sqlite3"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    base = urlsplit(postgres_url())
    name = f"lms_bench_{os.getpid()}"
    admin = base._replace(scheme="postgresql").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(base._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_environment(database_url: str, cache_url: str, media_root: str) -> dict[str, str]:
    """The environment of the project in production mode, on loopback, without HTTPS."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": database_url,
        "SECURE_SSL_REDIRECT": "false",
        "CELERY_BROKER_URL": "",
        "MEDIA_ROOT": media_root,
        "LOG_LEVEL": "WARNING",
        "CACHE_URL": cache_url or "locmemcache://bench",
    }
    if not cache_url:
        environment["SCORM_PANEL_CACHE_SECONDS"] = "0"
    return environment


def django_setup(database_url: str, cache_url: str, media_root: str) -> None:
    """Django in this process, on the same settings as the server, with the schema migrated."""
    os.environ.update(server_environment(database_url, cache_url, media_root))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    warnings.filterwarnings("ignore", message="No directory at")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.core.cache import cache

    cache.clear()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """The project under gunicorn on loopback: sync workers by default, gthread workers (as the
    Procfile runs them) with ``threads`` above 1; ``environment`` adds settings of its own."""

    database_url: str
    cache_url: str
    media_root: str
    workers: int = int(os.environ.get("BENCH_WORKERS", "4"))
    threads: int = 1
    environment: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.port = _free_port()
        command = [
            str(VENV_BIN / "gunicorn"),
            "benchmarks.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--log-level",
            "warning",
            *os.environ.get("BENCH_GUNICORN_ARGS", "").split(),
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={
                **server_environment(self.database_url, self.cache_url, self.media_root),
                **self.environment,
            },
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1."):  # any answer: it is serving
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
