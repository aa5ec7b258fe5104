"""Receivers that keep each enrolment's stored result and learner names right when something
outside the services changes what they copy (connected in :class:`~enrollments.apps.EnrollmentsConfig`)."""

from __future__ import annotations

from typing import Any

from courses.models import Course

from . import services
from .models import Attempt, Enrollment
from .results import results_changed

_NAME_FIELDS = {"first_name", "last_name", "email", "username"}


def course_grading_method_changed(*, course: Course, **kwargs: Any) -> None:
    services.course_results_rebuild(course=course)


def user_saved(*, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    # A login saves last_login alone: nothing the gradebook copies.
    if update_fields is not None and not _NAME_FIELDS & set(update_fields):
        return
    services.learner_names_changed(user=instance)


def attempt_deleted(*, instance: Attempt, origin: Any = None, **kwargs: Any) -> None:
    # Only attempts deleted as such: when their enrolment, learner or course is deleted, so is
    # the result (and recomputing it once per attempt would make that deletion crawl).
    if isinstance(origin, Attempt) or getattr(origin, "model", None) is Attempt:
        services.enrollment_result_refresh(enrollment_id=instance.enrollment_id)


def enrollment_saved(*, instance: Enrollment, created: bool, **kwargs: Any) -> None:
    if created:  # one more learner in the course's figures
        results_changed(course_id=instance.course_id)


def enrollment_deleted(*, instance: Enrollment, **kwargs: Any) -> None:
    results_changed(course_id=instance.course_id)
