from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import models

from courses.models import Package
from enrollments.models import Attempt, Learner


class AttemptRuntime(models.Model):
    """The local player's state of one attempt beyond its activities' data: the sequencing
    state scorm-again serialises (SCORM 2004), and which launches may no longer write."""

    attempt = models.OneToOneField(
        Attempt, on_delete=models.CASCADE, primary_key=True, related_name="runtime"
    )
    sequencing = models.TextField(
        blank=True, help_text="scorm-again's serialised sequencing state (activity tree)."
    )
    current_activity = models.CharField(max_length=255, blank=True)
    #: Launches up to this one have ended (their session's last commit arrived): closed.
    ended_launch = models.PositiveIntegerField(default=0)
    #: The launch in which the attempt was closed (completed); older launches may not write.
    closed_launch = models.PositiveIntegerField(null=True, blank=True)
    #: The newest commit stored, as (launch, sequence): an older one changes nothing.
    commit_launch = models.PositiveIntegerField(default=0)
    commit_sequence = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Run-time state of {self.attempt}"


class LearnerGlobalState(models.Model):
    """What SCORM 2004 shares beyond one attempt, per learner: global objectives when the
    manifest makes them global to the system (``objectivesGlobalToSystem``), and shared data
    (``adl.data``) when ``sharedDataGlobalToSystem``."""

    class Kind(models.TextChoices):
        OBJECTIVE = "objective", "Global objective"
        DATA = "data", "Shared data"

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="global_states")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=1000, help_text="The objective or shared data id.")
    value = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "kind", "key"], name="learner_global_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key} of {self.learner}"


class ActivityState(models.Model):
    """What the local player's run-time stored for one activity (SCO) of one attempt: its own
    CMI data, which it sees again when it is delivered again in the same attempt."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="activities")
    activity = models.CharField(max_length=255, help_text="The item identifier in the manifest.")
    cmi = models.JSONField(
        default=dict,
        blank=True,
        help_text="Flattened CMI (scorm-again): its single elements (collections and suspend"
        " data apart).",
    )
    # The collections' elements (cmi.interactions.n.*, cmi.objectives.n.*, the comments): the
    # bulk of a document, each written once or seldom; apart, a commit that moves the bookmark
    # or reports a score does not write them all again (issue 13).
    collections = models.JSONField(
        default=dict,
        blank=True,
        help_text="Flattened CMI: the elements of its collections (interactions, objectives,"
        " comments).",
    )
    # Up to 64,000 characters (SCORM 2004) that content saves page after page: out of the
    # document, a bookmark does not write them again and a save does not merge them as JSON.
    # Null is not "": the content never set it (reading it then gives error 403, SCORM 2004).
    suspend_data = models.TextField(  # noqa: DJ001
        null=True, blank=True, help_text="cmi.suspend_data as last set; null if it never was."
    )
    # Session times add up: a new delivery closes the activity's previous session.
    seconds_before = models.FloatField(default=0, help_text="Seconds of earlier sessions.")
    seconds_session = models.FloatField(default=0, help_text="Seconds of the latest session.")
    session_launch = models.PositiveIntegerField(default=0)
    session_delivery = models.PositiveIntegerField(
        default=0, help_text="Which delivery of that launch the latest session was."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["attempt", "activity"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "activity"], name="activity_state_unique")
        ]

    def __str__(self) -> str:
        return f"{self.activity} in {self.attempt}"

    @property
    def seconds(self) -> float:
        return self.seconds_before + self.seconds_session

    @property
    def data(self) -> dict[str, Any]:
        """The activity's whole CMI, its collections and suspend data included."""
        return whole_cmi(self.cmi, self.collections, self.suspend_data)


#: The one element with a column of its own (the same name in SCORM 1.2 and 2004).
SUSPEND_DATA = "cmi.suspend_data"

#: A collection's element: its name holds the index of its entry (``cmi.interactions.3.id``,
#: ``cmi.objectives.0.score.raw``, ``adl.data.1.store``); no other element's does.
_COLLECTION_ELEMENT = re.compile(r"\.[0-9]+\.")


def is_collection_element(name: str) -> bool:
    """Whether the flattened CMI element ``name`` is stored in :attr:`ActivityState.collections`."""
    return _COLLECTION_ELEMENT.search(name) is not None


def whole_cmi(
    cmi: dict[str, Any], collections: dict[str, Any], suspend_data: str | None
) -> dict[str, Any]:
    """An activity's stored parts (see :class:`ActivityState`) as one flattened CMI."""
    whole = {**cmi, **collections} if collections else cmi
    return whole if suspend_data is None else {**whole, SUSPEND_DATA: suspend_data}


class Dispatch(models.Model):
    """A package handed to an external LMS through its provider (AllureConnect's dispatches).

    The remote record is the authority: its URL is durable and meant to be copied into the
    other LMS, which is why it is stored (unlike a learner's launch URL). Created only through
    :func:`playback.services.dispatch_create`.
    """

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="dispatches")
    provider = models.CharField(max_length=40)
    remote_id = models.CharField("remote id", max_length=255)
    label = models.CharField(
        max_length=200, help_text="Shown in the provider, e.g. “Acme LMS – Onboarding”."
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
        constraints = [
            models.UniqueConstraint(fields=["provider", "remote_id"], name="dispatch_remote_unique")
        ]

    def __str__(self) -> str:
        return f"{self.label} → {self.destination}"
