"""One normalisation for every source of results.

SCORM 1.2 (``cmi.core.lesson_status`` with raw/min/max and a mastery score), SCORM 2004
(``cmi.completion_status``, ``cmi.success_status``, ``cmi.score.scaled``), SCORM Cloud
(``registrationCompletion``/``registrationSuccess``, ``score.scaled`` in 0..100) and
AllureConnect (``completion_status``/``success_status``, ``score.scaled`` in 0..1) all map to
one completion, one success and a 0..1 scaled score. Anything unrecognised is UNKNOWN, never
an error: packages that set nothing are normal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .types import Completion, Progress, Score, Success

_COMPLETION = {
    "completed": Completion.COMPLETED,
    "incomplete": Completion.INCOMPLETE,
    "browsed": Completion.INCOMPLETE,
    # The LMS initialises these; a package that never reports keeps them.
    "not attempted": Completion.UNKNOWN,
    "not_attempted": Completion.UNKNOWN,
    "unknown": Completion.UNKNOWN,
}
_SUCCESS = {"passed": Success.PASSED, "failed": Success.FAILED, "unknown": Success.UNKNOWN}

# SCORM 1.2 folds both axes into one vocabulary. A failed learner has finished the content.
_LESSON_STATUS = {
    "passed": (Completion.COMPLETED, Success.PASSED),
    "failed": (Completion.COMPLETED, Success.FAILED),
    "completed": (Completion.COMPLETED, Success.UNKNOWN),
    "incomplete": (Completion.INCOMPLETE, Success.UNKNOWN),
    "browsed": (Completion.INCOMPLETE, Success.UNKNOWN),
    "not attempted": (Completion.UNKNOWN, Success.UNKNOWN),
}


def _key(value: object) -> str:
    return str(value).strip().lower() if value is not None else ""


def to_number(value: object) -> float | None:
    """A finite float from a CMI string, JSON number or None; anything else is None."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _clamp01(value: float) -> float:
    return min(1.0, max(0.0, value))


def scaled_score(
    *,
    scaled: object = None,
    scale: float = 1.0,
    raw: object = None,
    minimum: object = None,
    maximum: object = None,
) -> Score:
    """Build a :class:`Score` with ``scaled`` in 0..1.

    ``scale`` is the top of the source's scaled range: 1 for SCORM 2004 and AllureConnect,
    100 for SCORM Cloud. Without a scaled value, raw is placed between min and max
    (SCORM 1.2 defaults them to 0 and 100).
    """
    raw_n, min_n, max_n = to_number(raw), to_number(minimum), to_number(maximum)
    scaled_n = to_number(scaled)
    if scaled_n is not None:
        value: float | None = _clamp01(scaled_n / scale)
    elif raw_n is not None:
        low = 0.0 if min_n is None else min_n
        high = 100.0 if max_n is None else max_n
        value = _clamp01((raw_n - low) / (high - low)) if high > low else None
    else:
        value = None
    return Score(scaled=None if value is None else round(value, 6), raw=raw_n, min=min_n, max=max_n)


def normalise_progress(
    *,
    completion_status: object = None,
    success_status: object = None,
    lesson_status: object = None,
    score_scaled: object = None,
    score_scale: float = 1.0,
    score_raw: object = None,
    score_min: object = None,
    score_max: object = None,
    mastery_score: float | None = None,
    seconds: object = None,
    updated_at: datetime | None = None,
    completed_at: datetime | None = None,
    revision: int | None = None,
    learner_id: str = "",
    package_remote_id: str = "",
    raw: Mapping[str, Any] | None = None,
) -> Progress:
    """The one normalisation used by every provider.

    Pass ``lesson_status`` for SCORM 1.2 data, or ``completion_status``/``success_status`` for
    SCORM 2004 and the hosted providers (case does not matter). ``mastery_score`` is 0..1.
    """
    score = scaled_score(
        scaled=score_scaled, scale=score_scale, raw=score_raw, minimum=score_min, maximum=score_max
    )
    if lesson_status is not None and _key(lesson_status):
        completion, success = _LESSON_STATUS.get(
            _key(lesson_status), (Completion.UNKNOWN, Success.UNKNOWN)
        )
        # SCORM 1.2 RTE 3.4.4: a "completed" SCO with a raw score is judged by the mastery score.
        if (
            success is Success.UNKNOWN
            and completion is Completion.COMPLETED
            and mastery_score is not None
            and score.scaled is not None
        ):
            success = Success.PASSED if score.scaled >= mastery_score else Success.FAILED
    else:
        completion = _COMPLETION.get(_key(completion_status), Completion.UNKNOWN)
        success = _SUCCESS.get(_key(success_status), Success.UNKNOWN)
    seconds_n = to_number(seconds)
    return Progress(
        completion=completion,
        success=success,
        score=score,
        seconds=None if seconds_n is None else max(0.0, seconds_n),
        updated_at=updated_at,
        completed_at=completed_at,
        revision=revision,
        learner_id=learner_id,
        package_remote_id=package_remote_id,
        raw=dict(raw or {}),
    )


_ISO_DURATION = re.compile(
    r"^P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_CMI_TIMESPAN = re.compile(
    r"^(?P<hours>\d{2,4}):(?P<minutes>\d{2}):(?P<seconds>\d{2}(?:\.\d{1,2})?)$"
)
_SECONDS_PER = {
    "years": 365 * 86400,
    "months": 30 * 86400,
    "days": 86400,
    "hours": 3600,
    "minutes": 60,
    "seconds": 1,
}


def parse_timespan(value: object) -> float | None:
    """Seconds in a SCORM 2004 ``timeinterval`` (``PT1H2M3.5S``) or a SCORM 1.2 ``CMITimespan``
    (``0001:02:03.50``), or in SCORM Cloud's ``timeTracked`` (``0000:00:26.66``)."""
    text = _key(value).upper()
    if not text:
        return None
    match = _ISO_DURATION.match(text) or _CMI_TIMESPAN.match(text)
    if not match or text in ("P", "PT"):
        return None
    return sum(
        float(amount) * _SECONDS_PER[unit] for unit, amount in match.groupdict().items() if amount
    )


def format_timespan_2004(seconds: float) -> str:
    """Seconds as a SCORM 2004 timeinterval, e.g. ``PT1H2M3.5S``."""
    seconds = max(0.0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{int(hours)}H{int(minutes)}M{round(secs, 2):g}S"


def format_timespan_12(seconds: float) -> str:
    """Seconds as a SCORM 1.2 CMITimespan, e.g. ``0001:02:03.50``."""
    seconds = max(0.0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):04d}:{int(minutes):02d}:{secs:05.2f}"
