"""The server side of the local SCORM run-time: what the browser's API starts from, and
what it commits back.

CMI data is kept per SCO as scorm-again's flattened JSON (``{"cmi.core.lesson_status": ...}``),
in ``attempt.cmi = {"scos": {identifier: {...}}, "time": {...}, "current": identifier}``.
scorm-again validates the data model in the browser; here we check the shape and the limits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from courses.models import Package, Sco
from enrollments.models import Attempt
from enrollments.services import attempt_apply_progress

from ..normalise import format_timespan_12, format_timespan_2004, normalise_progress, parse_timespan
from ..types import Completion, Progress, Score, Success
from .tokens import LaunchClaims

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


class StaleCommit(Exception):
    """An older commit arrived after a newer one was stored; nothing is stored."""


def _exit_key(package: Package) -> str:
    return "cmi.core.exit" if package.is_scorm12 else "cmi.exit"


def _sco_seconds(attempt: Attempt, identifier: str) -> float:
    spent = attempt.cmi.get("time", {}).get(identifier, {})
    return float(spent.get("prior", 0)) + float(spent.get("session", 0))


def _learner_name(attempt: Attempt) -> str:
    user = attempt.enrollment.learner.user
    if user.last_name or user.first_name:
        return f"{user.last_name}, {user.first_name}".strip(", ")
    return user.get_username()


def runtime_initial_data(*, attempt: Attempt, sco: Sco, review: bool) -> dict[str, Any]:
    """Flattened CMI the browser's API is loaded with before the SCO starts."""
    stored: Mapping[str, Any] = attempt.cmi.get("scos", {}).get(sco.identifier, {})
    owned = _LMS_OWNED_12 if attempt.package.is_scorm12 else _LMS_OWNED_2004
    data = {
        key: value
        for key, value in stored.items()
        if key not in owned
        and key not in _WRITE_ONLY
        and not key.rsplit(".", 1)[-1].startswith("_")
    }
    last_exit = stored.get(_exit_key(attempt.package), "")
    entry = "resume" if last_exit == "suspend" else ("" if stored else "ab-initio")
    seconds = _sco_seconds(attempt, sco.identifier)
    mode, credit = ("review", "no-credit") if review else ("normal", "credit")
    learner_id = attempt.enrollment.learner.external_id
    if attempt.package.is_scorm12:
        data.update(
            {
                "cmi.core.student_id": learner_id,
                "cmi.core.student_name": _learner_name(attempt),
                "cmi.core.entry": entry,
                "cmi.core.credit": credit,
                "cmi.core.lesson_mode": mode,
                "cmi.core.total_time": format_timespan_12(seconds),
                "cmi.launch_data": sco.data_from_lms,
            }
        )
        if sco.mastery_score is not None:
            data["cmi.student_data.mastery_score"] = f"{sco.mastery_score * 100:g}"
    else:
        data.update(
            {
                "cmi.learner_id": learner_id,
                "cmi.learner_name": _learner_name(attempt),
                "cmi.entry": entry,
                "cmi.credit": credit,
                "cmi.mode": mode,
                "cmi.total_time": format_timespan_2004(seconds),
                "cmi.launch_data": sco.data_from_lms,
            }
        )
        if sco.mastery_score is not None:
            data["cmi.scaled_passing_score"] = f"{sco.mastery_score:g}"
    return data


def _validated(payload: object) -> tuple[str, int, dict[str, Any]]:
    if not isinstance(payload, Mapping):
        raise InvalidCommit("The commit is not a JSON object.")
    sco, sequence, cmi = payload.get("sco"), payload.get("sequence"), payload.get("cmi")
    if not isinstance(sco, str) or not sco:
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
    return sco, sequence, clean


def runtime_commit(*, claims: LaunchClaims, payload: object) -> Attempt:
    """Store one commit of the browser's API and update the attempt's normalised result.

    Commits are ordered by (launch, sequence): a commit older than the stored one is refused
    so that a late request (an old tab, a delayed beacon) cannot overwrite newer data.
    """
    sco_identifier, sequence, cmi = _validated(payload)
    if claims.review:  # a review launch shows a closed attempt; it records nothing
        return Attempt.objects.get(pk=claims.attempt_id)
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update()
            .select_related("package", "enrollment__learner__user")
            .get(pk=claims.attempt_id)
        )
        if (claims.launch, sequence) <= (attempt.commit_launch, attempt.commit_sequence):
            raise StaleCommit(f"Commit {claims.launch}.{sequence} is older than the stored one.")
        scos = {s.identifier: s for s in attempt.package.scos.all()}
        if sco_identifier not in scos:
            raise InvalidCommit("The commit names a SCO that is not in this package.")

        attempt.cmi.setdefault("scos", {})[sco_identifier] = cmi
        # Session times add up: a new launch closes the previous session of that SCO.
        spent = attempt.cmi.setdefault("time", {}).setdefault(
            sco_identifier, {"prior": 0, "session": 0}
        )
        if spent.get("launch") != claims.launch:
            spent["prior"] = float(spent.get("prior", 0)) + float(spent.get("session", 0))
            spent["launch"] = claims.launch
        session_key = "cmi.core.session_time" if attempt.package.is_scorm12 else "cmi.session_time"
        spent["session"] = parse_timespan(cmi.get(session_key)) or 0
        attempt.cmi["current"] = sco_identifier
        attempt.commit_launch, attempt.commit_sequence = claims.launch, sequence
        attempt.last_accessed_at = timezone.now()
        attempt.save(
            update_fields=[
                "cmi",
                "commit_launch",
                "commit_sequence",
                "last_accessed_at",
                "updated_at",
            ]
        )
        attempt_apply_progress(
            attempt=attempt, progress=runtime_progress(attempt, scos), source="local commit"
        )
    return attempt


def _sco_progress(attempt: Attempt, sco: Sco) -> Progress:
    cmi = attempt.cmi.get("scos", {}).get(sco.identifier, {})
    if attempt.package.is_scorm12:
        return normalise_progress(
            lesson_status=cmi.get("cmi.core.lesson_status"),
            score_raw=cmi.get("cmi.core.score.raw"),
            score_min=cmi.get("cmi.core.score.min"),
            score_max=cmi.get("cmi.core.score.max"),
            mastery_score=sco.mastery_score,
            seconds=_sco_seconds(attempt, sco.identifier),
        )
    return normalise_progress(
        completion_status=cmi.get("cmi.completion_status"),
        success_status=cmi.get("cmi.success_status"),
        score_scaled=cmi.get("cmi.score.scaled"),
        score_raw=cmi.get("cmi.score.raw"),
        score_min=cmi.get("cmi.score.min"),
        score_max=cmi.get("cmi.score.max"),
        seconds=_sco_seconds(attempt, sco.identifier),
    )


def runtime_progress(attempt: Attempt, scos: Mapping[str, Sco] | None = None) -> Progress:
    """Roll the SCOs' results up to the attempt: completed when every SCO is, failed when any
    failed, passed when all that judge passed; the score is the mean of the scored SCOs."""
    scos = scos if scos is not None else {s.identifier: s for s in attempt.package.scos.all()}
    results = [_sco_progress(attempt, sco) for sco in scos.values() if sco.is_sco]
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
