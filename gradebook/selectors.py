"""The gradebook's read queries.

Every figure (the graded attempt, totals, status) is computed by the database in the query
that lists the learners, so a page costs the same few queries for 10 learners or 10,000.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, TruncDate

from core.formatting import format_percent, format_seconds, format_timestamp
from courses.models import Course
from enrollments.models import Attempt, Enrollment
from enrollments.status import AttemptStatus, status_expression
from playback.selectors import attempts_cmi
from providers import get_provider
from providers.types import Completion, Success

from . import cmi
from .grading import (
    COMPLETION_ORDER,
    STATUS_ORDER,
    SUCCESS_ORDER,
    graded_attempt_pk,
    rank_expression,
)
from .permissions import gradebook_courses_for

PAGE_SIZE = 50
HISTOGRAM_BUCKETS = 10


# --- Columns, filters and the one query they apply to ------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    order_by: tuple[str, ...]


# The page's columns, in order; the gradebook CSV has exactly these.
GRADEBOOK_COLUMNS = (
    Column("learner", "Learner", ("learner_last_name", "learner_first_name")),
    Column("username", "Username", ("learner_username",)),
    Column("status", "Status", ("status_rank",)),
    Column("completion", "Completion", ("completion_rank",)),
    Column("success", "Success", ("success_rank",)),
    Column("score", "Score (%)", ("graded_score",)),
    Column("time", "Time spent", ("seconds_total",)),
    Column("attempts", "Attempts", ("attempt_count",)),
    Column("first_access", "First access", ("first_access",)),
    Column("last_access", "Last access", ("last_access",)),
)
SORT_KEYS = {column.key: column for column in GRADEBOOK_COLUMNS}
DEFAULT_SORT = "learner"
# Rows that tie on the sort column keep a stable order across pages.
_TIE_BREAK = ("learner_last_name", "learner_first_name", "learner_username", "learner_external_id")


@dataclass(frozen=True)
class GradebookFilters:
    q: str = ""
    status: str = ""
    sort: str = DEFAULT_SORT
    descending: bool = False


def _identity_expressions(prefix: str) -> dict[str, Any]:
    """Who the row is about. ``prefix`` leads from the queried model to the enrolment."""
    user = f"{prefix}learner__user__"
    return {
        "learner_external_id": F(f"{prefix}learner__external_id"),
        "learner_first_name": F(f"{user}first_name"),
        "learner_last_name": F(f"{user}last_name"),
        "learner_username": F(f"{user}username"),
        "learner_email": F(f"{user}email"),
    }


def _graded_expressions(*, course: Course, prefix: str) -> dict[str, Any]:
    """The attempt that counts for one enrolment, as expressions (see ``grading``).

    It is joined in as a filtered relation whose condition is the correlated subquery that
    picks it, so its fields are plain columns of the row.
    """
    enrollment = OuterRef(f"{prefix}pk")
    relation = f"{prefix}attempts"
    pick = graded_attempt_pk(grading_method=course.grading_method, enrollment=enrollment)
    if course.grading_method == Course.GradingMethod.AVERAGE:
        score = _attempt_total(enrollment, Avg("score_scaled"))
    else:
        score = F("graded__score_scaled")
    return {
        "graded": FilteredRelation(relation, condition=Q(**{f"{relation}__pk": pick})),
        "graded_attempt_id": F("graded__pk"),
        "graded_completion": F("graded__completion"),
        "graded_success": F("graded__success"),
        "graded_completed_at": F("graded__completed_at"),
        "graded_first_accessed_at": F("graded__first_accessed_at"),
        "graded_score": score,
    }


def _attempt_total(enrollment: OuterRef, aggregate: Any) -> Subquery:
    attempts = Attempt.objects.filter(enrollment=enrollment).order_by().values("enrollment")
    return Subquery(attempts.annotate(value=aggregate).values("value"))


def _row_expressions(*, course: Course, prefix: str) -> dict[str, Any]:
    """Everything a gradebook row shows or sorts by. Later entries use earlier ones."""
    enrollment = OuterRef(f"{prefix}pk")
    return {
        **_graded_expressions(course=course, prefix=prefix),
        "attempt_count": Coalesce(_attempt_total(enrollment, Count("pk")), 0),
        "seconds_total": Coalesce(_attempt_total(enrollment, Sum("seconds_tracked")), Value(0.0)),
        "first_access": _attempt_total(enrollment, Min("first_accessed_at")),
        "last_access": _attempt_total(enrollment, Max("last_accessed_at")),
        "status": status_expression(
            completion="graded_completion",
            success="graded_success",
            first_accessed_at="graded_first_accessed_at",
        ),
        "status_rank": rank_expression("status", STATUS_ORDER),
        "completion_rank": rank_expression("graded_completion", COMPLETION_ORDER),
        "success_rank": rank_expression("graded_success", SUCCESS_ORDER),
    }


def _filtered(
    queryset: QuerySet, filters: GradebookFilters, *, then: tuple[str, ...] = ()
) -> QuerySet:
    """Apply search, status filter and sort (then ``then``); names are the expressions' names."""
    if filters.q:
        queryset = queryset.alias(
            learner_full_name=Concat("learner_first_name", Value(" "), "learner_last_name")
        ).filter(
            Q(learner_full_name__icontains=filters.q)
            | Q(learner_username__icontains=filters.q)
            | Q(learner_email__icontains=filters.q)
        )
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    column = SORT_KEYS.get(filters.sort, SORT_KEYS[DEFAULT_SORT])
    # Missing values (no score, never accessed) go last whichever the direction.
    ordering = [
        F(name).desc(nulls_last=True) if filters.descending else F(name).asc(nulls_last=True)
        for name in column.order_by
    ]
    return queryset.order_by(*ordering, *_TIE_BREAK, *then)


def gradebook_queryset(*, course: Course, filters: GradebookFilters | None = None) -> QuerySet:
    """One annotated row per enrolment of ``course``; started or not, every learner is there."""
    queryset = Enrollment.objects.filter(course=course).annotate(
        **_identity_expressions(""), **_row_expressions(course=course, prefix="")
    )
    return _filtered(queryset, filters or GradebookFilters())


# --- Rows --------------------------------------------------------------------------------

_ROW_FIELDS = (
    "pk",
    "learner_external_id",
    "learner_first_name",
    "learner_last_name",
    "learner_username",
    "graded_attempt_id",
    "graded_completion",
    "graded_success",
    "graded_score",
    "seconds_total",
    "attempt_count",
    "first_access",
    "last_access",
    "status",
)


@dataclass(frozen=True, slots=True)
class GradebookRow:
    """One learner's line, with the text both the page and the CSV show."""

    enrollment_id: int
    external_id: str
    first_name: str
    last_name: str
    username: str
    graded_attempt_id: Any
    status: AttemptStatus
    completion: str
    success: str
    score_scaled: float | None
    seconds: float
    attempts: int
    first_access: datetime | None
    last_access: datetime | None

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> GradebookRow:
        return cls(
            enrollment_id=values["pk"],
            external_id=values["learner_external_id"],
            first_name=values["learner_first_name"],
            last_name=values["learner_last_name"],
            username=values["learner_username"],
            graded_attempt_id=values["graded_attempt_id"],
            status=AttemptStatus(values["status"]),
            completion=values["graded_completion"] or "",
            success=values["graded_success"] or "",
            score_scaled=values["graded_score"],
            seconds=values["seconds_total"],
            attempts=values["attempt_count"],
            first_access=values["first_access"],
            last_access=values["last_access"],
        )

    @property
    def name(self) -> str:
        # As Learner.display_name: the full name, or the username when there is none.
        return f"{self.first_name} {self.last_name}".strip() or self.username

    @property
    def started(self) -> bool:
        return self.attempts > 0

    @property
    def score_display(self) -> str:
        return format_percent(self.score_scaled)

    @property
    def time_display(self) -> str:
        return format_seconds(self.seconds) if self.started else ""

    @property
    def first_access_display(self) -> str:
        return format_timestamp(self.first_access)

    @property
    def last_access_display(self) -> str:
        return format_timestamp(self.last_access)

    def cells(self, *, tz: tzinfo | None = None) -> list[str]:
        """The row as text, in ``GRADEBOOK_COLUMNS`` order."""
        return [
            self.name,
            self.username,
            self.status.label,
            self.completion,
            self.success,
            self.score_display,
            self.time_display,
            str(self.attempts),
            format_timestamp(self.first_access, tz=tz),
            format_timestamp(self.last_access, tz=tz),
        ]


def gradebook_rows(queryset: QuerySet) -> Iterator[GradebookRow]:
    """Stream a gradebook queryset's rows in bounded memory."""
    for values in queryset.values(*_ROW_FIELDS).iterator(chunk_size=2000):
        yield GradebookRow.from_values(values)


def gradebook_page_rows(queryset: QuerySet) -> QuerySet:
    """The values a page of the gradebook needs (paginate, then wrap with ``GradebookRow``)."""
    return queryset.values(*_ROW_FIELDS)


def gradebook_row_get(*, course: Course, external_id: str) -> GradebookRow | None:
    values = gradebook_page_rows(gradebook_queryset(course=course)).filter(
        learner__external_id=external_id
    )
    found = values.first()
    return GradebookRow.from_values(found) if found else None


# --- Summary and charts ------------------------------------------------------------------


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


def _bucket_filter(index: int) -> Q:
    # Bucket i holds scores in [i/10, (i+1)/10); the last one also holds a perfect score.
    lower = Q() if index == 0 else Q(graded_score__gte=index / HISTOGRAM_BUCKETS)
    upper = (
        Q()
        if index == HISTOGRAM_BUCKETS - 1
        else Q(graded_score__lt=(index + 1) / HISTOGRAM_BUCKETS)
    )
    return Q(graded_score__isnull=False) & lower & upper


def gradebook_summary(*, course: Course) -> GradebookSummary:
    """Course-wide figures and the score histogram, in one aggregate query."""
    # Only the graded attempt's columns: the aggregate wraps this query as its subquery.
    queryset = Enrollment.objects.filter(course=course).annotate(
        **_graded_expressions(course=course, prefix=""),
        status=status_expression(
            completion="graded_completion",
            success="graded_success",
            first_accessed_at="graded_first_accessed_at",
        ),
    )
    figures = queryset.aggregate(
        enrolled=Count("pk"),
        started=Count("pk", filter=~Q(status=AttemptStatus.NOT_STARTED)),
        completed=Count("pk", filter=Q(graded_completion=Completion.COMPLETED)),
        passed=Count("pk", filter=Q(graded_success=Success.PASSED)),
        graded_for_success=Count(
            "pk", filter=Q(graded_success__in=[Success.PASSED, Success.FAILED])
        ),
        average_score=Avg("graded_score"),
        **{f"bucket_{i}": Count("pk", filter=_bucket_filter(i)) for i in range(HISTOGRAM_BUCKETS)},
    )
    return GradebookSummary(
        enrolled=figures["enrolled"],
        started=figures["started"],
        completed=figures["completed"],
        passed=figures["passed"],
        graded_for_success=figures["graded_for_success"],
        average_score=figures["average_score"],
        score_buckets=[figures[f"bucket_{i}"] for i in range(HISTOGRAM_BUCKETS)],
    )


def gradebook_completions_by_day(*, course: Course) -> list[tuple[date, int]]:
    """Cumulative count of learners whose graded attempt is completed, by completion day.

    Its last value is the summary's "completed" (less any completion with no date).
    """
    per_day = (
        Enrollment.objects.filter(course=course)
        .alias(**_graded_expressions(course=course, prefix=""))
        .filter(graded_completion=Completion.COMPLETED, graded_completed_at__isnull=False)
        .values(day=TruncDate("graded_completed_at"))
        .annotate(count=Count("pk"))
        .order_by("day")
    )
    points, running = [], 0
    for row in per_day:
        running += row["count"]
        points.append((row["day"], running))
    return points


# --- Course list -------------------------------------------------------------------------


def gradebook_course_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Course]:
    """The courses ``user`` may read, with enrolment, start and completion counts.

    "Completed" here means completed at least once, whatever the course's grading method.
    """
    enrollments = Enrollment.objects.filter(course=OuterRef("pk")).order_by().values("course")
    attempts = Attempt.objects.filter(enrollment=OuterRef("pk"))

    def count(queryset: QuerySet) -> Coalesce:
        return Coalesce(Subquery(queryset.annotate(n=Count("pk")).values("n")), 0)

    return (
        gradebook_courses_for(user=user)
        .annotate(
            enrolled_count=count(enrollments),
            started_count=count(enrollments.filter(Exists(attempts))),
            completed_count=count(
                enrollments.filter(Exists(attempts.filter(completion=Completion.COMPLETED)))
            ),
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


@dataclass
class AttemptDetail:
    attempt: Attempt
    status: AttemptStatus
    provider_name: str
    is_remote: bool
    is_graded: bool
    scos: list[cmi.ScoReport] = field(default_factory=list)
    sco_titles: dict[str, str] = field(default_factory=dict)
    raw_cmi: dict[str, Any] = field(default_factory=dict)  # by activity, as stored

    @property
    def sco_reports(self) -> list[tuple[str, cmi.ScoReport]]:
        """(title, report) for SCOs that reported interactions or objectives."""
        return [
            (self.sco_titles.get(report.identifier) or report.identifier, report)
            for report in self.scos
            if not report.is_empty
        ]


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
        .filter(enrollment_id=row.enrollment_id)
        .order_by("number")
    )
    return _attempt_details(attempts, graded_attempt_id=row.graded_attempt_id)


def learner_attempt_get(*, attempt_id: Any) -> AttemptDetail:
    """One attempt as the learner page shows it, after a refresh."""
    attempt = Attempt.objects.select_related("package", "enrollment__course").get(pk=attempt_id)
    course = attempt.enrollment.course
    graded_attempt_id = (
        Enrollment.objects.filter(pk=attempt.enrollment_id)
        .annotate(
            graded=graded_attempt_pk(
                grading_method=course.grading_method, enrollment=OuterRef("pk")
            )
        )
        .values_list("graded", flat=True)
        .first()
    )
    return _attempt_details([attempt], graded_attempt_id=graded_attempt_id)[0]


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
    "learner_first_name",
    "learner_last_name",
    "learner_username",
)


def attempts_export_queryset(
    *, course: Course, filters: GradebookFilters | None = None
) -> QuerySet:
    """Every attempt of the learners the gradebook lists with ``filters``, in its order.

    The grading expressions are aliases: the database computes only those the filter or the
    sort uses.
    """
    queryset = (
        Attempt.objects.filter(enrollment__course=course)
        .annotate(**_identity_expressions("enrollment__"))
        .alias(**_row_expressions(course=course, prefix="enrollment__"))
    )
    return _filtered(queryset, filters or GradebookFilters(), then=("number",)).values(
        *ATTEMPT_EXPORT_FIELDS
    )
