"""Which attempt counts, and what a learner's status is: the gradebook's two rules.

Both are database expressions, so the gradebook can filter, sort and count by them in one
query whatever the number of learners.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When

from courses.models import Course
from enrollments.models import Attempt
from lms.scorm.types import Completion, Success


class LearnerStatus(models.TextChoices):
    """A learner's (or one attempt's) standing, in order of progress."""

    NOT_STARTED = "not_started", "not started"
    IN_PROGRESS = "in_progress", "in progress"
    FAILED = "failed", "failed"
    # Completed content that reports no pass mark has nothing to fail: not a failure.
    COMPLETED_NO_PASS_MARK = "completed_no_pass_mark", "completed, no pass mark"
    PASSED = "passed", "passed"

    @property
    def badge_class(self) -> str:
        return _BADGE_CLASSES[self]


_BADGE_CLASSES = {
    LearnerStatus.NOT_STARTED: "not-started",
    LearnerStatus.IN_PROGRESS: "incomplete",
    LearnerStatus.FAILED: "failed",
    LearnerStatus.COMPLETED_NO_PASS_MARK: "completed",
    LearnerStatus.PASSED: "passed",
}


def status_expression(*, completion: str, success: str, started: Q) -> Case:
    """The one definition of the status badge, over the named completion and success fields.

    Success wins over completion: SCORM 2004 content may report "passed" before "completed",
    and a known pass or fail is what an instructor looks for first.
    """
    return Case(
        When(~started, then=Value(LearnerStatus.NOT_STARTED.value)),
        When(Q(**{success: Success.PASSED}), then=Value(LearnerStatus.PASSED.value)),
        When(Q(**{success: Success.FAILED}), then=Value(LearnerStatus.FAILED.value)),
        When(
            Q(**{completion: Completion.COMPLETED}),
            then=Value(LearnerStatus.COMPLETED_NO_PASS_MARK.value),
        ),
        default=Value(LearnerStatus.IN_PROGRESS.value),
        output_field=models.CharField(),
    )


def rank_expression(field: str, values: list[str]) -> Case:
    """Sort key that orders a text field by meaning (``values`` order) rather than alphabet."""
    return Case(
        *[When(Q(**{field: value}), then=Value(rank)) for rank, value in enumerate(values)],
        default=Value(len(values)),
        output_field=models.IntegerField(),
    )


STATUS_ORDER = [s.value for s in LearnerStatus]
COMPLETION_ORDER = [Completion.UNKNOWN, Completion.INCOMPLETE, Completion.COMPLETED]
SUCCESS_ORDER = [Success.UNKNOWN, Success.FAILED, Success.PASSED]

_completed_not_failed = Q(completion=Completion.COMPLETED) & ~Q(success=Success.FAILED)

# How far an attempt got, best last: breaks ties between attempts without scores.
_progress = Case(
    When(success=Success.PASSED, then=Value(3)),
    When(_completed_not_failed, then=Value(2)),
    When(success=Success.FAILED, then=Value(1)),
    default=Value(0),
    output_field=models.IntegerField(),
)

# Moodle's "last completed attempt" leaves failed attempts out; when no attempt qualifies,
# the latest one stands in so the row still shows where the learner is.
_last_completed = [
    Case(
        When(_completed_not_failed, then=Value(0)),
        default=Value(1),
        output_field=models.IntegerField(),
    ),
    F("number").desc(),
]

_ORDERINGS = {
    Course.GradingMethod.HIGHEST: [
        F("score_scaled").desc(nulls_last=True),
        _progress.desc(),
        F("number").asc(),
    ],
    Course.GradingMethod.LAST_COMPLETED: _last_completed,
    Course.GradingMethod.FIRST: [F("number").asc()],
    # The score is the mean of all attempts (see selectors); status comes from this attempt.
    Course.GradingMethod.AVERAGE: _last_completed,
}


def graded_attempt_pk(*, grading_method: str, enrollment: OuterRef) -> Subquery:
    """The primary key of the attempt that counts for ``enrollment`` (an outer reference)."""
    ordering = _ORDERINGS.get(grading_method, _ORDERINGS[Course.GradingMethod.HIGHEST])
    attempts = Attempt.objects.filter(enrollment=enrollment).order_by(*ordering)
    return Subquery(attempts.values("pk")[:1])
