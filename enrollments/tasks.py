"""Background reads of remote attempts' results (within each provider's read budget)."""

from __future__ import annotations

import logging

from celery import shared_task

from providers import ProviderError

from .services import attempt_read_granted, attempt_settle_later, attempt_settle_step

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def attempt_refresh_task(attempt_id: str) -> None:
    """A refresh a poll queued: its read was granted by the budget when it was queued."""
    try:
        attempt_read_granted(attempt_id=attempt_id)
    except ProviderError as err:
        logger.warning("Refresh of attempt %s failed: %s", attempt_id, err)


@shared_task(ignore_result=True)
def attempt_settle_task(attempt_id: str, step: int = 0) -> None:
    """Read a remote attempt in each of its turns while its result may still change: after an
    exit, through the provider's exit window; after a completion, until a score and a pass or
    fail are known or the settle window has passed (see :mod:`enrollments.settling`)."""
    wait = attempt_settle_step(attempt_id=attempt_id)
    if wait is not None:
        attempt_settle_later(attempt_id=attempt_id, countdown=wait)
