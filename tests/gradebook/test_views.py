"""The pages as an instructor sees them: gradebook, HTMX partials, learner detail, refresh."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from courses.models import Sco
from gradebook.queries import PAGE_SIZE
from playback.models import ActivityState
from providers.exceptions import ProviderConnectionError
from providers.types import Completion, Progress, Score, Success
from tests.factories import AttemptFactory, EnrollmentFactory

from .bulk import rebuilt
from .tables import table_rows
from .test_cmi import SCORM_2004_INDEXED

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def gradebook_url(course, **params):
    url = reverse("gradebook:course", args=[course.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def learner_url(enrollment):
    return reverse(
        "gradebook:learner", args=[enrollment.course.slug, enrollment.learner.external_id]
    )


def usernames_in(html: str) -> list[str]:
    """Usernames in the gradebook table, in order."""
    return [row[1] for row in table_rows(html, "gradebook-table") if len(row) > 1]


@pytest.fixture
def scored(course, enrollment):
    attempt = AttemptFactory(
        enrollment=enrollment,
        number=1,
        completion=Completion.COMPLETED,
        success=Success.PASSED,
        score_scaled=0.875,
        seconds_tracked=754,
        first_accessed_at=T0,
        last_accessed_at=T0,
        completed_at=T0,
    )
    ActivityState.objects.create(attempt=attempt, activity="sco-1", cmi=SCORM_2004_INDEXED)
    EnrollmentFactory(
        course=course,
        learner__user__username="zoe",
        learner__user__first_name="Zoe",
        learner__user__last_name="Zimmer",
    )
    rebuilt(course)
    return enrollment


def test_gradebook_page(client_for, instructor, scored):
    response = client_for(instructor).get(gradebook_url(scored.course))

    assert response.status_code == 200
    html = response.content.decode()
    assert usernames_in(html) == ["learner", "zoe"]
    assert '<span class="badge passed">Passed</span>' in html
    assert '<span class="badge not-started">Not started</span>' in html
    assert "87.5" in html
    assert "0:12:34" in html
    assert learner_url(scored) in html
    # Summary and both charts, drawn server-side with accessible names.
    assert "Score distribution" in html
    assert "Completions over time" in html
    assert html.count('role="img"') == 2
    assert "Score distribution as a table" in html
    # Exports carry the page's filters (but not its page number).
    assert reverse("gradebook:export_gradebook", args=[scored.course.slug]) in html
    assert "Course settings" not in html  # admin links are for staff


def test_staff_see_admin_links(client_for, staff, scored):
    html = client_for(staff).get(gradebook_url(scored.course)).content.decode()

    assert reverse("admin:courses_course_change", args=[scored.course.pk]) in html
    assert (
        f"{reverse('admin:enrollments_attempt_changelist')}?enrollment__course__id__exact={scored.course.pk}"
        in html
    )


def test_filters_and_sort_from_the_query_string(client_for, instructor, scored):
    client = client_for(instructor)

    assert usernames_in(
        client.get(gradebook_url(scored.course, status="not_started")).content.decode()
    ) == ["zoe"]
    assert usernames_in(client.get(gradebook_url(scored.course, q="zo")).content.decode()) == [
        "zoe"
    ]
    html = client.get(gradebook_url(scored.course, sort="username", dir="desc")).content.decode()
    assert usernames_in(html) == ["zoe", "learner"]
    assert 'aria-sort="descending"' in html
    # Export links keep the filters.
    assert "gradebook.csv?sort=username&amp;dir=desc" in html


def test_bad_query_values_fall_back_to_defaults(client_for, instructor, scored):
    response = client_for(instructor).get(
        gradebook_url(scored.course, sort="password", dir="x", status="zzz", page="9")
    )

    assert response.status_code == 200
    assert usernames_in(response.content.decode()) == ["learner", "zoe"]


def test_htmx_request_gets_only_the_results(client_for, instructor, scored):
    response = client_for(instructor).get(
        gradebook_url(scored.course, status="passed"),
        headers={"HX-Request": "true", "HX-Target": "gradebook-results"},
    )

    html = response.content.decode()
    assert "<html" not in html
    assert "Summary" not in html
    assert usernames_in(html) == ["learner"]
    # Outside the results, the sort fields and the announced count are swapped out of band.
    assert 'id="gradebook-sort-fields" hx-swap-oob="true"' in html
    assert (
        'id="gradebook-count" role="status" hx-swap-oob="innerHTML">1 learner matches</p>' in html
    )
    assert "HX-Request" in response["Vary"]


def test_pagination(client_for, instructor, course):
    for i in range(PAGE_SIZE + 3):
        EnrollmentFactory(
            course=course, learner__user__username=f"u{i:03d}", learner__user__last_name=f"L{i:03d}"
        )
    client = client_for(instructor)

    first = client.get(gradebook_url(course)).content.decode()
    second = client.get(gradebook_url(course, page=2)).content.decode()

    assert len(usernames_in(first)) == PAGE_SIZE
    assert usernames_in(second) == ["u050", "u051", "u052"]
    assert "Page 2 of 2" in second


def test_learner_detail(client_for, instructor, scored):
    Sco.objects.create(
        package=scored.attempts.get().package,
        position=1,
        identifier="sco-1",
        title="Exits",
        href="a.html",
    )

    response = client_for(instructor).get(learner_url(scored))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Ada Lovelace" in html
    assert 'id="attempts-table"' in html
    assert "counts</span>" in html
    # What the content reported: question, learner response, correct response, result.
    assert "<h3>Exits</h3>" in html
    assert "Which exits may be used?" in html
    assert "Name the extinguisher for electrical fires" in html
    assert "water" in html
    assert "CO2" in html
    assert '<span class="badge failed">incorrect</span>' in html
    assert "obj-exits" in html
    assert "75.0%" in html
    # Raw CMI is for staff only; a local attempt has nothing to refresh.
    assert "Raw CMI data" not in html
    assert "Refresh results" not in html


def test_staff_see_raw_cmi(client_for, staff, scored):
    html = client_for(staff).get(learner_url(scored)).content.decode()

    assert "Raw CMI data" in html
    assert "&quot;learner_response&quot;: &quot;a[,]c&quot;" in html


def test_learner_detail_of_someone_not_enrolled_is_404(client_for, instructor, course):
    other = EnrollmentFactory()  # another course
    url = reverse("gradebook:learner", args=[course.slug, other.learner.external_id])

    assert client_for(instructor).get(url).status_code == 404


def test_never_started_learner_detail(client_for, instructor, enrollment):
    html = client_for(instructor).get(learner_url(enrollment)).content.decode()

    assert "has not started this course" in html


def test_unknown_course_is_404(client_for, staff):
    assert client_for(staff).get(reverse("gradebook:course", args=["nope"])).status_code == 404


# --- Refresh ------------------------------------------------------------------------------


@pytest.fixture
def remote_attempt(fake_remote, enrollment):
    return AttemptFactory(enrollment=enrollment, number=1, provider="fake_remote")


def refresh(client, attempt, *, htmx=True):
    headers = {"HX-Request": "true", "HX-Target": f"attempt-{attempt.pk}"} if htmx else {}
    return client.post(reverse("gradebook:refresh_attempt", args=[attempt.pk]), headers=headers)


def test_remote_attempts_offer_a_refresh(client_for, instructor, remote_attempt):
    html = client_for(instructor).get(learner_url(remote_attempt.enrollment)).content.decode()

    assert "Refresh results" in html
    assert f'hx-post="{reverse("gradebook:refresh_attempt", args=[remote_attempt.pk])}"' in html
    assert "Fake remote service" in html


def test_refresh_brings_results_in(client_for, instructor, remote_attempt, fake_remote):
    fake_remote.answer = Progress(
        completion=Completion.COMPLETED, success=Success.PASSED, score=Score(scaled=0.7), seconds=90
    )

    response = refresh(client_for(instructor), remote_attempt)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="attempt-{remote_attempt.pk}">')
    assert '<span class="badge passed">Passed</span>' in html
    assert "70%" in html
    assert 'role="status"' in html
    assert fake_remote.calls == [str(remote_attempt.pk)]
    remote_attempt.refresh_from_db()
    assert (remote_attempt.success, remote_attempt.score_scaled) == (Success.PASSED, 0.7)


def test_refresh_shows_provider_errors_in_the_row(
    client_for, instructor, remote_attempt, fake_remote
):
    fake_remote.answer = ProviderConnectionError()

    response = refresh(client_for(instructor), remote_attempt)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<p class="error" role="alert">The course player service could not be reached.' in html
    remote_attempt.refresh_from_db()
    assert remote_attempt.last_synced_at is None


def test_refresh_without_javascript_redirects_with_a_message(
    client_for, instructor, remote_attempt, fake_remote
):
    fake_remote.answer = ProviderConnectionError("Down for maintenance.")

    response = refresh(client_for(instructor), remote_attempt, htmx=False)

    assert response.status_code == 302
    assert response["Location"] == learner_url(remote_attempt.enrollment)
    page = client_for(instructor).get(response["Location"])
    assert page.status_code == 200


def test_refresh_of_a_local_attempt_is_refused(client_for, instructor, enrollment):
    local = AttemptFactory(enrollment=enrollment, number=1)

    assert refresh(client_for(instructor), local).status_code == 400


def test_refresh_needs_post(client_for, instructor, remote_attempt):
    url = reverse("gradebook:refresh_attempt", args=[remote_attempt.pk])

    assert client_for(instructor).get(url).status_code == 405


def test_attempts_of_a_provider_no_longer_configured_still_show(client_for, instructor, enrollment):
    gone = AttemptFactory(enrollment=enrollment, number=1, provider="retired_provider")
    client = client_for(instructor)

    html = client.get(learner_url(enrollment)).content.decode()

    assert "retired_provider" in html
    assert "Refresh results" not in html
    assert refresh(client, gone).status_code == 400
