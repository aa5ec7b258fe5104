from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from courses.models import Course, Package
from providers.types import Completion, Success

from .grading import COMPLETION_ORDER, SUCCESS_ORDER
from .status import STATUS_ORDER, AttemptStatus, attempt_status


def _new_external_id() -> str:
    return f"lrn_{secrets.token_hex(12)}"


class Learner(models.Model):
    """A person who takes courses. Providers only ever see ``external_id``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner"
    )
    external_id = models.CharField(
        max_length=64, unique=True, default=_new_external_id, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name", "user__username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


# Rows that tie on a gradebook sort keep the learners' alphabetical order (ties reversed when
# the sort is): the username is unique, so the order is total.
_NAME = ("learner_last_name", "learner_first_name", "learner_username")
_NAME_DESC = tuple(f"-{name}" for name in _NAME)


def _gradebook_index(name: str, *keys: str, descending: bool = False) -> models.Index:
    """An index that serves one gradebook sort of one course, ties included."""
    if descending:
        return models.Index(fields=["course", *keys, *_NAME_DESC], name=name)
    return models.Index(fields=["course", *keys, *_NAME], name=name)


class Enrollment(models.Model):
    """A learner in a course, with their result there as the gradebook shows it.

    The result fields are the learner's graded result (see :mod:`enrollments.results`): written
    in the same transaction as every attempt result, launch and new attempt, recomputed for a
    course when its grading method changes, and by ``manage.py rebuild_gradebook`` for data
    written behind the application's back. The ``learner_*`` fields copy the learner's names
    so that the gradebook sorts and searches one table through its own indexes.
    """

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Who: copies of the learner's user, for sorting and searching.
    learner_last_name = models.CharField(max_length=150, blank=True, editable=False)
    learner_first_name = models.CharField(max_length=150, blank=True, editable=False)
    learner_username = models.CharField(max_length=150, blank=True, editable=False)
    learner_email = models.CharField(max_length=254, blank=True, editable=False)

    # The graded result. Ranks are indexes into STATUS_ORDER, COMPLETION_ORDER and
    # SUCCESS_ORDER (meaningful sort orders); a missing value ranks last.
    graded_attempt = models.ForeignKey(
        "Attempt",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The attempt that counts, by the course's grading method.",
    )
    status_rank = models.PositiveSmallIntegerField(default=0, editable=False)
    completion_rank = models.PositiveSmallIntegerField(
        default=len(COMPLETION_ORDER), editable=False
    )
    success_rank = models.PositiveSmallIntegerField(default=len(SUCCESS_ORDER), editable=False)
    score = models.FloatField(null=True, blank=True, editable=False, help_text="0..1")
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="completed_at's day in the site's time zone.",
    )
    attempt_count = models.PositiveIntegerField(default=0, editable=False)
    seconds_total = models.FloatField(default=0, editable=False)
    first_access_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_access_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Computed by the database: sort keys that put missing values last in both directions.
    score_missing = models.GeneratedField(
        expression=models.ExpressionWrapper(
            Q(score__isnull=True), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    first_access_missing = models.GeneratedField(
        expression=models.ExpressionWrapper(
            Q(first_access_at__isnull=True), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    last_access_missing = models.GeneratedField(
        expression=models.ExpressionWrapper(
            Q(last_access_at__isnull=True), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    score_band = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The score's tenth in the gradebook's histogram (0-9; 9 holds 1.0).",
    )

    class Meta:
        ordering = ["course", "learner"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="enrollment_unique")
        ]
        indexes = [
            models.Index(fields=["course", *_NAME], name="gradebook_learner"),
            models.Index(fields=["course", "learner_username"], name="gradebook_username"),
            _gradebook_index("gradebook_status", "status_rank"),
            _gradebook_index("gradebook_completion", "completion_rank"),
            _gradebook_index("gradebook_success", "success_rank"),
            _gradebook_index("gradebook_score", "score_missing", "score"),
            _gradebook_index("gradebook_score_desc", "score_missing", "-score", descending=True),
            _gradebook_index("gradebook_time", "seconds_total"),
            _gradebook_index("gradebook_attempts", "attempt_count"),
            _gradebook_index("gradebook_first", "first_access_missing", "first_access_at"),
            _gradebook_index(
                "gradebook_first_desc",
                "first_access_missing",
                "-first_access_at",
                descending=True,
            ),
            _gradebook_index("gradebook_last", "last_access_missing", "last_access_at"),
            _gradebook_index(
                "gradebook_last_desc", "last_access_missing", "-last_access_at", descending=True
            ),
            # The summary and the histogram group these without reading the table.
            models.Index(
                fields=[
                    "course",
                    "status_rank",
                    "completion_rank",
                    "success_rank",
                    "score_band",
                    "score",
                ],
                name="gradebook_summary",
            ),
            # Completions by day.
            models.Index(
                fields=["course", "completion_rank", "completed_on"], name="gradebook_completions"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} in {self.course}"

    def save(self, *args, **kwargs) -> None:
        if kwargs.get("update_fields") is None:  # created, or edited as a whole (the admin)
            self.copy_learner_names(self.learner.user)
        super().save(*args, **kwargs)

    def copy_learner_names(self, user: models.Model) -> None:
        self.learner_last_name = user.last_name
        self.learner_first_name = user.first_name
        self.learner_username = user.get_username()
        self.learner_email = user.email

    @property
    def status(self) -> AttemptStatus:
        return AttemptStatus(STATUS_ORDER[self.status_rank])

    @property
    def completion(self) -> str:
        """The graded attempt's completion; "" without attempts."""
        return _value_at(COMPLETION_ORDER, self.completion_rank)

    @property
    def success(self) -> str:
        return _value_at(SUCCESS_ORDER, self.success_rank)


def _value_at(values: list[str], rank: int) -> str:
    return values[rank] if 0 <= rank < len(values) else ""


CompletionField = models.TextChoices("Completion", [(c.name, c.value) for c in Completion])
SuccessField = models.TextChoices("Success", [(s.name, s.value) for s in Success])


class Attempt(models.Model):
    """One play-through of one package version by one enrolment.

    Its UUID is made once and never reused: it is the SCORM Cloud registrationId and the
    AllureConnect session_id. A new attempt always gets a new one.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attempts")
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveIntegerField(
        help_text="1 for the learner's first attempt in the course."
    )
    provider = models.CharField(max_length=40, help_text="The provider that plays this attempt.")
    is_open = models.BooleanField(default=True, help_text="Play resumes an open attempt.")
    registered_at = models.DateTimeField(
        null=True, blank=True, help_text="When the provider first learned of this attempt."
    )

    completion = models.CharField(
        max_length=20, choices=CompletionField.choices, default=Completion.UNKNOWN
    )
    success = models.CharField(max_length=20, choices=SuccessField.choices, default=Success.UNKNOWN)
    score_scaled = models.FloatField(null=True, blank=True, help_text="0..1")
    score_raw = models.FloatField(null=True, blank=True)
    score_min = models.FloatField(null=True, blank=True)
    score_max = models.FloatField(null=True, blank=True)
    seconds_tracked = models.FloatField(default=0)
    activities_completed = models.PositiveIntegerField(
        null=True, blank=True, help_text="Activities completed, as the provider counts them."
    )
    activities_total = models.PositiveIntegerField(null=True, blank=True)

    first_accessed_at = models.DateTimeField(null=True, blank=True)
    last_accessed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completion_seen_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the LMS learned of the completion: the score may follow it for a while.",
    )
    exited_at = models.DateTimeField(
        null=True, blank=True, help_text="When the learner last left the player."
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    remote_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="The provider's own timestamp of the stored result."
    )
    provider_result = models.JSONField(
        default=dict, blank=True, help_text="The provider's last raw result."
    )

    remote_revision = models.BigIntegerField(
        null=True, blank=True, help_text="The provider's version counter of the stored result."
    )
    launch_count = models.PositiveIntegerField(
        default=0, help_text="Launch URLs minted for this attempt."
    )
    # Results the LMS's own player reports are ordered by (launch, sequence): an older one
    # must not overwrite a newer one.
    commit_launch = models.PositiveIntegerField(default=0)
    commit_sequence = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["enrollment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "number"], name="attempt_number_unique"),
        ]
        indexes = [models.Index(fields=["enrollment", "is_open"])]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.enrollment}"

    @property
    def is_completed(self) -> bool:
        return self.completion == Completion.COMPLETED

    @property
    def status(self) -> AttemptStatus:
        return attempt_status(
            completion=self.completion,
            success=self.success,
            first_accessed_at=self.first_accessed_at,
        )
