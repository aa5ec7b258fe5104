"""Prepared statements (PostgreSQL, ``DATABASE_PREPARED_STATEMENTS``) outlived by a migration.

A connection that prepared a query before a migration changed the type of a column it reads
(an ``AlterField``, even of a ``max_length``) fails that query with "cached plan must not change
result type" for as long as it lives, and a failure leaves it usable, so Django keeps it up to
``CONN_MAX_AGE``. The request or task that fails so closes the process's connections instead:
the next one connects again and prepares the query against the new schema. A task is run once
more then (:class:`StalePlanRetryingTask`, every task's class): its work is not lost with it.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from celery import Task
from celery.signals import task_failure
from django.core.signals import got_request_exception
from django.db import connections
from django.dispatch import receiver

logger = logging.getLogger(__name__)

STALE_PLAN = "cached plan must not change result type"


def is_stale_plan(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) is PostgreSQL refusing a prepared statement that
    the schema has changed under."""
    while error is not None:
        if STALE_PLAN in str(error):
            return True
        error = error.__cause__
    return False


def close_after(error: BaseException | None) -> bool:
    """Close this thread's database connections if ``error`` is a stale prepared statement.
    Returns whether it was."""
    if not is_stale_plan(error):
        return False
    logger.warning("A prepared statement predates a migration: database connections closed")
    for connection in connections.all(initialized_only=True):
        connection.close()
    return True


@receiver(got_request_exception, dispatch_uid="core.prepared_statements.request")
def _request_failed(sender: Any, **kwargs: Any) -> None:
    close_after(sys.exception())  # sent while the request's exception is handled


@receiver(task_failure, dispatch_uid="core.prepared_statements.task")
def _task_failed(sender: Any = None, exception: BaseException | None = None, **kwargs: Any) -> None:
    close_after(exception)


class StalePlanRetryingTask(Task):
    """Every task's class: a task that failed on a stale prepared statement runs once more,
    there and then, on a connection made again (a request that did is not repeated: its client
    may send it again; a task's work would be lost). On the worker and run in-process alike."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except Exception as error:
            if not close_after(error):
                raise
        logger.warning("Task %s runs once more after a stale prepared statement", self.name)
        return super().__call__(*args, **kwargs)
