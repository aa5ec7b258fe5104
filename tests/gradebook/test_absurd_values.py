"""Whatever is stored, every gradebook page and export answers, and with every learner: values
written before the run-time refused them (a session time of 1.5e308 s, infinite or NaN
numbers) are shown as unknown and never summed into an overflow."""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from enrollments.services import enrollment_result_refresh
from providers.types import Completion, Success
from tests.factories import AttemptFactory, EnrollmentFactory

from .bulk import rebuilt
from .tables import table_rows

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
ABSURD_SECONDS = float("1" + "5" + "0" * 307)  # what "PT15…0S" parsed to: 1.5e308


@pytest.fixture
def absurd(course):
    """Ada's two attempts each claim 1.5e308 s (their sum overflows); Bob's score is not a
    number; Cy is an ordinary learner."""
    ada = EnrollmentFactory(course=course, learner__user__username="ada")
    for number in (1, 2):
        AttemptFactory(
            enrollment=ada,
            number=number,
            completion=Completion.COMPLETED,
            success=Success.PASSED,
            score_scaled=0.5,
            seconds_tracked=ABSURD_SECONDS,
            first_accessed_at=T0,
            last_accessed_at=T0,
            completed_at=T0,
        )
    bob = EnrollmentFactory(course=course, learner__user__username="bob")
    AttemptFactory(enrollment=bob, number=1, score_scaled=math.inf, seconds_tracked=-math.inf)
    cy = EnrollmentFactory(course=course, learner__user__username="cy")
    AttemptFactory(enrollment=cy, number=1, score_scaled=0.8, seconds_tracked=61)
    return course


@pytest.mark.parametrize("store", ["writers", "rebuild"])
def test_every_page_and_export_answers_with_every_learner(client_for, instructor, absurd, store):
    if store == "writers":
        for enrollment in absurd.enrollments.all():
            enrollment_result_refresh(enrollment_id=enrollment.pk)
    else:
        rebuilt(absurd)
    client = client_for(instructor)
    ada = absurd.enrollments.get(learner__user__username="ada")

    page = client.get(reverse("gradebook:course", args=[absurd.slug]))
    sorted_page = client.get(
        reverse("gradebook:course", args=[absurd.slug]) + "?sort=time&dir=desc"
    )
    learner = client.get(reverse("gradebook:learner", args=[absurd.slug, ada.learner.external_id]))
    course_list = client.get(reverse("gradebook:course_list"))
    gradebook_csv = client.get(reverse("gradebook:export_gradebook", args=[absurd.slug]))
    attempts_csv = client.get(reverse("gradebook:export_attempts", args=[absurd.slug]))

    for response in (page, sorted_page, learner, course_list, gradebook_csv, attempts_csv):
        assert response.status_code == 200
    rows = {row[1]: row for row in table_rows(page.content.decode(), "gradebook-table")}
    assert set(rows) == {"ada", "bob", "cy"}
    assert rows["ada"][6] == "0:00:00"  # unknown times add nothing, and crash nothing
    assert rows["bob"][5] == "—"  # so is a score that is not a number
    assert rows["cy"][6] == "0:01:01"
    _, *exported = csv.reader(io.StringIO(b"".join(gradebook_csv.streaming_content).decode()))
    assert sorted(row[1] for row in exported) == ["ada", "bob", "cy"]
    assert next(row for row in exported if row[1] == "ada")[6] == "0:00:00"
    _, *attempt_rows = csv.reader(io.StringIO(b"".join(attempts_csv.streaming_content).decode()))
    assert len(attempt_rows) == 4
    assert [row[9] for row in attempt_rows if row[1] == "ada"] == ["", ""]
    attempts = table_rows(learner.content.decode(), "attempts-table")
    assert [row[5] for row in attempts] == ["—", "—"]
