"""The HTMX progress panel: reads the database, stops polling when done, own attempts only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollments.models import Attempt
from enrollments.selectors import attempt_panel_state
from enrollments.services import learner_get_or_create
from playback.models import ActivityState
from providers import get_provider
from providers.types import Progress
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
    settings.SCORM_COMPLETION_SETTLE_SECONDS = 5
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


def _activities(attempt, count: int) -> None:
    ActivityState.objects.bulk_create(
        ActivityState(
            attempt=attempt, activity=f"sco{i}", cmi={"cmi.core.lesson_status": "incomplete"}
        )
        for i in range(count)
    )


@pytest.mark.parametrize("commits", [1, 200])
@pytest.mark.parametrize("provider", ["local", "scorm_cloud", "allure_connect"])
def test_poll_reads_the_database_only_and_its_query_count_is_constant(
    client, settings, monkeypatch, no_network, django_assert_max_num_queries, commits, provider
):
    """With a worker, a poll queues a remote refresh and never waits on a provider."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr("enrollments.tasks.attempt_refresh_task.delay", queued.append)
    user = UserFactory(username="lea")
    enrollment = EnrollmentFactory(
        learner=learner_get_or_create(user=user), course=CourseFactory(provider=provider)
    )
    attempt = AttemptFactory(enrollment=enrollment, registered_at=timezone.now())
    _activities(attempt, commits)
    for number in range(2, commits // 20 + 2):
        AttemptFactory(enrollment=attempt.enrollment, number=1000 + number)
    client.force_login(user)
    with django_assert_max_num_queries(3):
        response = client.get(panel_url(attempt), **HTMX)
    assert response.status_code == 200
    assert no_network == []
    assert queued == ([] if provider == "local" else [str(attempt.pk)])


@pytest.mark.parametrize("provider", ["scorm_cloud", "allure_connect"])
def test_without_a_worker_a_poll_reads_a_remote_result_at_most_once_per_interval(
    client, settings, monkeypatch, provider
):
    """The embedded default has no worker: the poll itself asks the provider, with one quick
    try, at most once per SCORM_REFRESH_MIN_INTERVAL_SECONDS however many panels poll."""
    assert settings.CELERY_TASK_ALWAYS_EAGER
    reads = []
    monkeypatch.setattr(
        type(get_provider(provider)),
        "fetch_progress",
        lambda self, attempt, quick=False: reads.append(quick) or Progress(),
    )
    attempt = AttemptFactory(
        enrollment__course=CourseFactory(provider=provider), registered_at=timezone.now()
    )
    client.force_login(attempt.enrollment.learner.user)
    for _ in range(5):
        assert client.get(panel_url(attempt), **HTMX).status_code == 200
    assert reads == [True]


def test_remote_refresh_is_rate_limited_per_attempt(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # with a worker: polls queue the refresh
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
    enrollment = EnrollmentFactory(course=course, learner=learner_get_or_create(user=user))
    attempt = AttemptFactory(enrollment=enrollment, package=course.packages.get())
    client.force_login(user)
    url = reverse("enrollments:attempt_player", kwargs={"attempt_id": attempt.pk})
    first, second = client.get(url), client.get(url)
    assert "no-store" in first["Cache-Control"]
    assert first.context["launch"].url != second.context["launch"].url  # minted per load
    attempt.refresh_from_db()
    assert attempt.launch_count == 2
    assert not ActivityState.objects.filter(attempt=attempt).exists()
    assert "token" not in str(attempt.provider_result)
