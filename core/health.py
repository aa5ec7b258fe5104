"""Health of this server's dependencies, for load balancers and orchestrators.

Each check answers within ``HEALTH_CHECK_TIMEOUT_SECONDS``, whatever the dependency does: they
run side by side in threads, and one that has not answered by then counts as failed. A report
names the checks, whether each passed and how long it took, and for a failure only the
exception's class: messages can hold hosts, URLs and credentials, and go to the log instead.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from core.background import broker_configured
from core.storage import probe

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    ms: float
    error: str = ""  # the exception's class name, never its message

    def as_dict(self) -> dict[str, object]:
        report: dict[str, object] = {"ok": self.ok, "ms": round(self.ms, 1)}
        if self.error:
            report["error"] = self.error
        return report


def check_database() -> None:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connections.close_all()  # this thread's connections: no pool leaks from probes


def check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    try:
        if cache.get(key) != "1":
            raise RuntimeError("the cache did not return what was stored")
    finally:
        cache.delete(key)


def check_broker() -> None:
    if not broker_configured():
        return  # tasks run in-process: there is no broker to reach
    from kombu import Connection

    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout) as connection:
        connection.ensure_connection(max_retries=0, timeout=timeout)  # one try


def check_storage() -> None:
    probe(default_storage)


_migrations_applied = False


def check_migrations() -> None:
    """Every migration of this code is applied (remembered once true: a process's code does
    not change, and a deploy that adds migrations starts new processes)."""
    global _migrations_applied
    if _migrations_applied:
        return
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise RuntimeError("unapplied migrations")
    finally:
        connections.close_all()
    _migrations_applied = True


HEALTH_CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}
READINESS_CHECKS: dict[str, Callable[[], None]] = {**HEALTH_CHECKS, "migrations": check_migrations}


def _timed(name: str, check: Callable[[], None]) -> CheckResult:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:
        logger.warning("Health check %s failed", name, exc_info=True)
        return CheckResult(
            name, False, (time.perf_counter() - started) * 1000, type(error).__name__
        )
    return CheckResult(name, True, (time.perf_counter() - started) * 1000)


def run_checks(checks: dict[str, Callable[[], None]]) -> list[CheckResult]:
    """Run ``checks`` side by side; any still running after the timeout has failed."""
    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="healthz")
    futures = {name: pool.submit(_timed, name, check) for name, check in checks.items()}
    wait(futures.values(), timeout=timeout)
    pool.shutdown(wait=False, cancel_futures=True)  # a hung check must not hold the answer
    results = []
    for name, future in futures.items():
        if future.done():
            results.append(future.result())
        else:
            logger.warning("Health check %s took over %s s", name, timeout)
            results.append(
                CheckResult(name, False, (time.perf_counter() - started) * 1000, "Timeout")
            )
    return results
