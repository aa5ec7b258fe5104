"""SCORM Cloud registration JSON to a normalised :class:`~providers.types.Progress`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..normalise import normalise_progress
from ..types import Progress
from .client import Registration


def registration_progress(registration: Registration) -> Progress:
    """``score.scaled`` is a percentage in SCORM Cloud, hence ``score_scale=100``. The activity
    counts come from ``activityDetails`` (read with ``includeChildResults``) when it is there."""
    progress = normalise_progress(
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
    completed, total = activity_counts(registration.raw.get("activityDetails"))
    return replace(progress, activities_completed=completed, activities_total=total)


def activity_counts(details: object) -> tuple[int | None, int | None]:
    """Completed leaves of the registration's activity tree (ActivityResultSchema), of all."""
    if not isinstance(details, Mapping):
        return None, None
    leaves: list[Mapping[str, Any]] = []
    stack = [details]
    while stack:
        node = stack.pop()
        children = [c for c in node.get("children") or [] if isinstance(c, Mapping)]
        if children:
            stack.extend(children)
        else:
            leaves.append(node)
    done = sum(str(leaf.get("activityCompletion", "")).upper() == "COMPLETED" for leaf in leaves)
    return done, len(leaves)
