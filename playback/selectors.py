"""What playback reads: a package's activities, an attempt's run-time data, content files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Subquery

from courses.models import Package, Sco
from enrollments.models import Attempt
from providers.local.runtime import Activity, ActivityRecord

from .models import ActivityState


def package_activities(*, package: Package) -> dict[str, Activity]:
    """The package's launchable activities by identifier, in manifest order."""
    return {
        sco.identifier: Activity(
            identifier=sco.identifier,
            title=sco.title or sco.identifier,
            href=sco.href,
            is_sco=sco.is_sco,
            mastery_score=sco.mastery_score,
            data_from_lms=sco.data_from_lms,
        )
        for sco in package.scos.order_by("position")
    }


def attempt_activity_records(*, attempt: Attempt) -> dict[str, ActivityRecord]:
    """What the run-time stored per activity of the attempt."""
    return {
        state.activity: ActivityRecord(cmi=state.cmi, seconds=state.seconds)
        for state in ActivityState.objects.filter(attempt=attempt)
    }


def attempt_current_activity(*, attempt: Attempt) -> str:
    """The activity the learner was last in (the newest commit's), or ""."""
    return (
        ActivityState.objects.filter(attempt=attempt)
        .order_by("-updated_at")
        .values_list("activity", flat=True)
        .first()
        or ""
    )


@dataclass(frozen=True)
class StoredActivity:
    title: str
    cmi: dict[str, Any]


def attempts_cmi(*, attempt_ids: Iterable[Any]) -> dict[Any, dict[str, StoredActivity]]:
    """Each attempt's stored CMI by activity, with the activity's title, in one query:
    ``{attempt_id: {activity: StoredActivity}}``."""
    title = Sco.objects.filter(
        package_id=OuterRef("attempt__package_id"), identifier=OuterRef("activity")
    ).values("title")[:1]
    found: dict[Any, dict[str, StoredActivity]] = {}
    rows = (
        ActivityState.objects.filter(attempt_id__in=list(attempt_ids))
        .annotate(title=Subquery(title))
        .order_by("attempt_id", "activity")
        .values_list("attempt_id", "activity", "title", "cmi")
    )
    for attempt_id, activity, activity_title, cmi in rows:
        found.setdefault(attempt_id, {})[activity] = StoredActivity(
            title=activity_title or activity, cmi=cmi
        )
    return found
