"""The local run-time's rules, as pure functions: what the browser's API starts from for an
activity, what a commit must look like, and how activities' results roll up to the attempt.

CMI data is kept per activity as scorm-again's flattened JSON (``{"cmi.core.lesson_status":
...}``). scorm-again validates the data model in the browser; here we check the shape and the
limits. Storage is the ``playback`` app's business: these functions take and return values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..normalise import format_timespan_12, format_timespan_2004, normalise_progress, parse_timespan
from ..types import Completion, LearnerRef, Progress, Score, Success

# The longest element is suspend_data: 64000 characters in both versions (SCORM 1.2's 4096 is
# relaxed, as Moodle and scorm-again do, because modern authoring tools overflow it).
MAX_VALUE_LENGTH = 64_000
MAX_ELEMENTS = 10_000
_KEY = re.compile(r"^(cmi|adl)\.[A-Za-z0-9_.]{1,250}$")

# Elements the LMS owns and sets at every launch; never taken from stored data.
_LMS_OWNED_12 = {
    "cmi.core.student_id",
    "cmi.core.student_name",
    "cmi.core.credit",
    "cmi.core.entry",
    "cmi.core.total_time",
    "cmi.core.lesson_mode",
    "cmi.launch_data",
    "cmi.student_data.mastery_score",
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
}
_WRITE_ONLY = {"cmi.core.exit", "cmi.core.session_time", "cmi.exit", "cmi.session_time"}


class InvalidCommit(Exception):
    """The commit is not well formed; nothing is stored."""


@dataclass(frozen=True)
class Activity:
    """A launchable activity of a package, as its manifest defines it."""

    identifier: str
    title: str = ""
    href: str = ""
    is_sco: bool = True
    mastery_score: float | None = None  # 0..1
    data_from_lms: str = ""


@dataclass(frozen=True)
class ActivityRecord:
    """What the LMS stored of one activity in one attempt."""

    cmi: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0  # all its sessions so far


@dataclass(frozen=True)
class Commit:
    """One commit of the browser's API: one activity's whole flattened CMI."""

    activity: str
    sequence: int
    cmi: dict[str, Any]
    terminate: bool = False


def exit_element(*, scorm12: bool) -> str:
    return "cmi.core.exit" if scorm12 else "cmi.exit"


def session_time_element(*, scorm12: bool) -> str:
    return "cmi.core.session_time" if scorm12 else "cmi.session_time"


def learner_name(learner: LearnerRef) -> str:
    """ "Last, First" as SCORM's examples write it; the username when there is no name."""
    if learner.last_name or learner.first_name:
        return f"{learner.last_name}, {learner.first_name}".strip(", ")
    return learner.username or learner.id


def initial_data(
    *,
    scorm12: bool,
    activity: Activity,
    record: ActivityRecord | None,
    learner: LearnerRef,
    review: bool,
) -> dict[str, Any]:
    """Flattened CMI the browser's API is loaded with before the activity starts."""
    stored: Mapping[str, Any] = record.cmi if record else {}
    owned = _LMS_OWNED_12 if scorm12 else _LMS_OWNED_2004
    data = {
        key: value
        for key, value in stored.items()
        if key not in owned
        and key not in _WRITE_ONLY
        and not key.rsplit(".", 1)[-1].startswith("_")
    }
    last_exit = stored.get(exit_element(scorm12=scorm12), "")
    entry = "resume" if last_exit == "suspend" else ("" if stored else "ab-initio")
    seconds = record.seconds if record else 0.0
    mode, credit = ("review", "no-credit") if review else ("normal", "credit")
    if scorm12:
        data.update(
            {
                "cmi.core.student_id": learner.id,
                "cmi.core.student_name": learner_name(learner),
                "cmi.core.entry": entry,
                "cmi.core.credit": credit,
                "cmi.core.lesson_mode": mode,
                "cmi.core.total_time": format_timespan_12(seconds),
                "cmi.launch_data": activity.data_from_lms,
            }
        )
        if activity.mastery_score is not None:
            data["cmi.student_data.mastery_score"] = f"{activity.mastery_score * 100:g}"
    else:
        data.update(
            {
                "cmi.learner_id": learner.id,
                "cmi.learner_name": learner_name(learner),
                "cmi.entry": entry,
                "cmi.credit": credit,
                "cmi.mode": mode,
                "cmi.total_time": format_timespan_2004(seconds),
                "cmi.launch_data": activity.data_from_lms,
            }
        )
        if activity.mastery_score is not None:
            data["cmi.scaled_passing_score"] = f"{activity.mastery_score:g}"
    return data


def read_commit(payload: object) -> Commit:
    """The commit in a request body (already parsed JSON), or :class:`InvalidCommit`."""
    if not isinstance(payload, Mapping):
        raise InvalidCommit("The commit is not a JSON object.")
    activity, sequence, cmi = payload.get("sco"), payload.get("sequence"), payload.get("cmi")
    if not isinstance(activity, str) or not activity:
        raise InvalidCommit("The commit names no SCO.")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
        raise InvalidCommit("The commit has no sequence number.")
    if not isinstance(cmi, Mapping) or len(cmi) > MAX_ELEMENTS:
        raise InvalidCommit("The commit's CMI data is missing or too large.")
    clean: dict[str, Any] = {}
    for key, value in cmi.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise InvalidCommit(f"Unknown data model element {str(key)[:80]!r}.")
        if isinstance(value, list | dict) and not value:
            continue  # scorm-again flattens an empty collection (no interactions yet) to []
        if value is not None and not isinstance(value, str | int | float | bool):
            raise InvalidCommit(f"{key} must be a single value.")
        if isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
            raise InvalidCommit(f"{key} is longer than {MAX_VALUE_LENGTH} characters.")
        clean[key] = value
    return Commit(
        activity=activity,
        sequence=sequence,
        cmi=clean,
        terminate=payload.get("terminate") is True,
    )


def session_seconds(*, scorm12: bool, cmi: Mapping[str, Any]) -> float:
    """The session time the activity reported in its latest commit (0 when none)."""
    return parse_timespan(cmi.get(session_time_element(scorm12=scorm12))) or 0.0


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
    """Roll the SCOs' results up to the attempt: one SCO's result is the attempt's; with more,
    completed when every SCO is, failed when any failed, passed when every SCO passed; the
    score is the mean of the scored SCOs and the time the sum of the SCOs' times."""
    results = list(results)
    if not results:
        return Progress()
    if len(results) == 1:
        only = results[0]
        return Progress(
            completion=only.completion, success=only.success, score=only.score, seconds=only.seconds
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
    return Progress(completion=completion, success=success, score=score, seconds=seconds)
