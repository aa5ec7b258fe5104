"""The HTMX progress panel: reads the database, stops polling when done, own attempts only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollments.models import Attempt
from enrollments.selectors import attempt_panel_state
from tests.factories import AttemptFactory, CourseFactory, EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def panel_url(attempt):
    return reverse("enrollments:attempt_progress", kwargs={"attempt_id": attempt.pk})


def test_panel_polls_while_the_attempt_runs(client, learner_user, attempt):
    client.force_login(learner_user)
    response = client.get(panel_url(attempt), **HTMX)
    assert response.status_code == 200
    assert 'hx-trigger="every 3s' in response.content.decode()


def test_panel_stops_polling_when_completed(client, learner_user, attempt):
    Attempt.objects.filter(pk=attempt.pk).update(
        completion="completed", success="unknown", score_scaled=0.5, completed_at=timezone.now()
    )
    client.force_login(learner_user)
    response = client.get(panel_url(attempt), **HTMX)
    assert response.status_code == 286
    body = response.content.decode()
    assert "hx-trigger" not in body  # stops even if a client ignored 286
    assert "no pass mark" in body
    assert "50%" in body


def test_without_htmx_the_final_panel_is_a_plain_200(client, learner_user, attempt):
    Attempt.objects.filter(pk=attempt.pk).update(
        completion="completed", completed_at=timezone.now()
    )
    client.force_login(learner_user)
    assert client.get(panel_url(attempt)).status_code == 200


def test_remote_attempts_settle_before_polling_stops(settings):
    settings.SCORM_SETTLE_SECONDS = 5
    attempt = AttemptFactory(enrollment__course=CourseFactory(provider="scorm_cloud"))
    now = timezone.now()
    attempt.completion, attempt.completed_at = "completed", now
    assert not attempt_panel_state(attempt=attempt, now=now + timedelta(seconds=2)).finished
    assert attempt_panel_state(attempt=attempt, now=now + timedelta(seconds=6)).finished


def test_after_an_exit_a_lagging_provider_is_polled_for_its_grace_period():
    attempt = AttemptFactory(enrollment__course=CourseFactory(provider="scorm_cloud"))
    attempt.exited_at = now = timezone.now()
    lag = attempt_panel_state(attempt=attempt).finished
    waiting = attempt_panel_state(attempt=attempt, now=now + timedelta(seconds=5))
    assert not lag
    assert waiting.waiting_for_results
    assert not waiting.finished
    gave_up = attempt_panel_state(attempt=attempt, now=now + timedelta(seconds=31))
    assert gave_up.finished
    assert not gave_up.waiting_for_results


def test_another_learner_gets_404(client, attempt):
    client.force_login(UserFactory(username="mallory"))
    assert client.get(panel_url(attempt), **HTMX).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, attempt):
    response = client.get(panel_url(attempt))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("commits", [1, 200])
def test_poll_query_count_is_constant_and_no_request_goes_out(
    client, learner_user, attempt, no_network, django_assert_max_num_queries, commits
):
    attempt.cmi = {
        "scos": {f"sco{i}": {"cmi.core.lesson_status": "incomplete"} for i in range(commits)}
    }
    attempt.save()
    for number in range(2, commits // 20 + 2):
        AttemptFactory(enrollment=attempt.enrollment, number=1000 + number)
    client.force_login(learner_user)
    with django_assert_max_num_queries(3):
        response = client.get(panel_url(attempt), **HTMX)
    assert response.status_code == 200
    assert no_network == []


def test_remote_refresh_is_rate_limited_per_attempt(client, monkeypatch):
    queued = []
    monkeypatch.setattr("enrollments.tasks.attempt_refresh_task.delay", queued.append)
    attempt = AttemptFactory(enrollment__course=CourseFactory(provider="scorm_cloud"))
    users = [attempt.enrollment.learner.user]
    client.force_login(users[0])
    for _ in range(5):  # five open panels polling at once
        assert client.get(panel_url(attempt), **HTMX).status_code == 200
    assert queued == [str(attempt.pk)]


def test_the_player_page_never_caches_its_launch_url(client, make_demo_course):
    course = make_demo_course("safe-passwords")
    user = UserFactory(username="lea2")
    from enrollments.services import learner_get_or_create

    enrollment = EnrollmentFactory(course=course, learner=learner_get_or_create(user=user))
    attempt = AttemptFactory(enrollment=enrollment, package=course.packages.get())
    client.force_login(user)
    url = reverse("enrollments:attempt_player", kwargs={"attempt_id": attempt.pk})
    first, second = client.get(url), client.get(url)
    assert "no-store" in first["Cache-Control"]
    assert first.context["launch"].url != second.context["launch"].url  # minted per load
    attempt.refresh_from_db()
    assert attempt.launch_count == 2
    assert "launch" not in str(attempt.cmi)
    assert "token" not in str(attempt.provider_result)
