"""Running the project as README's Production section does, for the operations tests: its
servers from the Procfile, configured by environment variables only, on this machine's
PostgreSQL (the test database), and driven by Debian's Chromium."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from playwright.sync_api import Page

from tests.factories import UserFactory
from tests.ops.test_procfile import procfile

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "multi-server-pass"  # noqa: S105


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def environment(tmp_path: Path, *, lms: str, content: str, cache_url: str) -> dict[str, str]:
    """README's Production section's variables with this machine's services: the LMS at
    ``lms``, package content at ``content``; add the storage's, the broker's and others."""
    return {
        "PATH": f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": urlsplit(lms).hostname,
        "SITE_URL": lms,
        "CSRF_TRUSTED_ORIGINS": lms,
        "SCORM_CONTENT_ORIGIN": content,
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback: no TLS terminator here
        "DATABASE_URL": database_url(),
        "CACHE_URL": cache_url,
        "STATIC_ROOT": str(tmp_path / "static"),
        "SCORM_PROGRESS_POLL_SECONDS": "1",
        "WEB_CONCURRENCY": "1",
    }


@dataclass
class Deployment:
    url: str  # as learners reach the LMS
    environment: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, process_type: str, **extra: str) -> None:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        self.processes[name] = subprocess.Popen(  # noqa: S603
            ["/bin/bash", "-c", "exec " + procfile()[process_type]],
            cwd=ROOT,
            env={**self.environment, **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, name: str) -> None:
        """Stop as an orchestrator does: SIGTERM, and gunicorn finishes what it was doing."""
        process = self.processes[name]
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")


def manage(environment: dict[str, str], *args: str) -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def wait_ready(port: int, process: subprocess.Popen, log: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited:\n{log}"
        try:  # the first request loads the app: slow on a busy machine
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=15).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"server on {port} not ready in time")


def user(username: str, **fields):
    hasher = PBKDF2PasswordHasher()  # the servers' hasher (the tests' own is a fast MD5)
    user = UserFactory(username=username, **fields)
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    return user


def sign_in(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda address: "/accounts/login/" not in address)


def wait_for(condition, *, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.25)
