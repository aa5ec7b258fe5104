from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from providers import provider_choices
from providers.types import ImportState


def _default_provider() -> str:
    return settings.SCORM_DEFAULT_PROVIDER


class Course(models.Model):
    class NewAttemptRule(models.TextChoices):
        AFTER_COMPLETION = "after_completion", "After the previous attempt is completed"
        ANY_TIME = "any_time", "At any time (abandons the open attempt)"

    class GradingMethod(models.TextChoices):
        HIGHEST = "highest", "Highest score"
        LAST_COMPLETED = "last_completed", "Last completed attempt"
        FIRST = "first", "First attempt"
        AVERAGE = "average", "Average score"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    provider = models.CharField(
        max_length=40,
        choices=provider_choices,
        default=_default_provider,
        help_text="The SCORM player that plays this course's packages.",
    )
    is_published = models.BooleanField("published", default=False)
    self_enrollment = models.BooleanField(
        default=False, help_text="Learners may enrol themselves in this published course."
    )
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="taught_courses",
        help_text="Users who may read this course's gradebook.",
    )
    max_attempts = models.PositiveIntegerField(default=0, help_text="0 means no limit.")
    new_attempt_rule = models.CharField(
        max_length=20, choices=NewAttemptRule.choices, default=NewAttemptRule.AFTER_COMPLETION
    )
    grading_method = models.CharField(
        max_length=20,
        choices=GradingMethod.choices,
        default=GradingMethod.HIGHEST,
        help_text="Which attempt counts in the gradebook.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("enrollments:course_detail", kwargs={"slug": self.slug})


class Package(models.Model):
    """One uploaded SCORM zip: a version of a course's content."""

    class Standard(models.TextChoices):
        SCORM_12 = "scorm12", "SCORM 1.2"
        SCORM_2004_2 = "scorm2004_2", "SCORM 2004 2nd edition"
        SCORM_2004_3 = "scorm2004_3", "SCORM 2004 3rd edition"
        SCORM_2004_4 = "scorm2004_4", "SCORM 2004 4th edition"

    Status = models.TextChoices("Status", [(s.name, s.value) for s in ImportState])

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="packages")
    version = models.PositiveIntegerField()
    provider = models.CharField(
        max_length=40,
        help_text="The provider this package was imported into; attempts start only on a "
        "package of the course's current provider.",
    )
    file = models.FileField(upload_to="packages/uploads/", max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    standard = models.CharField(max_length=20, choices=Standard.choices)
    title = models.CharField(max_length=300, blank=True)
    manifest = models.JSONField(
        default=dict, blank=True, help_text="What the intake read from imsmanifest.xml."
    )
    sequencing = models.JSONField(
        default=dict,
        blank=True,
        help_text="SCORM 2004 sequencing: the activity tree the intake built from the manifest.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=ImportState.PENDING)
    error = models.TextField(blank=True)
    remote_id = models.CharField(
        max_length=255,
        blank=True,
        help_text="The provider's id: SCORM Cloud course id, AllureConnect package id.",
    )
    remote_version = models.CharField(max_length=50, blank=True)
    remote_job_id = models.CharField(max_length=255, blank=True)
    import_started_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["course", "version"], name="package_version_unique")
        ]
        indexes = [models.Index(fields=["course", "provider", "status", "-version"])]

    def __str__(self) -> str:
        return f"{self.course} v{self.version}"

    @property
    def is_scorm12(self) -> bool:
        return self.standard == self.Standard.SCORM_12

    @property
    def is_ready(self) -> bool:
        return self.status == ImportState.READY

    @property
    def content_root(self) -> str:
        """Storage prefix of the unpacked files, keyed by hash so identical zips share it."""
        return f"packages/content/{self.sha256}"


class Sco(models.Model):
    """A launchable item of a package's default organisation, in manifest order."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="scos")
    position = models.PositiveIntegerField()
    identifier = models.CharField(max_length=255)
    title = models.CharField(max_length=300, blank=True)
    href = models.CharField(
        max_length=2000, help_text="Launch path inside the package, with parameters."
    )
    is_sco = models.BooleanField(
        default=True, help_text="False for assets, which do not talk to the API."
    )
    mastery_score = models.FloatField(
        null=True,
        blank=True,
        help_text="Passing score, 0..1 (1.2 masteryscore / 2004 minNormalizedMeasure).",
    )
    data_from_lms = models.TextField(blank=True)
    prerequisites = models.CharField(
        max_length=2000, blank=True, help_text="SCORM 1.2 adlcp:prerequisites (AICC script)."
    )
    max_time_allowed = models.CharField(max_length=20, blank=True, help_text="SCORM 1.2.")
    time_limit_action = models.CharField(max_length=40, blank=True, help_text="SCORM 1.2.")

    class Meta:
        ordering = ["package", "position"]
        constraints = [
            models.UniqueConstraint(fields=["package", "identifier"], name="sco_identifier_unique")
        ]
        verbose_name = "SCO"

    def __str__(self) -> str:
        return self.title or self.identifier
