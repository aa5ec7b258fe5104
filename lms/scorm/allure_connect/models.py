from __future__ import annotations

from django.conf import settings
from django.db import models

from courses.models import Package


class Dispatch(models.Model):
    """A package handed to an external LMS through AllureConnect (guide, Method 2).

    The remote record is the authority: its URL is durable and meant to be copied into the
    other LMS, which is why it is stored (unlike a learner's launch URL). Created only through
    :func:`~lms.scorm.allure_connect.services.dispatch_create`.
    """

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="allure_dispatches")
    remote_id = models.CharField("AllureConnect id", max_length=255, unique=True)
    label = models.CharField(
        max_length=200, help_text="Shown in AllureConnect, e.g. “Acme LMS – Onboarding”."
    )
    destination = models.CharField(
        max_length=200, help_text="The LMS it is for, e.g. “acme-moodle”."
    )
    dispatch_url = models.URLField(max_length=2000, help_text="Paste this into the other LMS.")
    status = models.CharField(max_length=40, blank=True)
    registration_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most learners it may register; empty for no limit."
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    allowed_domains = models.JSONField(
        default=list, blank=True, help_text="Domains allowed to launch it; empty for any."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["package", "-created_at"]
        verbose_name = "dispatch"
        verbose_name_plural = "dispatches"

    def __str__(self) -> str:
        return f"{self.label} → {self.destination}"
