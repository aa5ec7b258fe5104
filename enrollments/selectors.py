"""Read queries for the learner-facing pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from courses.models import Course
from courses.selectors import course_is_taught_by
from providers import get_provider
from providers.types import Completion

from . import settling
from .models import Attempt, Enrollment, Learner
from .settling import SettleFacts
from .status import AttemptStatus, attempt_status


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

    attempt_id: Any
    course_url: str
    provider: str
    remote: bool
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
    #: When the panel changes with no new result (a settle or exit window closing), or None.
    changes_at: datetime | None


# The only columns the panel reads (never the provider's raw result or run-time data).
_PANEL_FIELDS = (
    "pk",
    "provider",
    "completion",
    "success",
    "score_scaled",
    "seconds_tracked",
    "first_accessed_at",
    "last_synced_at",
    "completion_seen_at",
    "exited_at",
)


def _panel_state(values: dict[str, Any], *, course_slug: str, now: datetime) -> PanelState:
    provider = get_provider(values["provider"])
    facts = SettleFacts(
        remote=provider.remote,
        exit_window_seconds=provider.exit_settle_seconds,
        completion=values["completion"],
        success=values["success"],
        score_scaled=values["score_scaled"],
        completion_seen_at=values["completion_seen_at"],
        exited_at=values["exited_at"],
    )
    completed = values["completion"] == Completion.COMPLETED
    exited = values["exited_at"] is not None
    gave_up = settling.gave_up(facts, now=now)
    return PanelState(
        attempt_id=values["pk"],
        course_url=reverse("enrollments:course_detail", kwargs={"slug": course_slug}),
        provider=provider.identifier,
        remote=provider.remote,
        status=attempt_status(
            completion=values["completion"],
            success=values["success"],
            first_accessed_at=values["first_accessed_at"],
        ),
        completion=values["completion"],
        success=values["success"],
        score_scaled=values["score_scaled"],
        seconds=values["seconds_tracked"],
        last_changed=values["last_synced_at"],
        exited=exited,
        finished=settling.settled(facts, now=now) or gave_up,
        waiting_for_results=exited and not completed and not gave_up,
        poll_seconds=settings.SCORM_PROGRESS_POLL_SECONDS,
        changes_at=settling.next_change(facts, now=now),
    )


def attempt_panel_state(*, attempt: Attempt, now: datetime | None = None) -> PanelState:
    """The panel's state of a loaded attempt (with ``enrollment__course``), from the database
    only.

    Remote results lag: after a completion the panel keeps polling while the score may still
    follow it, and after an exit it keeps polling for the provider's exit window before it
    gives up and says results may take longer (see :mod:`enrollments.settling`).
    """
    values = {name: getattr(attempt, name) for name in _PANEL_FIELDS}
    return _panel_state(
        values, course_slug=attempt.enrollment.course.slug, now=now or timezone.now()
    )


def attempt_panel_for_learner(
    *, user: AbstractBaseUser, attempt_id: Any, now: datetime | None = None
) -> PanelState:
    """A learner's own attempt's panel state in one query of the panel's columns; anyone
    else's attempt is a 404."""
    try:
        values = (
            Attempt.objects.filter(pk=attempt_id, enrollment__learner__user=user)
            .values(*_PANEL_FIELDS, "enrollment__course__slug")
            .get()
        )
    except Attempt.DoesNotExist:
        raise Http404("No such attempt.") from None
    slug = values.pop("enrollment__course__slug")
    return _panel_state(values, course_slug=slug, now=now or timezone.now())
