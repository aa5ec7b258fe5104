"""Which attempt counts for a learner (the course's grading method), in Python and as a database
expression, like :mod:`enrollments.status`: the writers of results pick it in Python for one
enrolment, ``rebuild_gradebook`` picks it in SQL for a whole course, and a test proves the two
agree on every grading method and every combination of results.

Stored values a page could not show (a score or a time that is not finite, or absurdly large)
count as missing here, so they never decide the graded attempt nor overflow a total.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When

from core.formatting import MAX_DISPLAY_SECONDS, MAX_SCORE_MAGNITUDE
from courses.models import Course
from providers.types import Completion, Success

from .status import STATUS_ORDER

__all__ = [
    "COMPLETION_ORDER",
    "STATUS_ORDER",
    "SUCCESS_ORDER",
    "AttemptFacts",
    "countable_score",
    "countable_seconds",
    "graded_attempt",
    "graded_attempt_pk",
    "rank",
    "rank_expression",
]

# Sort orders by meaning, not alphabet; a missing value (no attempt) ranks after them all.
COMPLETION_ORDER = [
    Completion.UNKNOWN.value,
    Completion.INCOMPLETE.value,
    Completion.COMPLETED.value,
]
SUCCESS_ORDER = [Success.UNKNOWN.value, Success.FAILED.value, Success.PASSED.value]


def rank(value: str | None, values: list[str]) -> int:
    return values.index(value) if value in values else len(values)


def rank_expression(field: str, values: list[str]) -> Case:
    """:func:`rank` over ``field``."""
    return Case(
        *[When(Q(**{field: value}), then=Value(index)) for index, value in enumerate(values)],
        default=Value(len(values)),
        output_field=models.IntegerField(),
    )


# --- Values that count --------------------------------------------------------------------


def countable_score(score: float | None) -> float | None:
    """The score, or None when it is missing or no page could show it."""
    if score is None or not math.isfinite(score) or abs(score) > MAX_SCORE_MAGNITUDE:
        return None
    return score


def countable_seconds(seconds: float | None) -> float:
    """The seconds an attempt adds to a total: 0 for a value no page could show."""
    if seconds is None or not math.isfinite(seconds) or not 0 <= seconds <= MAX_DISPLAY_SECONDS:
        return 0.0
    return seconds


def countable_score_expression(field: str = "score_scaled") -> Case:
    """:func:`countable_score` in SQL (NaN fails BETWEEN on PostgreSQL; SQLite stores it as
    NULL)."""
    return Case(
        When(
            Q(**{f"{field}__gte": -MAX_SCORE_MAGNITUDE, f"{field}__lte": MAX_SCORE_MAGNITUDE}),
            then=F(field),
        ),
        default=Value(None),
        output_field=models.FloatField(),
    )


def countable_seconds_expression(field: str = "seconds_tracked") -> Case:
    """:func:`countable_seconds` in SQL: a sum of these never overflows."""
    return Case(
        When(Q(**{f"{field}__gte": 0, f"{field}__lte": MAX_DISPLAY_SECONDS}), then=F(field)),
        default=Value(0.0),
        output_field=models.FloatField(),
    )


# --- The graded attempt, in Python --------------------------------------------------------


@dataclass(frozen=True)
class AttemptFacts:
    """What grading reads of one attempt."""

    pk: Any
    number: int
    completion: str
    success: str
    score_scaled: float | None
    seconds_tracked: float
    first_accessed_at: datetime | None
    last_accessed_at: datetime | None
    completed_at: datetime | None

    FIELDS = (
        "pk",
        "number",
        "completion",
        "success",
        "score_scaled",
        "seconds_tracked",
        "first_accessed_at",
        "last_accessed_at",
        "completed_at",
    )

    @classmethod
    def of(cls, attempt: Any) -> AttemptFacts:
        return cls(**{name: getattr(attempt, name) for name in cls.FIELDS})


def _completed_not_failed(a: AttemptFacts) -> bool:
    return a.completion == Completion.COMPLETED and a.success != Success.FAILED


def _progress(a: AttemptFacts) -> int:
    """How far an attempt got, best highest: breaks ties between attempts without scores."""
    if a.success == Success.PASSED:
        return 3
    if _completed_not_failed(a):
        return 2
    if a.success == Success.FAILED:
        return 1
    return 0


def _highest_key(a: AttemptFacts) -> tuple:
    score = countable_score(a.score_scaled)
    # Smallest first: a score before none, the higher score, the furthest, the earliest.
    return (score is None, -(score or 0.0), -_progress(a), a.number)


def _last_completed_key(a: AttemptFacts) -> tuple:
    return (0 if _completed_not_failed(a) else 1, -a.number)


_PYTHON_KEYS = {
    Course.GradingMethod.HIGHEST: _highest_key,
    Course.GradingMethod.LAST_COMPLETED: _last_completed_key,
    Course.GradingMethod.FIRST: lambda a: (a.number,),
    # The score is the mean of all scored attempts; status comes from this attempt.
    Course.GradingMethod.AVERAGE: _last_completed_key,
}


def graded_attempt(attempts: Sequence[AttemptFacts], *, grading_method: str) -> AttemptFacts | None:
    """The attempt that counts (None without attempts). Unknown methods grade as "highest"."""
    if not attempts:
        return None
    return min(attempts, key=_PYTHON_KEYS.get(grading_method, _highest_key))


# --- The graded attempt, in SQL -----------------------------------------------------------

_completed_not_failed_q = Q(completion=Completion.COMPLETED) & ~Q(success=Success.FAILED)

_progress_expression = Case(
    When(success=Success.PASSED, then=Value(3)),
    When(_completed_not_failed_q, then=Value(2)),
    When(success=Success.FAILED, then=Value(1)),
    default=Value(0),
    output_field=models.IntegerField(),
)

# Moodle's "last completed attempt" leaves failed attempts out; when no attempt qualifies,
# the latest one stands in so the row still shows where the learner is.
_last_completed_ordering = [
    Case(
        When(_completed_not_failed_q, then=Value(0)),
        default=Value(1),
        output_field=models.IntegerField(),
    ),
    F("number").desc(),
]

_SQL_ORDERINGS = {
    Course.GradingMethod.HIGHEST: [
        countable_score_expression().desc(nulls_last=True),
        _progress_expression.desc(),
        F("number").asc(),
    ],
    Course.GradingMethod.LAST_COMPLETED: _last_completed_ordering,
    Course.GradingMethod.FIRST: [F("number").asc()],
    Course.GradingMethod.AVERAGE: _last_completed_ordering,
}


def graded_attempt_pk(*, grading_method: str, enrollment: OuterRef) -> Subquery:
    """The primary key of the attempt that counts for ``enrollment`` (an outer reference)."""
    from .models import Attempt  # the models import this module's ranks

    ordering = _SQL_ORDERINGS.get(grading_method, _SQL_ORDERINGS[Course.GradingMethod.HIGHEST])
    attempts = Attempt.objects.filter(enrollment=enrollment).order_by(*ordering)
    return Subquery(attempts.values("pk")[:1])
