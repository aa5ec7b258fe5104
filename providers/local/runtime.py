"""The local run-time's rules, as pure functions: what the browser's run-time loads when it
delivers an activity, what a commit must look like, and how SCORM 1.2 activities roll up.

CMI data is kept per activity as scorm-again's flattened JSON (``{"cmi.core.lesson_status":
...}``). scorm-again validates the data model in the browser; here we check the shape and the
bounds, because a commit is input from a page that hostile content shares. Storage is the
``playback`` app's business: these functions take and return values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..normalise import (
    format_timespan_12,
    format_timespan_2004,
    normalise_progress,
    parse_timespan,
    scaled_score,
)
from ..types import Completion, LearnerRef, Progress, Score, Success

# The longest element is suspend_data: 64000 characters in both versions (SCORM 1.2's 4096 is
# relaxed, as Moodle and scorm-again do, because modern authoring tools overflow it).
MAX_VALUE_LENGTH = 64_000
# Except an interaction's learner response and correct response patterns (SCORM 2004): a
# performance interaction's 250 steps of 250-character names and answers, its smallest
# permitted maximum (RTE 4.2.9), take 126,497 characters with their delimiters.
MAX_RESPONSE_LENGTH = 128_000
_RESPONSE = re.compile(
    r"^cmi\.interactions\.\d+\.(?:learner_response|correct_responses\.\d+\.pattern)$"
)


def _longest(key: str) -> int:
    return MAX_RESPONSE_LENGTH if _RESPONSE.match(key) else MAX_VALUE_LENGTH


MAX_ELEMENTS = 10_000
#: Sequence and delivery numbers are stored in 32-bit columns.
MAX_COUNTER = 2**31 - 1
#: A session longer than this is not a session (and would overflow sums): refused.
MAX_SESSION_SECONDS = 366 * 24 * 3600
MAX_STATE_LENGTH = 2 * 1024 * 1024
MAX_GLOBALS = 1_000
MAX_ID_LENGTH = 255
MAX_ACTIVITIES = 50_000  # the intake refuses manifests with more elements than this
_KEY = re.compile(r"^(cmi|adl)\.[A-Za-z0-9_.]{1,250}$")

# Elements the LMS owns and sets at every delivery; never taken from stored data.
_LMS_OWNED_12 = {
    "cmi.core.student_id",
    "cmi.core.student_name",
    "cmi.core.credit",
    "cmi.core.entry",
    "cmi.core.total_time",
    "cmi.core.lesson_mode",
    "cmi.launch_data",
    "cmi.student_data.mastery_score",
    "cmi.student_data.max_time_allowed",
    "cmi.student_data.time_limit_action",
}
_LMS_OWNED_2004 = {
    "cmi.learner_id",
    "cmi.learner_name",
    "cmi.credit",
    "cmi.entry",
    "cmi.total_time",
    "cmi.mode",
    "cmi.launch_data",
    "cmi.scaled_passing_score",
    "cmi.max_time_allowed",
    "cmi.time_limit_action",
    "cmi.completion_threshold",
}
_WRITE_ONLY = {"cmi.core.exit", "cmi.core.session_time", "cmi.exit", "cmi.session_time"}
_COMPLETIONS = {"completed", "incomplete", "not attempted", "unknown"}
_SUCCESSES = {"passed", "failed", "unknown"}


class InvalidCommit(Exception):
    """The commit is not well formed or out of bounds; nothing is stored."""


@dataclass(frozen=True)
class Activity:
    """A launchable activity of a package, as its manifest defines it."""

    identifier: str
    title: str = ""
    href: str = ""
    is_sco: bool = True
    data_from_lms: str | None = ""
    #: SCORM 1.2 adlcp:masteryscore, 0..1.
    mastery_score: float | None = None
    #: SCORM 2004 cmi.scaled_passing_score, -1..1.
    scaled_passing_score: float | None = None
    max_time_allowed: str | None = None
    time_limit_action: str | None = None
    completion_threshold: float | None = None


@dataclass(frozen=True)
class ActivityRecord:
    """What the LMS stored of one activity in one attempt."""

    cmi: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0  # all its sessions so far


@dataclass(frozen=True)
class Commit:
    """One commit of the browser's run-time: what changed in one activity's flattened CMI since
    the last commit the LMS acknowledged, and what the session knows besides."""

    activity: str
    sequence: int
    delivery: int = 0
    changes: dict[str, Any] = field(default_factory=dict)
    end: bool = False  # the launch's session has ended: its token may write no more
    result: Progress | None = None  # the course's rolled-up result (SCORM 2004 sequencing)
    state: str | None = None  # scorm-again's serialised sequencing state
    objectives: dict[str, dict[str, Any]] = field(default_factory=dict)  # global to system
    shared_data: dict[str, str] = field(default_factory=dict)  # adl.data, global to system


def exit_element(*, scorm12: bool) -> str:
    return "cmi.core.exit" if scorm12 else "cmi.exit"


def session_time_element(*, scorm12: bool) -> str:
    return "cmi.core.session_time" if scorm12 else "cmi.session_time"


def learner_name(learner: LearnerRef) -> str:
    """ "Last, First" as SCORM's examples write it; the username when there is no name."""
    if learner.last_name or learner.first_name:
        return f"{learner.last_name}, {learner.first_name}".strip(", ")
    return learner.username or learner.id


def _launch_data(
    *, scorm12: bool, activity: Activity, learner: LearnerRef, review: bool, browse: bool
) -> dict[str, Any]:
    # RTE 4.2.13: "browse" is a preview with nothing recorded, "review" a finished attempt.
    mode = "browse" if browse else "review" if review else "normal"
    credit = "credit" if mode == "normal" else "no-credit"
    if scorm12:
        data: dict[str, Any] = {
            "cmi.core.student_id": learner.id,
            "cmi.core.student_name": learner_name(learner),
            "cmi.core.credit": credit,
            "cmi.core.lesson_mode": mode,
            "cmi.launch_data": activity.data_from_lms or "",
        }
        if activity.mastery_score is not None:
            data["cmi.student_data.mastery_score"] = f"{activity.mastery_score * 100:g}"
        if activity.max_time_allowed:
            data["cmi.student_data.max_time_allowed"] = activity.max_time_allowed
        if activity.time_limit_action:
            data["cmi.student_data.time_limit_action"] = activity.time_limit_action
        return data
    data = {
        "cmi.learner_id": learner.id,
        "cmi.learner_name": learner_name(learner),
        "cmi.credit": credit,
        "cmi.mode": mode,
    }
    # None leaves an element uninitialised (GetValue answers 403), as ADL's tests expect.
    optional = {
        "cmi.launch_data": activity.data_from_lms,
        "cmi.scaled_passing_score": activity.scaled_passing_score,
        "cmi.max_time_allowed": activity.max_time_allowed,
        "cmi.time_limit_action": activity.time_limit_action,
        "cmi.completion_threshold": activity.completion_threshold,
    }
    data.update({key: _text(value) for key, value in optional.items() if value is not None})
    return data


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _kept(stored: Mapping[str, Any], *, scorm12: bool) -> dict[str, Any]:
    owned = _LMS_OWNED_12 if scorm12 else _LMS_OWNED_2004
    return {
        key: value
        for key, value in stored.items()
        if key not in owned
        and key not in _WRITE_ONLY
        and not key.rsplit(".", 1)[-1].startswith("_")
        and not isinstance(value, Mapping | list)
    }


def delivery_data(
    *,
    scorm12: bool,
    activity: Activity,
    record: ActivityRecord | None,
    learner: LearnerRef,
    review: bool,
    browse: bool = False,
) -> dict[str, Any]:
    """The flattened CMI the browser's run-time loads when it delivers ``activity``.

    SCORM 2004: an activity that was left with ``cmi.exit = "suspend"`` resumes with its data
    (``entry = resume``); otherwise its delivery is a new attempt on it (RTE 4.2.8): fresh data,
    ``ab-initio``, its total time from zero; the learner's preferences carry over.
    SCORM 1.2: the SCO's data is always kept; ``entry`` is ``resume`` after a suspend,
    ``ab-initio`` the first time and empty otherwise (RTE 3.4.4).
    """
    stored: Mapping[str, Any] = record.cmi if record else {}
    last_exit = stored.get(exit_element(scorm12=scorm12), "")
    seconds = record.seconds if record else 0.0
    data = _launch_data(
        scorm12=scorm12, activity=activity, learner=learner, review=review, browse=browse
    )
    if scorm12:
        data.update(_kept(stored, scorm12=True))
        data["cmi.core.entry"] = (
            "resume" if last_exit == "suspend" else ("" if stored else "ab-initio")
        )
        data["cmi.core.total_time"] = format_timespan_12(seconds)
        return data
    if last_exit == "suspend":
        data.update(_kept(stored, scorm12=False))
        data.update(
            entry="resume", total_time=format_timespan_2004(_attempt_seconds(stored, seconds))
        )
    else:
        preferences = {
            key: value
            for key, value in _kept(stored, scorm12=False).items()
            if key.startswith("cmi.learner_preference.")
        }
        data.update(preferences)
        data.update(entry="ab-initio", total_time=format_timespan_2004(0))
    data["cmi.entry"] = data.pop("entry")
    data["cmi.total_time"] = data.pop("total_time")
    return data


def _attempt_seconds(stored: Mapping[str, Any], fallback: float) -> float:
    """SCORM 2004 ``cmi.total_time`` of a resumed SCO: the total it was given when it was last
    delivered plus that session's time. It counts the current learner attempt on the SCO only
    (RTE 4.2.27): an earlier attempt, ended without a suspend, does not count (ADL DMB)."""
    before = parse_timespan(stored.get("cmi.total_time"))
    if before is None:
        return fallback  # stored before the total was kept with the data
    return before + session_seconds(scorm12=False, cmi=stored)


# Commits -----------------------------------------------------------------------------------


def _counter(value: object, what: str, *, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= MAX_COUNTER:
        raise InvalidCommit(f"The commit's {what} must be a whole number from {minimum} to 2^31-1.")
    return value


def _identifier(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise InvalidCommit(f"The commit names no {what}.")
    return value


def _finite(value: object, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidCommit(f"{what} must be a finite number.")
    return float(value)


def _changes(value: object, *, scorm12: bool) -> dict[str, Any]:
    if not isinstance(value, Mapping) or len(value) > MAX_ELEMENTS:
        raise InvalidCommit("The commit's CMI data is missing or too large.")
    clean: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise InvalidCommit(f"Unknown data model element {str(key)[:80]!r}.")
        if isinstance(item, list | dict) and not item:
            continue  # scorm-again flattens an empty collection (no interactions yet) to {}
        if isinstance(item, float) and not math.isfinite(item):
            raise InvalidCommit(f"{key} must be a finite number.")
        if item is not None and not isinstance(item, str | int | float | bool):
            raise InvalidCommit(f"{key} must be a single value.")
        if isinstance(item, str) and len(item) > _longest(key):
            raise InvalidCommit(f"{key} is longer than {_longest(key)} characters.")
        clean[key] = item
    session = clean.get(session_time_element(scorm12=scorm12))
    if session not in (None, ""):
        seconds = parse_timespan(session)
        # Any valid timeinterval is accepted (RTE 4.2.23; ADL's DMI test writes one of over a
        # year), and counted up to MAX_SESSION_SECONDS (session_seconds); one that overflows a
        # float would make every sum infinite.
        if seconds is None or not math.isfinite(seconds):
            raise InvalidCommit(f"The session time {str(session)[:40]!r} is not a time interval.")
    return clean


def _result(value: object) -> Progress | None:
    """The course's rolled-up result as the run-time's sequencing computed it."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidCommit("The commit's result must be an object.")
    completion, success = value.get("completion", "unknown"), value.get("success", "unknown")
    if completion not in _COMPLETIONS or success not in _SUCCESSES:
        raise InvalidCommit("The commit's result has an unknown status.")
    scaled = _finite(value.get("scaled"), "The result's scaled score")
    if scaled is not None and not -1 <= scaled <= 1:
        raise InvalidCommit("The result's scaled score must be between -1 and 1.")
    score = scaled_score(
        scaled=scaled,
        raw=_finite(value.get("raw"), "The result's raw score"),
        minimum=_finite(value.get("min"), "The result's minimum score"),
        maximum=_finite(value.get("max"), "The result's maximum score"),
    )
    statuses = normalise_progress(completion_status=completion, success_status=success)
    completed, total = _activity_counts(value.get("activities"))
    return Progress(
        completion=statuses.completion,
        success=statuses.success,
        score=score,
        activities_completed=completed,
        activities_total=total,
        suspended=value.get("suspended") is True,
    )


def _activity_counts(value: object) -> tuple[int | None, int | None]:
    """``{"completed": n, "total": m}`` as the run-time's sequencing counted the activities."""
    if value is None:
        return None, None
    completed = value.get("completed") if isinstance(value, Mapping) else None
    total = value.get("total") if isinstance(value, Mapping) else None
    if not (
        isinstance(completed, int)
        and isinstance(total, int)
        and not isinstance(completed, bool)
        and not isinstance(total, bool)
        and 0 <= completed <= total <= MAX_ACTIVITIES
    ):
        raise InvalidCommit("The result's activity counts must be whole numbers, 0 <= done <= all.")
    return completed, total


def _globals(value: object) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    if value is None:
        return {}, {}
    if not isinstance(value, Mapping):
        raise InvalidCommit("The commit's global data must be an object.")
    objectives, data = value.get("objectives") or {}, value.get("data") or {}
    if not isinstance(objectives, Mapping) or not isinstance(data, Mapping):
        raise InvalidCommit("The commit's global data must be objects.")
    if len(objectives) > MAX_GLOBALS or len(data) > MAX_GLOBALS:
        raise InvalidCommit("The commit carries too many global objectives or shared data.")
    for key, entry in objectives.items():
        if not isinstance(key, str) or len(key) > 1000 or not isinstance(entry, Mapping):
            raise InvalidCommit("A global objective must be an object under its id.")
    for key, entry in data.items():
        if not isinstance(key, str) or len(key) > 1000 or not isinstance(entry, str):
            raise InvalidCommit("Shared data must be text under its id.")
        if len(entry) > MAX_VALUE_LENGTH:
            raise InvalidCommit(f"Shared data is longer than {MAX_VALUE_LENGTH} characters.")
    return {str(k): dict(v) for k, v in objectives.items()}, {str(k): v for k, v in data.items()}


def read_commit(payload: object, *, scorm12: bool) -> Commit:
    """The commit in a request body (already parsed, bounded JSON), or :class:`InvalidCommit`."""
    if not isinstance(payload, Mapping):
        raise InvalidCommit("The commit is not a JSON object.")
    state = payload.get("state")
    if state is not None and (not isinstance(state, str) or len(state) > MAX_STATE_LENGTH):
        raise InvalidCommit("The commit's sequencing state must be text of at most 2 MB.")
    objectives, shared_data = _globals(payload.get("globals"))
    return Commit(
        activity=_identifier(payload.get("activity"), "activity"),
        sequence=_counter(payload.get("sequence"), "sequence number", minimum=1),
        delivery=_counter(payload.get("delivery", 0), "delivery number", minimum=0),
        changes=_changes(payload.get("changes", {}), scorm12=scorm12),
        end=payload.get("end") is True,
        result=_result(payload.get("result")),
        state=state,
        objectives=objectives,
        shared_data=shared_data,
    )


def session_seconds(*, scorm12: bool, cmi: Mapping[str, Any]) -> float:
    """The session time the activity reported (0 when none), counted up to a year."""
    seconds = parse_timespan(cmi.get(session_time_element(scorm12=scorm12))) or 0.0
    return min(seconds, MAX_SESSION_SECONDS) if math.isfinite(seconds) else 0.0


# Results -----------------------------------------------------------------------------------


def activity_progress(
    *, scorm12: bool, activity: Activity, cmi: Mapping[str, Any], seconds: float
) -> Progress:
    """One activity's result from its CMI data."""
    if scorm12:
        return normalise_progress(
            lesson_status=cmi.get("cmi.core.lesson_status"),
            score_raw=cmi.get("cmi.core.score.raw"),
            score_min=cmi.get("cmi.core.score.min"),
            score_max=cmi.get("cmi.core.score.max"),
            mastery_score=activity.mastery_score,
            seconds=seconds,
        )
    return normalise_progress(
        completion_status=cmi.get("cmi.completion_status"),
        success_status=cmi.get("cmi.success_status"),
        score_scaled=cmi.get("cmi.score.scaled"),
        score_raw=cmi.get("cmi.score.raw"),
        score_min=cmi.get("cmi.score.min"),
        score_max=cmi.get("cmi.score.max"),
        seconds=seconds,
    )


def attempt_progress(results: Iterable[Progress]) -> Progress:
    """Roll SCORM 1.2 SCOs' results up to the attempt, as SCORM Cloud does for a 1.2 course: one
    SCO's result is the attempt's; with more, completed when every SCO is, failed when any
    failed, passed when every SCO passed; the score is the mean of the scored SCOs and the time
    the sum of the SCOs' times. (SCORM 2004 courses are rolled up by sequencing in the browser.)"""
    results = list(results)
    if not results:
        return Progress()
    counts = {
        "activities_completed": sum(r.completion is Completion.COMPLETED for r in results),
        "activities_total": len(results),
    }
    if len(results) == 1:
        only = results[0]
        return Progress(
            completion=only.completion,
            success=only.success,
            score=only.score,
            seconds=only.seconds,
            **counts,
        )
    if all(r.completion is Completion.COMPLETED for r in results):
        completion = Completion.COMPLETED
    elif any(r.completion is not Completion.UNKNOWN for r in results):
        completion = Completion.INCOMPLETE
    else:
        completion = Completion.UNKNOWN
    judged = [r.success for r in results if r.success is not Success.UNKNOWN]
    if Success.FAILED in judged:
        success = Success.FAILED
    elif judged and len(judged) == len(results):
        success = Success.PASSED
    else:
        success = Success.UNKNOWN
    scores = [r.score.scaled for r in results if r.score.scaled is not None]
    score = Score(scaled=round(sum(scores) / len(scores), 6)) if scores else Score()
    seconds = sum(r.seconds or 0 for r in results)
    return Progress(completion=completion, success=success, score=score, seconds=seconds, **counts)
