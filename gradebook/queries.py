"""The gradebook's read queries, over each enrolment's stored result (see
:mod:`enrollments.results`): no attempt is read to list, count, sort, filter or chart learners,
and every sort and filter of a course runs along one of the enrolment table's ``gradebook_*``
indexes, so a page costs the same few small queries for 10 learners or 10,000.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf

from core.formatting import format_percent
from courses.models import Course
from enrollments.grading import COMPLETION_ORDER, STATUS_ORDER, SUCCESS_ORDER
from enrollments.models import Attempt, Enrollment, Learner
from enrollments.status import AttemptStatus
from playback.selectors import attempts_cmi
from providers import get_provider
from providers.types import Completion, Success

from . import cmi
from .permissions import gradebook_courses_for
from .rows import DEFAULT_SORT, ROW_FIELDS, AttemptDetail, GradebookRow

PAGE_SIZE = 50
HISTOGRAM_BUCKETS = 10

# --- Filters and sorts -----------------------------------------------------------------------

_NAME = ("learner_last_name", "learner_first_name", "learner_username")


@dataclass(frozen=True)
class Sort:
    """A column's sort: ``missing`` puts rows without a value last in both directions; the
    learner's name breaks ties (reversed with the sort, as its index is read backwards)."""

    keys: tuple[str, ...]
    missing: str = ""


SORTS = {
    "learner": Sort(_NAME),
    "username": Sort(("learner_username",)),
    "status": Sort(("status_rank", *_NAME)),
    "completion": Sort(("completion_rank", *_NAME)),
    "success": Sort(("success_rank", *_NAME)),
    "score": Sort(("score", *_NAME), missing="score_missing"),
    "time": Sort(("seconds_total", *_NAME)),
    "attempts": Sort(("attempt_count", *_NAME)),
    "first_access": Sort(("first_access_at", *_NAME), missing="first_access_missing"),
    "last_access": Sort(("last_access_at", *_NAME), missing="last_access_missing"),
}


@dataclass(frozen=True)
class GradebookFilters:
    q: str = ""
    status: str = ""
    sort: str = DEFAULT_SORT
    descending: bool = False


def _ordering(filters: GradebookFilters, prefix: str = "") -> list[Any]:
    sort = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    keys = [
        F(f"{prefix}{key}").desc() if filters.descending else F(f"{prefix}{key}").asc()
        for key in sort.keys
    ]
    return [F(f"{prefix}{sort.missing}").asc(), *keys] if sort.missing else keys


def _filtered(queryset: QuerySet, filters: GradebookFilters, prefix: str = "") -> QuerySet:
    """Search and status filter; ``prefix`` leads from the queried model to the enrolment."""
    if filters.q:
        first, last = f"{prefix}learner_first_name", f"{prefix}learner_last_name"
        queryset = queryset.alias(learner_full_name=Concat(first, Value(" "), last)).filter(
            Q(learner_full_name__icontains=filters.q)
            | Q(**{f"{prefix}learner_username__icontains": filters.q})
            | Q(**{f"{prefix}learner_email__icontains": filters.q})
        )
    if filters.status in STATUS_ORDER:
        queryset = queryset.filter(**{f"{prefix}status_rank": STATUS_ORDER.index(filters.status)})
    return queryset


def gradebook_queryset(*, course: Course, filters: GradebookFilters | None = None) -> QuerySet:
    """One row per enrolment of ``course`` (started or not, every learner is there), filtered
    and in the filters' order."""
    filters = filters or GradebookFilters()
    queryset = _filtered(Enrollment.objects.filter(course=course), filters)
    return queryset.order_by(*_ordering(filters))


def _external_id() -> Subquery:
    # A subquery, not a join: the paginator's count leaves an unused annotation out, and the
    # database reads it for the page's rows only.
    learner = Learner.objects.filter(pk=OuterRef("learner_id")).order_by()
    return Subquery(learner.values("external_id")[:1])


def gradebook_page_rows(queryset: QuerySet) -> QuerySet:
    """The values a page of the gradebook needs (paginate, then wrap with ``GradebookRow``)."""
    return queryset.values(*ROW_FIELDS, learner__external_id=_external_id())


def gradebook_rows(queryset: QuerySet) -> Iterator[GradebookRow]:
    """Stream a gradebook queryset's rows in bounded memory."""
    for values in queryset.values(*ROW_FIELDS).iterator(chunk_size=2000):
        yield GradebookRow.from_values(values)


def gradebook_row_get(*, course: Course, external_id: str) -> GradebookRow | None:
    found = (
        Enrollment.objects.filter(course=course, learner__external_id=external_id)
        .values(*ROW_FIELDS, "learner__external_id")
        .first()
    )
    return GradebookRow.from_values(found) if found else None


# --- Summary and charts ------------------------------------------------------------------

_COMPLETED = COMPLETION_ORDER.index(Completion.COMPLETED)
_PASSED = SUCCESS_ORDER.index(Success.PASSED)
_FAILED = SUCCESS_ORDER.index(Success.FAILED)
_NOT_STARTED = STATUS_ORDER.index(AttemptStatus.NOT_STARTED)


@dataclass(frozen=True)
class GradebookSummary:
    enrolled: int
    started: int
    completed: int
    passed: int
    graded_for_success: int
    average_score: float | None
    score_buckets: list[int]

    @staticmethod
    def _percent(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def completed_percent(self) -> float | None:
        return self._percent(self.completed, self.enrolled)

    @property
    def passed_percent(self) -> float | None:
        """Of the learners whose graded attempt has a known pass or fail."""
        return self._percent(self.passed, self.graded_for_success)

    @property
    def average_score_display(self) -> str:
        return format_percent(self.average_score)


def gradebook_summary(*, course: Course) -> GradebookSummary:
    """Course-wide figures and the score histogram, from one grouped query that the database
    answers from the ``gradebook_summary`` index alone (a few dozen groups at most)."""
    groups = (
        Enrollment.objects.filter(course=course)
        .values("status_rank", "completion_rank", "success_rank", "score_band")
        .annotate(learners=Count("pk"), score_sum=Sum("score"), scored=Count("score"))
        .order_by()
    )
    enrolled = started = completed = passed = graded = scored = 0
    score_sum = 0.0
    buckets = [0] * HISTOGRAM_BUCKETS
    for group in groups:
        n = group["learners"]
        enrolled += n
        started += n if group["status_rank"] != _NOT_STARTED else 0
        completed += n if group["completion_rank"] == _COMPLETED else 0
        passed += n if group["success_rank"] == _PASSED else 0
        graded += n if group["success_rank"] in (_PASSED, _FAILED) else 0
        if group["score_band"] is not None:
            buckets[group["score_band"]] += n
            scored += group["scored"]
            score_sum += group["score_sum"] or 0.0
    return GradebookSummary(
        enrolled=enrolled,
        started=started,
        completed=completed,
        passed=passed,
        graded_for_success=graded,
        average_score=score_sum / scored if scored else None,
        score_buckets=buckets,
    )


def gradebook_completions_by_day(*, course: Course) -> list[tuple[date, int]]:
    """Cumulative count of learners whose graded attempt is completed, by completion day in
    the site's time zone (the ``gradebook_completions`` index, grouped by the database).

    Its last value is the summary's "completed" (less any completion with no date).
    """
    per_day = (
        Enrollment.objects.filter(
            course=course, completion_rank=_COMPLETED, completed_on__isnull=False
        )
        .values("completed_on")
        .annotate(count=Count("pk"))
        .order_by("completed_on")
    )
    points, running = [], 0
    for row in per_day:
        running += row["count"]
        points.append((row["completed_on"], running))
    return points


# --- Course list -------------------------------------------------------------------------


def gradebook_course_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Course]:
    """The courses ``user`` may read, with enrolment, start and completion counts.

    "Completed" here means completed at least once, whatever the course's grading method.
    """
    enrollments = Enrollment.objects.filter(course=OuterRef("pk")).order_by().values("course")
    completed_attempts = Attempt.objects.filter(
        enrollment=OuterRef("pk"), completion=Completion.COMPLETED
    )

    def count(queryset: QuerySet) -> Coalesce:
        return Coalesce(Subquery(queryset.annotate(n=Count("pk")).values("n")), 0)

    return (
        gradebook_courses_for(user=user)
        .annotate(
            enrolled_count=count(enrollments),
            started_count=count(enrollments.filter(attempt_count__gt=0)),
            completed_count=count(enrollments.filter(Exists(completed_attempts))),
        )
        .annotate(
            completion_rate=Cast("completed_count", FloatField())
            * 100.0
            / NullIf(Cast("enrolled_count", FloatField()), 0.0),
        )
        .order_by("title")
    )


# --- One learner's attempts --------------------------------------------------------------


def _provider_facts(identifier: str) -> tuple[str, bool]:
    """(display name, remote?) for a provider; a provider since removed from settings reads as
    a plain name that cannot be refreshed."""
    try:
        provider = get_provider(identifier)
    except ImproperlyConfigured:
        return identifier, False
    return provider.verbose_name, provider.remote


def provider_is_remote(identifier: str) -> bool:
    """Whether attempts played by this provider can be brought up to date from it."""
    return _provider_facts(identifier)[1]


def _attempt_details(attempts: list[Attempt], *, graded_attempt_id: Any) -> list[AttemptDetail]:
    stored = attempts_cmi(attempt_ids=[attempt.pk for attempt in attempts])
    details = []
    for attempt in attempts:
        name, remote = _provider_facts(attempt.provider)
        activities = stored.get(attempt.pk, {})
        details.append(
            AttemptDetail(
                attempt=attempt,
                status=attempt.status,
                provider_name=name,
                is_remote=remote,
                is_graded=attempt.pk == graded_attempt_id,
                scos=cmi.sco_reports({key: value.cmi for key, value in activities.items()}),
                sco_titles={key: value.title for key, value in activities.items()},
                raw_cmi={key: value.cmi for key, value in activities.items()},
            )
        )
    return details


def learner_attempts(*, row: GradebookRow) -> list[AttemptDetail]:
    """Every attempt of the gradebook row's learner, oldest first."""
    attempts = list(
        Attempt.objects.select_related("package")
        .defer("provider_result")
        .filter(enrollment_id=row.enrollment_id)
        .order_by("number")
    )
    return _attempt_details(attempts, graded_attempt_id=row.graded_attempt_id)


def learner_attempt_get(*, attempt_id: Any) -> AttemptDetail:
    """One attempt as the learner page shows it, after a refresh."""
    attempt = (
        Attempt.objects.select_related("package", "enrollment")
        .defer("provider_result")
        .get(pk=attempt_id)
    )
    return _attempt_details([attempt], graded_attempt_id=attempt.enrollment.graded_attempt_id)[0]


# --- Attempts export ---------------------------------------------------------------------

ATTEMPT_EXPORT_FIELDS = (
    "id",
    "number",
    "provider",
    "package__version",
    "completion",
    "success",
    "score_scaled",
    "seconds_tracked",
    "first_accessed_at",
    "last_accessed_at",
    "completed_at",
)
_LEARNER_EXPORT_FIELDS = {
    name: F(f"enrollment__{name}")
    for name in ("learner_first_name", "learner_last_name", "learner_username")
}


def attempts_export_queryset(
    *, course: Course, filters: GradebookFilters | None = None
) -> QuerySet:
    """Every attempt of the learners the gradebook lists with ``filters``, in its order (then
    by attempt number), filtered and sorted on the enrolments' stored results."""
    filters = filters or GradebookFilters()
    queryset = _filtered(
        Attempt.objects.filter(enrollment__course=course), filters, prefix="enrollment__"
    )
    ordering = [*_ordering(filters, prefix="enrollment__"), "enrollment_id", "number"]
    return queryset.order_by(*ordering).values(*ATTEMPT_EXPORT_FIELDS, **_LEARNER_EXPORT_FIELDS)
