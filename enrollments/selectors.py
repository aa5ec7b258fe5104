"""Read queries for the learner-facing pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from courses.models import Course
from courses.selectors import course_is_taught_by
from providers import get_provider
from providers.types import Completion

from .models import Attempt, Enrollment, Learner
from .status import AttemptStatus


def enrollment_list_for_learner(*, learner: Learner) -> QuerySet[Enrollment]:
    """The learner's enrolments with their attempts, newest first, in two queries."""
    return (
        Enrollment.objects.filter(learner=learner)
        .select_related("course")
        .prefetch_related(Prefetch("attempts", queryset=Attempt.objects.order_by("-number")))
        .order_by("course__title")
    )


def enrollment_list_for_course(*, course: Course) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(course=course).select_related("learner__user", "enrolled_by")


def course_list_joinable(*, learner: Learner) -> QuerySet[Course]:
    return (
        Course.objects.filter(is_published=True, self_enrollment=True)
        .exclude(enrollments__learner=learner)
        .order_by("title")
    )


def course_get_for_user(*, user: AbstractBaseUser, slug: str) -> tuple[Course, Enrollment | None]:
    """The course and the user's enrolment in it. Unpublished courses exist only for their
    learners, instructors and staff."""
    course = Course.objects.filter(slug=slug).first()
    if course is None:
        raise Http404("No such course.")
    enrollment = (
        Enrollment.objects.filter(course=course, learner__user=user)
        .prefetch_related(Prefetch("attempts", queryset=Attempt.objects.order_by("-number")))
        .first()
    )
    visible = (
        enrollment is not None
        or course.is_published
        or course_is_taught_by(course=course, user=user)
    )
    if not visible:
        raise Http404("No such course.")
    return course, enrollment


def attempt_get_for_provider(*, provider: str, remote_id: str) -> Attempt | None:
    """The attempt a provider calls ``remote_id`` (our attempt id is its registration or
    session id), with what a refresh needs; None when it is not one of ours on that provider."""
    try:
        attempt_id = uuid.UUID(remote_id)
    except ValueError:
        return None
    return (
        Attempt.objects.select_related("enrollment__learner__user", "package")
        .filter(pk=attempt_id, provider=provider)
        .first()
    )


def attempt_get_for_learner(*, user: AbstractBaseUser, attempt_id: str) -> Attempt:
    """A learner's own attempt; anyone else's is a 404, so ids reveal nothing."""
    attempt = (
        Attempt.objects.select_related("enrollment__course", "enrollment__learner__user", "package")
        .filter(pk=attempt_id, enrollment__learner__user=user)
        .first()
    )
    if attempt is None:
        raise Http404("No such attempt.")
    return attempt


EXIT_SIGNING_SALT = "enrollments.attempt-exit"


def attempt_exit_token(*, attempt: Attempt) -> str:
    """A signed token for the attempt's exit URL.

    A remote player (SCORM Cloud) sends its frame to the exit URL from its own site: browsers
    send no ``SameSite=Lax`` session cookie on that cross-site navigation, so the exit page
    cannot rely on the session. The token allows recording that attempt's exit, nothing else.
    """
    return signing.dumps(str(attempt.pk), salt=EXIT_SIGNING_SALT)


def attempt_get_for_exit_token(*, attempt_id: str, token: str) -> Attempt:
    """The attempt an exit token was made for; a forged, expired or mismatched one is a 404."""
    try:
        signed_id = signing.loads(
            token, salt=EXIT_SIGNING_SALT, max_age=settings.SCORM_LAUNCH_TOKEN_MAX_AGE
        )
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        signed_id = None
    attempt = (
        Attempt.objects.select_related("enrollment__course").filter(pk=attempt_id).first()
        if signed_id == str(attempt_id)
        else None
    )
    if attempt is None:
        raise Http404("No such attempt.")
    return attempt


@dataclass(frozen=True)
class PanelState:
    """What the progress panel shows, and whether it should keep polling."""

    status: AttemptStatus
    completion: str
    success: str
    score_scaled: float | None
    seconds: float
    last_changed: datetime | None
    exited: bool
    finished: bool
    waiting_for_results: bool
    poll_seconds: int


def attempt_panel_state(*, attempt: Attempt, now: datetime | None = None) -> PanelState:
    """The panel's state, read from the database only.

    Remote results lag: after completion the panel keeps polling for the completion settle
    window (the score may follow the status), and after an exit it keeps polling for the
    provider's exit window before it gives up and says results may take longer.
    """
    now = now or timezone.now()
    provider = get_provider(attempt.provider)
    completed = attempt.completion == Completion.COMPLETED
    settle = timedelta(seconds=settings.SCORM_COMPLETION_SETTLE_SECONDS if provider.remote else 0)
    exit_window = timedelta(seconds=provider.exit_settle_seconds)
    settled = completed and (attempt.completed_at is None or now >= attempt.completed_at + settle)
    exited = attempt.exited_at is not None
    gave_up = exited and not completed and now >= attempt.exited_at + exit_window
    return PanelState(
        status=attempt.status,
        completion=attempt.completion,
        success=attempt.success,
        score_scaled=attempt.score_scaled,
        seconds=attempt.seconds_tracked,
        last_changed=attempt.last_synced_at,
        exited=exited,
        finished=settled or gave_up,
        waiting_for_results=exited and not completed and not gave_up,
        poll_seconds=settings.SCORM_PROGRESS_POLL_SECONDS,
    )
