"""What playback reads: a package's activities and table of contents, an attempt's run-time
data, and the session a local launch starts from."""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Subquery

from courses.models import Package, Sco
from enrollments.models import Attempt
from enrollments.refs import learner_ref
from providers.local.runtime import Activity, ActivityRecord, delivery_data
from providers.local.tokens import LaunchClaims
from providers.types import LearnerRef

from .models import ActivityState, AttemptRuntime, LearnerGlobalState, whole_cmi

#: scorm-again 3.4.3 reads a duration limit as already exceeded (Activity.attemptAbsoluteDuration
#: returns the limit), so a limited activity could never be delivered. The LMS need not enforce
#: these limits (SN 3.2.1); the content still learns its limit through cmi.max_time_allowed.
_UNENFORCED_LIMITS = ("attemptAbsoluteDurationLimit", "activityAbsoluteDurationLimit")


def package_activities(*, package: Package) -> dict[str, Activity]:
    """The package's launchable activities by identifier, in manifest order."""
    launches = (package.sequencing or {}).get("launches") or {}
    activities = {}
    for sco in package.scos.order_by("position"):
        launch = launches.get(sco.identifier)
        if package.is_scorm12 or launch is None:
            activity = Activity(
                identifier=sco.identifier,
                title=sco.title or sco.identifier,
                href=sco.href,
                is_sco=sco.is_sco,
                data_from_lms=sco.data_from_lms,
                mastery_score=sco.mastery_score if package.is_scorm12 else None,
                scaled_passing_score=None if package.is_scorm12 else sco.mastery_score,
                max_time_allowed=sco.max_time_allowed or None,
                time_limit_action=sco.time_limit_action or None,
            )
        else:
            activity = Activity(
                identifier=sco.identifier,
                title=sco.title or sco.identifier,
                href=launch.get("href") or sco.href,
                is_sco=launch.get("scormType", "sco") == "sco",
                data_from_lms=launch.get("dataFromLMS"),
                scaled_passing_score=launch.get("scaledPassingScore"),
                max_time_allowed=launch.get("attemptAbsoluteDurationLimit"),
                time_limit_action=launch.get("timeLimitAction"),
                completion_threshold=launch.get("completionThreshold"),
            )
        activities[sco.identifier] = activity
    return activities


@dataclass(frozen=True)
class PackagePlay:
    """What a commit needs of its package: never changes once the package is ready."""

    activities: dict[str, Activity]
    scorm12: bool
    objectives_global: bool
    data_global: bool
    # The global objectives and shared data stores the manifest lets this package write
    # (imsss/adlseq:mapInfo write* flags, adlcp:map writeSharedData): a commit stores no other,
    # whatever the run-time's snapshot of the learner's global state holds.
    objectives_written: frozenset[str] = frozenset()
    data_written: frozenset[str] = frozenset()


_PLAYS: OrderedDict[tuple[int, str], PackagePlay] = OrderedDict()
_PLAYS_KEPT = 256


def package_play(*, package_id: int, sha256: str) -> PackagePlay:
    """The package's activities and global-state flags, kept in this process once read: a
    ready package's structure never changes, so a commit costs no query for it."""
    key = (package_id, sha256)
    found = _PLAYS.get(key)
    if found is not None:
        return found
    package = Package.objects.get(pk=package_id)
    sequencing = package.sequencing or {}
    found = PackagePlay(
        activities=package_activities(package=package),
        scorm12=package.is_scorm12,
        objectives_global=sequencing.get("objectivesGlobalToSystem", True) is not False,
        data_global=sequencing.get("sharedDataGlobalToSystem", True) is not False,
        **_written_globals(sequencing.get("activityTree")),
    )
    if package.is_ready:
        _PLAYS[key] = found
        while len(_PLAYS) > _PLAYS_KEPT:
            _PLAYS.popitem(last=False)
    return found


def _written_globals(tree: object) -> dict[str, frozenset[str]]:
    """The target ids of every objective map and shared data map in the activity tree (see
    courses/intake/sequencing.py) that writes."""
    objectives: set[str] = set()
    data: set[str] = set()
    nodes = [tree]
    while nodes:
        node = nodes.pop()
        if not isinstance(node, dict):
            continue
        mapped = [node.get("primaryObjective"), *(node.get("objectives") or [])]
        for objective in mapped:
            for entry in (objective or {}).get("mapInfo") or []:
                if any(value is True for key, value in entry.items() if key.startswith("write")):
                    objectives.add(str(entry.get("targetObjectiveID")))
        for entry in node.get("sharedDataMaps") or []:
            if entry.get("writeSharedData") is not False:
                data.add(str(entry.get("targetID")))
        nodes.extend(node.get("children") or [])
    return {"objectives_written": frozenset(objectives), "data_written": frozenset(data)}


def attempt_activity_records(*, attempt: Attempt) -> dict[str, ActivityRecord]:
    """What the run-time stored per activity of the attempt."""
    return {
        state.activity: ActivityRecord(cmi=state.data, seconds=state.seconds)
        for state in ActivityState.objects.filter(attempt=attempt)
    }


def attempt_current_activity(*, attempt: Attempt) -> str:
    """The activity the learner was last in, or ""."""
    runtime = AttemptRuntime.objects.filter(attempt=attempt).only("current_activity").first()
    if runtime and runtime.current_activity:
        return runtime.current_activity
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
        .values_list("attempt_id", "activity", "title", "cmi", "collections", "suspend_data")
    )
    for attempt_id, activity, activity_title, cmi, collections, suspend_data in rows:
        found.setdefault(attempt_id, {})[activity] = StoredActivity(
            title=activity_title or activity, cmi=whole_cmi(cmi, collections, suspend_data)
        )
    return found


# The local launch's session ----------------------------------------------------------------


def launched_attempt(*, claims: LaunchClaims) -> Attempt | None:
    if claims.preview_package:
        return None
    return (
        Attempt.objects.select_related("package", "enrollment__learner__user")
        .filter(pk=claims.attempt_id, enrollment__learner__external_id=claims.learner_id)
        .first()
    )


@dataclass(frozen=True)
class Launched:
    """What a launch token plays: an attempt's package, or a package previewed by staff."""

    package: Package
    attempt: Attempt | None


def launched(*, claims: LaunchClaims) -> Launched | None:
    if claims.preview_package:
        package = Package.objects.select_related("course").filter(pk=claims.preview_package)
        found = package.first()
        return Launched(package=found, attempt=None) if found else None
    attempt = launched_attempt(claims=claims)
    return Launched(package=attempt.package, attempt=attempt) if attempt else None


def _tree_2004(node: Mapping[str, Any], launchable: set[str]) -> dict[str, Any]:
    return {
        "id": node["id"],
        "title": node.get("title") or node["id"],
        "visible": node.get("isVisible", True) is not False,
        "launchable": node["id"] in launchable,
        "children": [_tree_2004(child, launchable) for child in node.get("children") or []],
    }


def _tree_12(items: list[Mapping[str, Any]], launchable: set[str]) -> list[dict[str, Any]]:
    return [
        {
            "id": item.get("identifier", ""),
            "title": item.get("title") or item.get("identifier", ""),
            "visible": True,
            "launchable": item.get("identifier") in launchable,
            "children": _tree_12(item.get("children") or [], launchable),
        }
        for item in items
    ]


def _organisation(package: Package) -> Mapping[str, Any]:
    manifest = package.manifest or {}
    default = manifest.get("default_organization")
    organisations = manifest.get("organizations") or []
    return next((o for o in organisations if o.get("identifier") == default), None) or (
        organisations[0] if organisations else {}
    )


def _sequencing_for_runtime(package: Package, activities: Mapping[str, Activity]) -> dict:
    """scorm-again's ``sequencing`` setting: the intake's, minus what it must not enforce;
    for a package imported before the intake built one, a flat tree of its activities."""
    sequencing = copy.deepcopy(package.sequencing or {})
    tree = sequencing.get("activityTree")
    if not tree:
        organisation = _organisation(package)
        tree = {
            "id": organisation.get("identifier") or "root",
            "title": organisation.get("title") or package.title,
            "sequencingControls": {"choice": True, "flow": True},
            "children": [{"id": key, "title": a.title} for key, a in activities.items()],
        }

    def strip(node: dict[str, Any]) -> None:
        for limit in _UNENFORCED_LIMITS:
            node.pop(limit, None)
        for child in node.get("children") or []:
            strip(child)

    strip(tree)
    return {"activityTree": tree}


def _globals(package: Package, attempt: Attempt | None) -> dict[str, Any]:
    """The learner's global objectives and shared data the manifest makes global to the system
    (none in a preview: it starts from nothing and keeps nothing)."""
    package_sequencing = package.sequencing or {}
    kinds = []
    if package_sequencing.get("objectivesGlobalToSystem", True):
        kinds.append(LearnerGlobalState.Kind.OBJECTIVE)
    if package_sequencing.get("sharedDataGlobalToSystem", True):
        kinds.append(LearnerGlobalState.Kind.DATA)
    found: dict[str, dict[str, Any]] = {"objectives": {}, "data": {}}
    stored = (
        LearnerGlobalState.objects.filter(
            learner_id=attempt.enrollment.learner_id, kind__in=kinds
        ).values_list("kind", "key", "value")
        if attempt is not None
        else []
    )
    for kind, key, value in stored:
        if kind == LearnerGlobalState.Kind.OBJECTIVE:
            found["objectives"][key] = value
        else:
            found["data"][key] = value.get("value", "") if isinstance(value, dict) else ""
    return {
        "objectives": found["objectives"],
        "data": found["data"],
        "objectivesGlobal": LearnerGlobalState.Kind.OBJECTIVE in kinds,
        "dataGlobal": LearnerGlobalState.Kind.DATA in kinds,
    }


def _notice(claims: LaunchClaims) -> str:
    if claims.preview_package:
        return ""  # the preview page around the frame says it, for every provider
    if claims.review:
        return "Review: this attempt is finished; nothing is recorded."
    return ""


def session_config(*, launch: Launched, claims: LaunchClaims) -> dict[str, Any]:
    """What the launcher starts a session from: the package's structure, the attempt's stored
    state, and the learner's shared state. Each activity's own data is fetched when it is
    delivered (``activity_delivery``), so revisits see what was stored since. A preview has no
    attempt: it starts from nothing."""
    package, attempt = launch.package, launch.attempt
    activities = package_activities(package=package)
    launchable = {key for key, activity in activities.items() if activity.href}
    runtime = AttemptRuntime.objects.filter(attempt=attempt).first() if attempt else None
    config: dict[str, Any] = {
        "version": "1.2" if package.is_scorm12 else "2004",
        "title": package.title or package.course.title,
        "launch": claims.launch,
        "review": not claims.records,  # the run-time commits nothing
        "notice": _notice(claims),
        "exitUrl": claims.exit_url,
        "activities": {
            key: {"title": a.title, "href": a.href, "isSco": a.is_sco}
            for key, a in activities.items()
            if a.href
        },
        "current": attempt_current_activity(attempt=attempt) if attempt else "",
    }
    if package.is_scorm12:
        prerequisites = dict(package.scos.values_list("identifier", "prerequisites"))
        states = ActivityState.objects.filter(attempt=attempt) if attempt else []
        statuses = {
            state.activity: state.cmi.get("cmi.core.lesson_status", "not attempted")
            for state in states
        }
        for key, entry in config["activities"].items():
            entry["prerequisites"] = prerequisites.get(key, "")
            entry["status"] = statuses.get(key, "not attempted")
        config["tree"] = _tree_12(_organisation(package).get("items") or [], launchable)
    else:
        sequencing = _sequencing_for_runtime(package, activities)
        config["sequencing"] = sequencing
        config["tree"] = [_tree_2004(sequencing["activityTree"], launchable)]
        config["state"] = runtime.sequencing if runtime else ""
        config["globals"] = _globals(package, attempt)
    return config


def activity_delivery(
    *, launch: Launched, claims: LaunchClaims, activity_id: str
) -> dict[str, Any] | None:
    """The data the run-time loads when it delivers ``activity_id`` now."""
    package, attempt = launch.package, launch.attempt
    activity = package_activities(package=package).get(activity_id)
    if activity is None:
        return None
    state = (
        ActivityState.objects.filter(attempt=attempt, activity=activity_id).first()
        if attempt
        else None
    )
    record = ActivityRecord(cmi=state.data, seconds=state.seconds) if state else None
    return delivery_data(
        scorm12=package.is_scorm12,
        activity=activity,
        record=record,
        learner=learner_ref(attempt.enrollment.learner)
        if attempt
        else LearnerRef(id=claims.learner_id),
        review=claims.review,
        browse=bool(claims.preview_package),
    )
