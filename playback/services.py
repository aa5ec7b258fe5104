"""What playback writes: the local player's run-time data, and what providers tell us.

Results themselves are always stored through :func:`enrollments.services.attempt_apply_progress`,
the one writer of attempt results, in the same transaction as the run-time data here.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from courses.models import Package
from courses.refs import package_ref
from enrollments.models import Attempt
from enrollments.selectors import attempt_get_for_provider
from enrollments.services import ApplyOutcome, attempt_apply_progress, attempt_refresh
from providers import get_provider
from providers.exceptions import ProviderNotFound
from providers.local.runtime import (
    Commit,
    InvalidCommit,
    activity_progress,
    attempt_progress,
    read_commit,
    session_seconds,
)
from providers.local.tokens import LaunchClaims
from providers.types import DispatchRequest, Notification

from .models import ActivityState, Dispatch
from .selectors import package_activities

logger = logging.getLogger(__name__)


class StaleCommit(Exception):
    """An older commit arrived after a newer one was stored; nothing is stored."""


def local_commit(*, claims: LaunchClaims, payload: object) -> Attempt:
    """Store one commit of the browser's run-time: the activity's CMI data, and the attempt's
    result rolled up from its activities, in one transaction.

    Commits are ordered by (launch, sequence): one older than the stored one is refused (a
    late request from an old tab, a delayed beacon) and changes nothing. Raises
    :class:`~providers.local.runtime.InvalidCommit` and :class:`StaleCommit`.
    """
    commit: Commit = read_commit(payload)
    attempt = Attempt.objects.select_related("package").get(pk=claims.attempt_id)
    if claims.review:  # a review launch shows a closed attempt; it records nothing
        return attempt
    activities = package_activities(package=attempt.package)
    if commit.activity not in activities:
        raise InvalidCommit("The commit names a SCO that is not in this package.")
    scorm12 = attempt.package.is_scorm12
    with transaction.atomic():
        state, _ = ActivityState.objects.select_for_update().get_or_create(
            attempt=attempt, activity=commit.activity
        )
        if state.session_launch != claims.launch:
            state.seconds_before += state.seconds_session
            state.session_launch = claims.launch
        state.seconds_session = session_seconds(scorm12=scorm12, cmi=commit.cmi)
        state.cmi = commit.cmi
        state.save()
        records = {s.activity: s for s in ActivityState.objects.filter(attempt=attempt)} | {
            state.activity: state
        }
        progress = attempt_progress(
            activity_progress(
                scorm12=scorm12,
                activity=activity,
                cmi=records[identifier].cmi if identifier in records else {},
                seconds=records[identifier].seconds if identifier in records else 0.0,
            )
            for identifier, activity in activities.items()
            if activity.is_sco
        )
        outcome = attempt_apply_progress(
            attempt=attempt,
            progress=progress,
            source="local commit",
            order=(claims.launch, commit.sequence),
        )
        if outcome is ApplyOutcome.STALE:
            transaction.set_rollback(True)
            raise StaleCommit(
                f"Commit {claims.launch}.{commit.sequence} is older than the stored one."
            )
    return attempt


def notification_receive(*, provider: str, notification: Notification) -> ApplyOutcome:
    """A provider says an attempt's result changed: read it back from the provider (the
    notification is a hint, never the truth) and store it.

    Raises :class:`~providers.exceptions.NotificationRefused` for anything not genuine, and
    :class:`~providers.exceptions.ProviderError` when the result cannot be read now (the
    provider delivers again, and polling catches up meanwhile).
    """
    remote_id = get_provider(provider).read_notification(notification)
    attempt = (
        attempt_get_for_provider(provider=provider, remote_id=remote_id) if remote_id else None
    )
    if attempt is None:
        # Not one of ours: nothing to do, and a 4xx would only make the provider send it again.
        logger.info("%s notification about %.80r ignored", provider, remote_id)
        return ApplyOutcome.FOREIGN
    try:
        return attempt_refresh(attempt=attempt, force=True, quick=True)
    except ProviderNotFound:
        # The provider no longer has it: sending the notification again would not help.
        logger.info("%s notification about %s: the provider no longer has it", provider, remote_id)
        return ApplyOutcome.FOREIGN


def dispatch_create(
    *, package: Package, request: DispatchRequest, created_by: AbstractBaseUser | None = None
) -> Dispatch:
    """Create a dispatch of a ready package on its provider, and record it."""
    provider = get_provider(package.provider)
    if not (provider.supports_dispatches and package.is_ready and package.remote_id):
        raise ValidationError(
            {
                "package": "Only a package that is ready on a provider with dispatches can be dispatched."
            }
        )
    dispatch = Dispatch(
        package=package,
        provider=package.provider,
        label=request.label,
        destination=request.destination,
        registration_limit=request.registration_limit,
        expires_at=timezone.now() + timedelta(hours=request.expires_in_hours)
        if request.expires_in_hours
        else None,
        allowed_domains=list(request.allowed_domains),
        created_by=created_by,
    )
    # Validate what we can before the remote record exists.
    dispatch.full_clean(exclude=["remote_id", "dispatch_url", "status"])
    remote = provider.create_dispatch(package_ref(package), request)
    dispatch.remote_id, dispatch.dispatch_url, dispatch.status = (
        remote.id,
        remote.url,
        remote.status,
    )
    dispatch.save()
    logger.info("%s dispatch %s created for package %s", provider.identifier, remote.id, package.pk)
    return dispatch
