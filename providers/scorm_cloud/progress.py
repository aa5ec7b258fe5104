"""SCORM Cloud registration JSON to a normalised :class:`~providers.types.Progress`."""

from __future__ import annotations

from ..normalise import normalise_progress
from ..types import Progress
from .client import Registration


def registration_progress(registration: Registration) -> Progress:
    """``score.scaled`` is a percentage in SCORM Cloud, hence ``score_scale=100``."""
    return normalise_progress(
        completion_status=registration.completion,
        success_status=registration.success,
        score_scaled=registration.score_scaled,
        score_scale=100,
        seconds=registration.total_seconds_tracked,
        updated_at=registration.updated,
        completed_at=registration.completed_date,
        learner_id=registration.learner_id,
        package_remote_id=registration.course_id,
        raw=registration.raw,
    )
