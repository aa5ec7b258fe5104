"""The one normalisation: SCORM 1.2, SCORM 2004, SCORM Cloud and AllureConnect results."""

from __future__ import annotations

import pytest

from providers.normalise import (
    format_timespan_12,
    format_timespan_2004,
    normalise_progress,
    parse_timespan,
    scaled_score,
)
from providers.types import Completion, Success

C, S = Completion, Success


@pytest.mark.parametrize(
    ("lesson_status", "completion", "success"),
    [
        ("passed", C.COMPLETED, S.PASSED),
        ("failed", C.COMPLETED, S.FAILED),
        ("completed", C.COMPLETED, S.UNKNOWN),
        ("incomplete", C.INCOMPLETE, S.UNKNOWN),
        ("browsed", C.INCOMPLETE, S.UNKNOWN),
        ("not attempted", C.UNKNOWN, S.UNKNOWN),
        ("PASSED", C.COMPLETED, S.PASSED),
        ("nonsense", C.UNKNOWN, S.UNKNOWN),
    ],
)
def test_scorm12_lesson_status(lesson_status, completion, success):
    progress = normalise_progress(lesson_status=lesson_status)
    assert (progress.completion, progress.success) == (completion, success)


@pytest.mark.parametrize(
    ("raw", "mastery", "success"),
    [("80", 0.8, S.PASSED), ("79", 0.8, S.FAILED), ("80", None, S.UNKNOWN), (None, 0.8, S.UNKNOWN)],
)
def test_scorm12_completed_is_judged_by_the_mastery_score(raw, mastery, success):
    progress = normalise_progress(lesson_status="completed", score_raw=raw, mastery_score=mastery)
    assert progress.completion is C.COMPLETED
    assert progress.success is success


def test_scorm12_own_verdict_wins_over_the_mastery_score():
    progress = normalise_progress(lesson_status="failed", score_raw="95", mastery_score=0.8)
    assert progress.success is S.FAILED


@pytest.mark.parametrize(
    ("completion_status", "success_status", "completion", "success"),
    [
        ("completed", "passed", C.COMPLETED, S.PASSED),
        ("completed", "unknown", C.COMPLETED, S.UNKNOWN),
        ("completed", None, C.COMPLETED, S.UNKNOWN),
        ("incomplete", "failed", C.INCOMPLETE, S.FAILED),
        ("not attempted", "unknown", C.UNKNOWN, S.UNKNOWN),
        ("unknown", "unknown", C.UNKNOWN, S.UNKNOWN),
        (None, None, C.UNKNOWN, S.UNKNOWN),
        # SCORM Cloud's enums, upper case
        ("COMPLETED", "UNKNOWN", C.COMPLETED, S.UNKNOWN),
        ("INCOMPLETE", "PASSED", C.INCOMPLETE, S.PASSED),
    ],
)
def test_scorm2004_and_hosted_statuses(completion_status, success_status, completion, success):
    progress = normalise_progress(
        completion_status=completion_status, success_status=success_status
    )
    assert (progress.completion, progress.success) == (completion, success)


def test_a_package_that_sets_nothing_stays_unknown():
    progress = normalise_progress()
    assert (progress.completion, progress.success, progress.score.scaled) == (
        C.UNKNOWN,
        S.UNKNOWN,
        None,
    )


@pytest.mark.parametrize(
    ("kwargs", "scaled"),
    [
        ({"scaled": 85, "scale": 100}, 0.85),  # SCORM Cloud: 0..100
        ({"scaled": "0.75"}, 0.75),  # SCORM 2004 / AllureConnect: 0..1
        ({"scaled": -0.5}, 0.0),  # 2004 allows -1..1; stored 0..1
        ({"raw": "67"}, 0.67),  # SCORM 1.2 without min/max: 0..100
        ({"raw": 15, "minimum": 0, "maximum": 20}, 0.75),
        ({"raw": 5, "minimum": 5, "maximum": 5}, None),  # no range: unknown, not a crash
        ({"raw": "abc"}, None),
        ({"scaled": "nan"}, None),
        ({}, None),
    ],
)
def test_scaled_score_is_always_0_to_1(kwargs, scaled):
    assert scaled_score(**kwargs).scaled == scaled


def test_raw_min_max_are_kept():
    score = scaled_score(raw="15", minimum="0", maximum="20")
    assert (score.raw, score.min, score.max, score.scaled) == (15.0, 0.0, 20.0, 0.75)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("PT1H2M3.5S", 3723.5),
        ("PT0.85S", 0.85),
        ("P1DT1S", 86401),
        ("0001:02:03.50", 3723.5),
        ("0000:00:26.66", 26.66),
        ("", None),
        ("PT", None),
        ("garbage", None),
        (None, None),
    ],
)
def test_parse_timespan(value, seconds):
    assert parse_timespan(value) == (pytest.approx(seconds) if seconds is not None else None)


def test_timespans_round_trip():
    assert parse_timespan(format_timespan_2004(3723.5)) == pytest.approx(3723.5)
    assert parse_timespan(format_timespan_12(3723.5)) == pytest.approx(3723.5)
    assert format_timespan_12(3723.5) == "0001:02:03.50"
