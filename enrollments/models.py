from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models

from courses.models import Course, Package
from providers.types import Completion, Success

from .status import AttemptStatus, attempt_status


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


class Enrollment(models.Model):
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "learner"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="enrollment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.learner} in {self.course}"


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

    first_accessed_at = models.DateTimeField(null=True, blank=True)
    last_accessed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
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
