"""Which attempt counts for a learner: the course's grading method, as a database expression,
so the gradebook can filter, sort and count by it in one query whatever the number of learners.
(What the status of that attempt is, is decided by :mod:`enrollments.status`.)
"""

from __future__ import annotations

from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When

from courses.models import Course
from enrollments.models import Attempt
from enrollments.status import STATUS_ORDER
from providers.types import Completion, Success


def rank_expression(field: str, values: list[str]) -> Case:
    """Sort key that orders a text field by meaning (``values`` order) rather than alphabet."""
    return Case(
        *[When(Q(**{field: value}), then=Value(rank)) for rank, value in enumerate(values)],
        default=Value(len(values)),
        output_field=models.IntegerField(),
    )


__all__ = ["STATUS_ORDER", "graded_attempt_pk", "rank_expression"]
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
