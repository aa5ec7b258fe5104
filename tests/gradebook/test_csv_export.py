"""CSV exports: streamed, same rows as the page, safe in spreadsheets."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from gradebook.csv_export import ATTEMPT_COLUMNS, csv_safe
from gradebook.rows import GRADEBOOK_COLUMNS
from providers.types import Completion, Success
from tests.factories import AttemptFactory, EnrollmentFactory

from .bulk import rebuilt
from .tables import table_rows

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def read_csv(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def filled(course):
    specs = [
        ("ann", Completion.COMPLETED, Success.PASSED, 0.9),
        ("bob", Completion.COMPLETED, Success.UNKNOWN, None),
        ("cyd", Completion.INCOMPLETE, Success.UNKNOWN, 0.4),
        ("=evil", Completion.COMPLETED, Success.FAILED, 0.2),
    ]
    for username, completion, success, score in specs:
        enrollment = EnrollmentFactory(
            course=course,
            learner__user__username=username,
            learner__user__first_name=username.strip("=").title(),
            learner__user__last_name="Smith",
        )
        AttemptFactory(
            enrollment=enrollment,
            number=1,
            completion=completion,
            success=success,
            score_scaled=score,
            seconds_tracked=125,
            first_accessed_at=T0,
            last_accessed_at=T0,
            completed_at=T0 if completion == Completion.COMPLETED else None,
        )
    EnrollmentFactory(
        course=course, learner__user__username="dee", learner__user__last_name="Smith"
    )
    return rebuilt(course)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_defused(value):
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize(
    ("value", "expected"), [("Ann", "Ann"), ("", ""), (None, ""), (3, "3"), ("a=b", "a=b")]
)
def test_plain_cells_are_untouched(value, expected):
    assert csv_safe(value) == expected


@pytest.mark.parametrize(
    "params", ["", "?sort=score&dir=desc", "?status=passed", "?q=smith&sort=status"]
)
def test_gradebook_csv_matches_the_page(client_for, instructor, filled, params):
    client = client_for(instructor)
    page = client.get(reverse("gradebook:course", args=[filled.slug]) + params).content.decode()
    response = client.get(reverse("gradebook:export_gradebook", args=[filled.slug]) + params)

    header, *rows = read_csv(response)

    assert header == [column.label for column in GRADEBOOK_COLUMNS]
    # The page shows "—" for an empty cell; the CSV leaves it empty.
    on_page = [
        [csv_safe(cell.replace("—", "")) for cell in row]
        for row in table_rows(page, "gradebook-table")
    ]
    assert rows == on_page
    assert rows  # every parametrisation lists someone


def test_gradebook_csv_headers_and_injection(client_for, instructor, filled):
    response = client_for(instructor).get(reverse("gradebook:export_gradebook", args=[filled.slug]))

    today = timezone.localdate().isoformat()
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="fire-safety-gradebook-{today}.csv"'
    )
    _, *rows = read_csv(response)
    evil = next(row for row in rows if row[1].endswith("=evil"))
    assert evil[:3] == ["Evil Smith", "'=evil", "Not passed"]


def test_attempts_csv(client_for, instructor, filled):
    ann = filled.enrollments.get(learner__user__username="ann")
    second = AttemptFactory(
        enrollment=ann, number=2, provider="local", score_scaled=0.5, seconds_tracked=59.6
    )
    rebuilt(filled)

    response = client_for(instructor).get(
        reverse("gradebook:export_attempts", args=[filled.slug]) + "?q=ann"
    )

    assert response["Content-Disposition"].startswith('attachment; filename="fire-safety-attempts-')
    header, *rows = read_csv(response)
    assert header == list(ATTEMPT_COLUMNS)
    assert [row[:3] for row in rows] == [["Ann Smith", "ann", "1"], ["Ann Smith", "ann", "2"]]
    number, attempt_id, provider, version, completion, success, score, seconds = rows[1][2:10]
    assert (attempt_id, provider, version) == (str(second.pk), "local", str(second.package.version))
    assert (completion, success, score, seconds) == ("unknown", "unknown", "50", "60")
    assert rows[0][10] == "2025-03-01T09:00:00+00:00"
    assert rows[0][12] == "2025-03-01T09:00:00+00:00"


def test_attempts_csv_leaves_out_learners_the_filters_leave_out(client_for, instructor, filled):
    response = client_for(instructor).get(
        reverse("gradebook:export_attempts", args=[filled.slug]) + "?status=completed"
    )

    _, *rows = read_csv(response)
    assert [row[1] for row in rows] == ["bob"]
