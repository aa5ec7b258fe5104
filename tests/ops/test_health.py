"""/healthz and /readyz: what a load balancer may ask, and what it is told."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from core import health

pytestmark = pytest.mark.django_db(transaction=True)  # the checks run in threads of their own


@pytest.fixture
def client() -> Client:
    # A load balancer probes by address: a Host that ALLOWED_HOSTS does not list.
    return Client(HTTP_HOST="10.0.3.17:8000")


@pytest.fixture(autouse=True)
def _fresh_migrations_state(monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)


def test_healthz_reports_each_dependency_and_passes(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "storage"}
    assert all(check["ok"] for check in body["checks"].values())
    assert not response.cookies  # no session, no CSRF cookie


def test_head_is_answered_for_load_balancers_that_use_it(client):
    assert client.head("/healthz").status_code == 200


def test_readyz_also_wants_every_migration_applied(client, monkeypatch):
    assert client.get("/readyz").json()["checks"]["migrations"]["ok"] is True

    monkeypatch.setattr(health, "_migrations_applied", False)
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [("pending", False)]
    )
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {
        "ok": False,
        "ms": response.json()["checks"]["migrations"]["ms"],
        "error": "RuntimeError",
    }


def test_an_unreachable_broker_fails_the_check_and_leaks_no_secret(client, settings, closed_port):
    secret = "s3cret-broker-password"
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a broker is configured...
    settings.CELERY_BROKER_URL = f"redis://:{secret}@127.0.0.1:{closed_port}/0"  # ...and down

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert secret not in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()  # nor where the broker is


def test_a_hung_check_fails_within_the_timeout(client, settings, monkeypatch):
    settings.HEALTH_CHECK_TIMEOUT_SECONDS = 0.5
    monkeypatch.setitem(health.HEALTH_CHECKS, "storage", lambda: time.sleep(3))

    started = time.monotonic()
    response = client.get("/healthz")

    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["storage"]["error"] == "Timeout"


def test_a_broken_cache_fails_its_check(client, cache_down):
    body = client.get("/healthz").json()

    assert body["checks"]["cache"] == {
        "ok": False,
        "ms": body["checks"]["cache"]["ms"],
        "error": "ConnectionError",
    }


def test_probes_skip_neither_host_checks_nor_https_elsewhere(client):
    assert client.get("/accounts/login/").status_code == 400  # DisallowedHost, as before
