"""Learners, enrolments and attempts: the domain operations.

Attempt ids are UUIDs made once by the model and never reused; a new attempt is a new row.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from courses.models import Course, Package
from lms.scorm import get_provider
from lms.scorm.exceptions import LaunchUnavailable
from lms.scorm.types import Completion, Launch, Progress

from .models import Attempt, Enrollment, Learner

logger = logging.getLogger(__name__)


class AttemptNotAllowed(Exception):
    """The course's attempt policy refuses a new attempt; ``message`` is for the learner."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


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
    from django.contrib.auth import get_user_model
    from django.db.models import Q

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


def _latest_ready_package(course: Course) -> Package:
    package = course.packages.filter(status=Package.Status.READY).order_by("-version").first()
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


def attempt_can_start_new(*, enrollment: Enrollment) -> bool:
    attempts = list(enrollment.attempts.all())
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
    if open_attempt:
        Attempt.objects.filter(pk=open_attempt.pk).update(is_open=False)
    package = _latest_ready_package(course)
    return Attempt.objects.create(
        enrollment=enrollment,
        package=package,
        number=(attempts[-1].number + 1) if attempts else 1,
        provider=course.provider,
    )


def attempt_launch(*, attempt: Attempt, exit_url: str) -> Launch:
    """Mint a fresh launch URL through the attempt's provider. The URL is returned, never stored."""
    launch = get_provider(attempt.provider).launch(attempt, exit_url=exit_url)
    now = timezone.now()
    Attempt.objects.filter(pk=attempt.pk, first_accessed_at__isnull=True).update(
        first_accessed_at=now
    )
    Attempt.objects.filter(pk=attempt.pk).update(last_accessed_at=now, exited_at=None)
    attempt.refresh_from_db(
        fields=["first_accessed_at", "last_accessed_at", "exited_at", "registered_at"]
    )
    return launch


def attempt_apply_progress(*, attempt: Attempt, progress: Progress, source: str) -> bool:
    """Store a normalised result on the attempt. Returns False when it was older than what is
    stored (the provider's ``updated_at``), so replays and out-of-order postbacks change nothing."""
    with transaction.atomic():
        current = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if (
            progress.updated_at is not None
            and current.remote_updated_at is not None
            and progress.updated_at < current.remote_updated_at
        ):
            logger.info("Ignored stale %s result for attempt %s", source, attempt.pk)
            return False
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
        if progress.completion is Completion.COMPLETED:
            current.is_open = False
            current.completed_at = current.completed_at or progress.completed_at or now
        if progress.raw:
            current.provider_result = dict(progress.raw)
        current.last_synced_at = now
        current.save()
    for field in Attempt._meta.concrete_fields:
        setattr(attempt, field.attname, getattr(current, field.attname))
    return True


def attempt_refresh(*, attempt: Attempt, force: bool = False) -> bool:
    """Bring a remote attempt's result up to date from its provider, at most once per
    ``SCORM_REFRESH_MIN_INTERVAL_SECONDS`` per attempt however many panels ask."""
    provider = get_provider(attempt.provider)
    if not provider.remote:
        return False
    key = f"attempt-refresh:{attempt.pk}"
    if not cache.add(key, 1, timeout=settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS) and not force:
        return False
    progress = provider.fetch_progress(attempt)
    return attempt_apply_progress(
        attempt=attempt, progress=progress, source=f"{provider.identifier} refresh"
    )


def attempt_request_refresh(*, attempt: Attempt) -> bool:
    """Queue a refresh of a remote attempt unless one ran in the last
    ``SCORM_REFRESH_MIN_INTERVAL_SECONDS``. Progress polls call this; they never wait on it
    when a broker is configured."""
    if not get_provider(attempt.provider).remote or attempt.completion == Completion.COMPLETED:
        return False
    if not cache.add(
        f"attempt-refresh:{attempt.pk}", 1, timeout=settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS
    ):
        return False
    from .tasks import attempt_refresh_task

    attempt_refresh_task.delay(str(attempt.pk))
    return True


def attempt_record_exit(*, attempt: Attempt, when: datetime | None = None) -> None:
    """The learner left the player (the provider's exit page loaded): results may lag, so a
    settle-window refresh starts."""
    Attempt.objects.filter(pk=attempt.pk).update(exited_at=when or timezone.now())
    attempt.refresh_from_db(fields=["exited_at"])
    if get_provider(attempt.provider).remote:
        from .tasks import attempt_settle_task

        transaction.on_commit(lambda: attempt_settle_task.delay(str(attempt.pk)))
