"""Learners, enrolments and attempts: the domain operations, and the only writers of attempt
facts (what a provider reported, when the learner came and went).

Attempt ids are UUIDs made once by the model and never reused; a new attempt is a new row.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.background import broker_configured, run_later
from courses.models import Course, Package
from providers import ProviderError, get_provider
from providers.exceptions import LaunchUnavailable
from providers.types import Completion, Launch, LaunchContext, Progress

from .models import Attempt, Enrollment, Learner
from .refs import attempt_ref

logger = logging.getLogger(__name__)


class AttemptNotAllowed(Exception):
    """The course's attempt policy refuses a new attempt; ``message`` is for the learner."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class ApplyOutcome(StrEnum):
    """What became of a result offered to :func:`attempt_apply_progress`."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"  # the provider's revision already stored
    STALE = "stale"  # older than what is stored
    FOREIGN = "foreign"  # about another learner or package: never stored


def learner_get_or_create(*, user: AbstractBaseUser) -> Learner:
    learner, _ = Learner.objects.get_or_create(user=user)
    return learner


def enrollment_create(
    *, learner: Learner, course: Course, enrolled_by: AbstractBaseUser | None = None
) -> Enrollment:
    enrollment, _ = Enrollment.objects.get_or_create(
        learner=learner, course=course, defaults={"enrolled_by": enrolled_by}
    )
    return enrollment


def enrollment_create_many(
    *, course: Course, identifiers: list[str], enrolled_by: AbstractBaseUser
) -> tuple[list[Enrollment], list[str]]:
    """Enrol the users named by username or e-mail; returns (enrolments, names not found)."""
    enrollments, unknown = [], []
    users = get_user_model().objects
    for identifier in dict.fromkeys(i.strip() for i in identifiers if i.strip()):
        user = users.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier)).first()
        if user is None:
            unknown.append(identifier)
            continue
        learner = learner_get_or_create(user=user)
        enrollments.append(
            enrollment_create(learner=learner, course=course, enrolled_by=enrolled_by)
        )
    return enrollments, unknown


def _playable_package(course: Course) -> Package:
    """The newest package imported into the course's current provider and ready there."""
    package = (
        course.packages.filter(provider=course.provider, status=Package.Status.READY)
        .order_by("-version")
        .first()
    )
    if package is None:
        raise LaunchUnavailable("This course has no playable package yet.")
    return package


def _new_attempt_refusal(course: Course, attempts: list[Attempt]) -> str | None:
    """Why the course's attempt policy refuses a new attempt now, or None."""
    if (
        any(a.is_open for a in attempts)
        and course.new_attempt_rule != Course.NewAttemptRule.ANY_TIME
    ):
        return "Finish your current attempt before starting a new one."
    if course.max_attempts and len(attempts) >= course.max_attempts:
        return f"You have used all {course.max_attempts} attempts for this course."
    return None


def attempt_can_start_new(*, enrollment: Enrollment, attempts: list[Attempt]) -> bool:
    """Whether the learner may start another attempt now (``attempts``: the enrolment's)."""
    return bool(attempts) and _new_attempt_refusal(enrollment.course, attempts) is None


@transaction.atomic
def attempt_start(*, enrollment: Enrollment, force_new: bool = False) -> Attempt:
    """The attempt Play should launch: the open one, or a new one when none is open or the
    learner asks for one and the course's policy allows it. With no attempts left, the last
    one opens again (in review)."""
    # Lock the enrolment so two Play clicks cannot open two attempts.
    Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
    course = enrollment.course
    attempts = list(enrollment.attempts.order_by("number"))
    open_attempt = next((a for a in reversed(attempts) if a.is_open), None)
    if open_attempt and not force_new:
        return open_attempt
    refusal = _new_attempt_refusal(course, attempts)
    if refusal:
        if attempts and not force_new:
            return attempts[-1]
        raise AttemptNotAllowed(refusal)
    package = _playable_package(course)
    if open_attempt:
        Attempt.objects.filter(pk=open_attempt.pk).update(is_open=False)
    return Attempt.objects.create(
        enrollment=enrollment,
        package=package,
        number=(attempts[-1].number + 1) if attempts else 1,
        provider=package.provider,
    )


def attempt_launch(*, attempt: Attempt, context: LaunchContext) -> Launch:
    """Mint a fresh launch URL through the attempt's provider, and record the launch. The URL
    is returned, never stored.

    ``attempt`` needs ``enrollment__learner__user`` and ``package`` loaded."""
    if not attempt.package.is_ready:
        raise LaunchUnavailable("This course's package is not ready to play yet.")
    Attempt.objects.filter(pk=attempt.pk).update(launch_count=F("launch_count") + 1)
    attempt.refresh_from_db(fields=["launch_count"])
    launch = get_provider(attempt.provider).launch(attempt_ref(attempt), context)
    now = timezone.now()
    changes = {"last_accessed_at": now, "exited_at": None}
    if attempt.first_accessed_at is None:
        changes["first_accessed_at"] = now
    if launch.registered and attempt.registered_at is None:
        changes["registered_at"] = now
    Attempt.objects.filter(pk=attempt.pk).update(**changes)
    for name, value in changes.items():
        setattr(attempt, name, value)
    return launch


def _refusal(current: Attempt, progress: Progress, order: tuple[int, int] | None) -> ApplyOutcome:
    if progress.learner_id and progress.learner_id != current.enrollment.learner.external_id:
        return ApplyOutcome.FOREIGN
    if progress.package_remote_id and progress.package_remote_id != current.package.remote_id:
        return ApplyOutcome.FOREIGN
    if order is not None and order <= (current.commit_launch, current.commit_sequence):
        return ApplyOutcome.STALE
    if progress.revision is not None and current.remote_revision is not None:
        if progress.revision == current.remote_revision:
            return ApplyOutcome.UNCHANGED
        if progress.revision < current.remote_revision:
            return ApplyOutcome.STALE
    if (
        progress.updated_at is not None
        and current.remote_updated_at is not None
        and progress.updated_at < current.remote_updated_at
    ):
        return ApplyOutcome.STALE
    return ApplyOutcome.APPLIED


def attempt_apply_progress(
    *,
    attempt: Attempt,
    progress: Progress,
    source: str,
    order: tuple[int, int] | None = None,
) -> ApplyOutcome:
    """Store a normalised result on the attempt: the one writer of results, whatever their
    source (a local commit, a notification, a refresh).

    A result about another learner or package is never stored; one older than what is stored
    (by the local player's ``order``, the provider's revision or its ``updated_at``) changes
    nothing, so replays and out-of-order deliveries are harmless.
    """
    with transaction.atomic():
        current = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("enrollment__learner", "package")
            .get(pk=attempt.pk)
        )
        outcome = _refusal(current, progress, order)
        if outcome is not ApplyOutcome.APPLIED:
            level = logging.WARNING if outcome is ApplyOutcome.FOREIGN else logging.INFO
            logger.log(level, "Ignored %s %s result for attempt %s", outcome, source, attempt.pk)
            return outcome
        now = timezone.now()
        current.completion = progress.completion
        current.success = progress.success
        current.score_scaled = progress.score.scaled
        current.score_raw = progress.score.raw
        current.score_min = progress.score.min
        current.score_max = progress.score.max
        if progress.seconds is not None:
            current.seconds_tracked = progress.seconds
        if progress.updated_at is not None:
            current.remote_updated_at = progress.updated_at
        if progress.revision is not None:
            current.remote_revision = progress.revision
        if order is not None:
            current.commit_launch, current.commit_sequence = order
            current.last_accessed_at = now
        if progress.completion is Completion.COMPLETED:
            current.is_open = False
            current.completed_at = current.completed_at or progress.completed_at or now
        if progress.raw:
            current.provider_result = dict(progress.raw)
        current.last_synced_at = now
        current.save()
    for model_field in Attempt._meta.concrete_fields:
        setattr(attempt, model_field.attname, getattr(current, model_field.attname))
    return ApplyOutcome.APPLIED


def attempt_refresh(*, attempt: Attempt, force: bool = False, quick: bool = False) -> ApplyOutcome:
    """Bring a remote attempt's result up to date from its provider, at most once per
    ``SCORM_REFRESH_MIN_INTERVAL_SECONDS`` per attempt however many panels ask (``force``:
    an explicit request, such as a notification or an instructor's click)."""
    provider = get_provider(attempt.provider)
    if not provider.remote:
        return ApplyOutcome.UNCHANGED
    key = f"attempt-refresh:{attempt.pk}"
    if not cache.add(key, 1, timeout=settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS) and not force:
        return ApplyOutcome.UNCHANGED
    progress = provider.fetch_progress(attempt_ref(attempt), quick=quick)
    return attempt_apply_progress(
        attempt=attempt, progress=progress, source=f"{provider.identifier} refresh"
    )


def attempt_request_refresh(*, attempt: Attempt) -> bool:
    """Refresh a remote attempt unless one ran in the last ``SCORM_REFRESH_MIN_INTERVAL_SECONDS``.
    Progress polls call this: with a worker they only queue it; without one (the embedded
    default) they read once, quickly, and a failure waits for the next poll."""
    if not get_provider(attempt.provider).remote or attempt.completion == Completion.COMPLETED:
        return False
    if not cache.add(
        f"attempt-refresh:{attempt.pk}", 1, timeout=settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS
    ):
        return False
    if broker_configured():
        from .tasks import attempt_refresh_task  # tasks import this module

        attempt_refresh_task.delay(str(attempt.pk))
        return True
    try:
        attempt_refresh(attempt=attempt, force=True, quick=True)
    except ProviderError as err:
        logger.warning("Refresh of attempt %s failed: %s", attempt.pk, err)
    return True


def attempt_record_exit(*, attempt: Attempt, when: datetime | None = None) -> None:
    """The learner left the player (the provider's exit page loaded): results may lag, so
    refreshes go on through the provider's exit window (on the worker when there is one, else
    driven by the progress panel's polls)."""
    Attempt.objects.filter(pk=attempt.pk).update(exited_at=when or timezone.now())
    attempt.refresh_from_db(fields=["exited_at"])
    if get_provider(attempt.provider).remote:
        from .tasks import attempt_settle_task  # tasks import this module

        attempt_id = str(attempt.pk)
        transaction.on_commit(lambda: run_later(attempt_settle_task, attempt_id, countdown=0))
