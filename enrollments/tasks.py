"""Background refreshes of remote attempts."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from core.background import run_later
from providers import ProviderError, get_provider

from .models import Attempt
from .services import attempt_refresh

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def attempt_refresh_task(attempt_id: str) -> None:
    attempt = (
        Attempt.objects.select_related("enrollment__learner__user", "package")
        .filter(pk=attempt_id)
        .first()
    )
    if attempt is None:
        return
    try:
        attempt_refresh(attempt=attempt, force=True)
    except ProviderError as err:
        logger.warning("Refresh of attempt %s failed: %s", attempt_id, err)


@shared_task(ignore_result=True)
def attempt_settle_task(attempt_id: str, step: int = 0) -> None:
    """After an exit, refresh with backoff (1, 2, 4... s) until the attempt completes or the
    provider's exit window has passed."""
    attempt = Attempt.objects.filter(pk=attempt_id).first()
    if attempt is None or attempt.exited_at is None:
        return
    attempt_refresh_task(attempt_id)
    attempt.refresh_from_db(fields=["completion", "exited_at"])
    window = get_provider(attempt.provider).exit_settle_seconds
    elapsed = (timezone.now() - attempt.exited_at).total_seconds()
    if attempt.is_completed or elapsed >= window:
        return
    run_later(attempt_settle_task, attempt_id, step + 1, countdown=min(2**step, window - elapsed))
