"""AllureConnect's domain operations: session sync (webhooks), dispatches, webhook registration."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from courses.models import Package
from enrollments.models import Attempt
from enrollments.services import attempt_apply_progress
from lms.scorm import get_provider
from lms.scorm.exceptions import ProviderNotConfigured, ProviderNotFound

from .client import AllureConnectClient, RemoteSession, RemoteWebhook
from .models import Dispatch
from .provider import AllureConnectProvider, session_progress

logger = logging.getLogger(__name__)

#: A webhook's re-read is tried once, with a short read timeout, so the receiver answers
#: quickly; when it fails the receiver answers 503 (AllureConnect may deliver again; its retry
#: policy is not published) and polling catches up meanwhile.
WEBHOOK_REREAD_TIMEOUT_SECONDS = 5.0


def allure_provider() -> AllureConnectProvider:
    return cast(AllureConnectProvider, get_provider(AllureConnectProvider.identifier))


class SyncOutcome(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    IGNORED = "ignored"


def _is_news(session: RemoteSession, stored: Mapping[str, Any]) -> bool:
    """Whether the session is newer than the stored result: by ``version`` when both have one
    (the same version is the same data), else by content."""
    stored_version = stored.get("version")
    if (
        session.version is not None
        and isinstance(stored_version, int)
        and not isinstance(stored_version, bool)
    ):
        return session.version > stored_version
    return dict(session.raw) != dict(stored)


def session_sync(*, session_id: str, source: str = "allure_connect webhook") -> SyncOutcome:
    """Re-read a session through the API (the source of truth) and store it on its attempt.

    A session that is not one of our attempts, or whose learner or package differ from the
    attempt's, is ignored. A version already stored changes nothing, so replays are harmless.
    """
    try:
        attempt_id = uuid.UUID(session_id)
    except ValueError:
        attempt_id = None
    attempt = (
        Attempt.objects.select_related("enrollment__learner", "package")
        .filter(pk=attempt_id, provider=AllureConnectProvider.identifier)
        .first()
        if attempt_id
        else None
    )
    if attempt is None:
        logger.info("AllureConnect session %.80r is not one of our attempts; ignored", session_id)
        return SyncOutcome.IGNORED
    try:
        session = AllureConnectClient.from_settings(
            retries=0, timeout=(settings.SCORM_HTTP_CONNECT_TIMEOUT, WEBHOOK_REREAD_TIMEOUT_SECONDS)
        ).get_session(session_id)
    except ProviderNotFound:
        logger.info("AllureConnect no longer has session %s; ignored", session_id)
        return SyncOutcome.IGNORED
    if (session.user_id and session.user_id != attempt.enrollment.learner.external_id) or (
        session.package_id and session.package_id != attempt.package.remote_id
    ):
        logger.warning(
            "AllureConnect session %s belongs to another learner or package; ignored", session_id
        )
        return SyncOutcome.IGNORED
    with transaction.atomic():
        current = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if not _is_news(session, current.provider_result):
            return SyncOutcome.UNCHANGED
        applied = attempt_apply_progress(
            attempt=current, progress=session_progress(session), source=source
        )
    logger.info(
        "AllureConnect session %s (version %s) %s",
        session_id,
        session.version,
        "applied" if applied else "stale",
    )
    return SyncOutcome.APPLIED if applied else SyncOutcome.UNCHANGED


def dispatch_create(
    *,
    package: Package,
    label: str,
    destination: str,
    registration_limit: int | None = None,
    expires_in_hours: int | None = None,
    allowed_domains: Iterable[str] = (),
    created_by: AbstractBaseUser | None = None,
) -> Dispatch:
    """Create a dispatch of a ready AllureConnect package for an external LMS, and record it."""
    if (
        package.course.provider != AllureConnectProvider.identifier
        or not package.remote_id
        or not package.is_ready
    ):
        raise ValidationError(
            {"package": "Only a package that is ready on AllureConnect can be dispatched."}
        )
    dispatch = Dispatch(
        package=package,
        label=label,
        destination=destination,
        registration_limit=registration_limit,
        expires_at=timezone.now() + timedelta(hours=expires_in_hours) if expires_in_hours else None,
        allowed_domains=list(allowed_domains),
        created_by=created_by,
    )
    # Validate what we can before the remote record exists.
    dispatch.full_clean(exclude=["remote_id", "dispatch_url", "status"])
    remote = allure_provider().client.create_dispatch(
        package.remote_id,
        label=label,
        destination=destination,
        registration_limit=registration_limit,
        expires_in_hours=expires_in_hours,
        allowed_domains=dispatch.allowed_domains,
    )
    dispatch.remote_id, dispatch.dispatch_url, dispatch.status = (
        remote.id,
        remote.dispatch_url,
        remote.status[:40],
    )
    dispatch.save()
    logger.info("AllureConnect dispatch %s created for package %s", remote.id, package.pk)
    return dispatch


def webhook_register(*, event_type: str, url: str | None = None) -> RemoteWebhook:
    """Ask AllureConnect to send ``event_type`` events, signed with our secret, to the receiver."""
    secret = settings.ALLURE_CONNECT_WEBHOOK_SECRET
    if not secret:
        raise ProviderNotConfigured(
            "Set ALLURE_CONNECT_WEBHOOK_SECRET before registering the webhook."
        )
    provider = allure_provider()
    return provider.client.create_webhook(
        url=url or provider.webhook_url(), secret=secret, event_type=event_type
    )
