"""An enrolment's stored result (what the gradebook shows), computed two ways that must agree:

* :func:`result_values` from one enrolment's attempts in Python, for the writers of results
  (:mod:`enrollments.services`), in the transaction that changes an attempt;
* :func:`result_queryset` in SQL for many enrolments at once, for ``rebuild_gradebook`` and a
  change of a course's grading method.

The graded attempt is chosen by :mod:`enrollments.grading`, its status by
:mod:`enrollments.status`; a test compares both forms on every grading method and status.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from courses.models import Course

from .grading import (
    COMPLETION_ORDER,
    STATUS_ORDER,
    SUCCESS_ORDER,
    AttemptFacts,
    countable_score,
    countable_score_expression,
    countable_seconds,
    countable_seconds_expression,
    graded_attempt,
    graded_attempt_pk,
    rank,
    rank_expression,
)
from .models import Attempt, Enrollment
from .status import AttemptStatus, attempt_status, status_expression
from .versioned_cache import versioned_bump

#: The stored result's fields (the learner's names excepted), as :func:`result_values` returns.
RESULT_FIELDS = (
    "graded_attempt_id",
    "status_rank",
    "completion_rank",
    "success_rank",
    "score",
    "score_band",
    "completed_at",
    "completed_on",
    "attempt_count",
    "seconds_total",
    "first_access_at",
    "last_access_at",
)


def results_cache_name(course_id: int) -> str:
    """The name under which readers cache what they compute from a course's stored results
    (see :mod:`enrollments.versioned_cache`)."""
    return f"course-results:{course_id}"


def results_changed(*, course_id: int) -> None:
    """A course's stored results changed (or an enrolment came or went)."""
    if settings.GRADEBOOK_SUMMARY_CACHE_SECONDS:
        versioned_bump(results_cache_name(course_id))


def local_day(moment: Any) -> date | None:
    """The day of ``moment`` in the site's time zone (the chart's days)."""
    if moment is None:
        return None
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def score_band(score: float | None) -> int | None:
    """The score's band in the gradebook's histogram: tenths, the last one holding 1.0 (and
    anything above), the first anything below 0.1."""
    if score is None:
        return None
    return next((band for band in range(9, 0, -1) if score >= band / 10), 0)


def score_band_expression(field: str) -> Case:
    """:func:`score_band` in SQL (the same comparisons, so the same edges)."""
    return Case(
        *[When(Q(**{f"{field}__gte": band / 10}), then=Value(band)) for band in range(9, 0, -1)],
        When(Q(**{f"{field}__isnull": False}), then=Value(0)),
        default=Value(None),
        output_field=IntegerField(),
    )


def result_values(attempts: Sequence[AttemptFacts], *, grading_method: str) -> dict[str, Any]:
    """The stored result of an enrolment with these attempts (all of them)."""
    graded = graded_attempt(attempts, grading_method=grading_method)
    if graded is None:
        status = AttemptStatus.NOT_STARTED
        score = completed_at = None
    else:
        status = attempt_status(
            completion=graded.completion,
            success=graded.success,
            first_accessed_at=graded.first_accessed_at,
        )
        completed_at = graded.completed_at
        if grading_method == Course.GradingMethod.AVERAGE:
            scores = [s for a in attempts if (s := countable_score(a.score_scaled)) is not None]
            score = sum(scores) / len(scores) if scores else None
        else:
            score = countable_score(graded.score_scaled)
    first = [a.first_accessed_at for a in attempts if a.first_accessed_at is not None]
    last = [a.last_accessed_at for a in attempts if a.last_accessed_at is not None]
    return {
        "graded_attempt_id": graded.pk if graded else None,
        "status_rank": STATUS_ORDER.index(status.value),
        "completion_rank": rank(graded.completion if graded else None, COMPLETION_ORDER),
        "success_rank": rank(graded.success if graded else None, SUCCESS_ORDER),
        "score": score,
        "score_band": score_band(score),
        "completed_at": completed_at,
        "completed_on": local_day(completed_at),
        "attempt_count": len(attempts),
        "seconds_total": float(sum(countable_seconds(a.seconds_tracked) for a in attempts)),
        "first_access_at": min(first, default=None),
        "last_access_at": max(last, default=None),
    }


def _total(aggregate: Any) -> Subquery:
    attempts = Attempt.objects.filter(enrollment=OuterRef("pk")).order_by().values("enrollment")
    return Subquery(attempts.annotate(value=aggregate).values("value"))


def result_queryset(*, course: Course) -> QuerySet[Enrollment]:
    """The course's enrolments annotated with their result as the database computes it (the
    names of :data:`RESULT_FIELDS`, prefixed ``new_``), and the learner's names."""
    pick = graded_attempt_pk(grading_method=course.grading_method, enrollment=OuterRef("pk"))
    if course.grading_method == Course.GradingMethod.AVERAGE:
        score = _total(Avg(countable_score_expression()))
    else:
        score = countable_score_expression("graded__score_scaled")
    status = status_expression(
        completion="graded__completion",
        success="graded__success",
        first_accessed_at="graded__first_accessed_at",
    )
    return (
        Enrollment.objects.filter(course=course)
        .alias(graded=FilteredRelation("attempts", condition=Q(attempts__pk=pick)))
        .alias(new_status=status)
        .annotate(
            new_graded_attempt_id=F("graded__pk"),
            new_status_rank=rank_expression("new_status", STATUS_ORDER),
            new_completion_rank=rank_expression("graded__completion", COMPLETION_ORDER),
            new_success_rank=rank_expression("graded__success", SUCCESS_ORDER),
            new_score=score,
            new_score_band=score_band_expression("new_score"),
            new_completed_at=F("graded__completed_at"),
            new_completed_on=TruncDate(
                "graded__completed_at", tzinfo=timezone.get_default_timezone()
            ),
            new_attempt_count=Coalesce(_total(Count("pk")), 0),
            new_seconds_total=Coalesce(_total(Sum(countable_seconds_expression())), Value(0.0)),
            new_first_access_at=_total(Min("first_accessed_at")),
            new_last_access_at=_total(Max("last_accessed_at")),
            new_last_name=F("learner__user__last_name"),
            new_first_name=F("learner__user__first_name"),
            new_username=F("learner__user__username"),
            new_email=F("learner__user__email"),
        )
        .order_by("pk")
    )
