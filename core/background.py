"""The one policy for work that should happen later (an import that is still processing, a
result that may still arrive).

With a broker, a task is scheduled on the worker. Without one (the embedded default, where tasks
run in-process) nothing ever sleeps inside a request: the work is left where it stands and the
next request that looks at it (a page, a poll) advances it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def broker_configured() -> bool:
    return not settings.CELERY_TASK_ALWAYS_EAGER


def run_later(task: Any, *args: Any, countdown: float) -> bool:
    """Schedule ``task(*args)`` on the worker in ``countdown`` seconds. Returns False, doing
    nothing, when there is no worker: the caller's later requests advance the work instead."""
    if not broker_configured():
        return False
    task.apply_async(args, countdown=max(0.0, countdown))
    return True
