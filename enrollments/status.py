"""The one rule that decides an attempt's status, in Python and as a database expression.

Every page (the learner's course page, the progress panel, the gradebook, the exports) shows the
status this module decides; a test proves the two forms agree on every combination.

Success wins over completion: SCORM 2004 content may report "passed" before "completed", and a
known pass or fail is what learners and instructors look for first. Completed content that
reports no pass mark has nothing to fail: that is a status of its own, not a failure.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Case, Q, Value, When

from providers.types import Completion, Success


class AttemptStatus(models.TextChoices):
    """Where an attempt (or a learner, by their graded attempt) stands, in order of progress."""

    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    FAILED = "failed", "Not passed"
    COMPLETED = "completed", "Completed, no pass mark"
    PASSED = "passed", "Passed"

    @property
    def badge_class(self) -> str:
        return _BADGE_CLASSES[self]


_BADGE_CLASSES = {
    AttemptStatus.NOT_STARTED: "not-started",
    AttemptStatus.IN_PROGRESS: "incomplete",
    AttemptStatus.FAILED: "failed",
    AttemptStatus.COMPLETED: "completed",
    AttemptStatus.PASSED: "passed",
}

STATUS_ORDER = [status.value for status in AttemptStatus]


def attempt_status(
    *, completion: str | None, success: str | None, first_accessed_at: datetime | None
) -> AttemptStatus:
    """The status of an attempt. ``completion`` None means there is no attempt at all.

    An attempt has started once it was launched or once anything was reported for it.
    """
    if success == Success.PASSED:
        return AttemptStatus.PASSED
    if success == Success.FAILED:
        return AttemptStatus.FAILED
    if completion == Completion.COMPLETED:
        return AttemptStatus.COMPLETED
    if completion is None or (first_accessed_at is None and completion == Completion.UNKNOWN):
        return AttemptStatus.NOT_STARTED
    return AttemptStatus.IN_PROGRESS


def status_expression(*, completion: str, success: str, first_accessed_at: str) -> Case:
    """:func:`attempt_status` over the named fields (a NULL completion: no attempt)."""
    return Case(
        When(Q(**{success: Success.PASSED}), then=Value(AttemptStatus.PASSED.value)),
        When(Q(**{success: Success.FAILED}), then=Value(AttemptStatus.FAILED.value)),
        When(Q(**{completion: Completion.COMPLETED}), then=Value(AttemptStatus.COMPLETED.value)),
        When(Q(**{f"{completion}__isnull": True}), then=Value(AttemptStatus.NOT_STARTED.value)),
        When(
            Q(**{f"{first_accessed_at}__isnull": True, completion: Completion.UNKNOWN}),
            then=Value(AttemptStatus.NOT_STARTED.value),
        ),
        default=Value(AttemptStatus.IN_PROGRESS.value),
        output_field=models.CharField(),
    )
