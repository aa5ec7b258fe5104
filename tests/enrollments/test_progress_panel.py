"""The HTMX progress panel: reads the database, stops polling when done, own attempts only."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollments.models import Attempt
from enrollments.selectors import attempt_panel_state
from enrollments.services import (
    attempt_apply_progress,
    attempt_launch,
    attempt_record_exit,
    learner_get_or_create,
)
from playback.models import ActivityState
from providers import get_provider
from providers.types import Completion, Launch, LaunchContext, Progress, Score, Success
from tests.factories import AttemptFactory, CourseFactory, EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _panel_cache(settings):
    """As in production (a cache every process shares): fragments are kept."""
    settings.SCORM_PANEL_CACHE_SECONDS = 30


def panel_url(attempt):
    return reverse("enrollments:attempt_progress", kwargs={"attempt_id": attempt.pk})


def test_panel_polls_while_the_attempt_runs(client, learner_user, attempt):
    client.force_login(learner_user)
    response = client.get(panel_url(attempt), **HTMX)
    assert response.status_code == 200
    assert 'hx-trigger="every 3s' in response.content.decode()


def test_panel_stops_polling_when_completed(client, learner_user, attempt):
    Attempt.objects.filter(pk=attempt.pk).update(
        completion="completed",
        success="unknown",
        score_scaled=0.5,
        completed_at=timezone.now(),
        exited_at=timezone.now() - timedelta(minutes=1),
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


def test_remote_attempts_settle_from_when_the_lms_learned_of_the_completion(settings):
    """SCORM Cloud reports COMPLETED before the score: the panel keeps polling for the settle
    window counted from when the LMS learned of the completion, however old the provider's
    own completion date is."""
    settings.SCORM_COMPLETION_SETTLE_SECONDS = 30
    attempt = AttemptFactory(enrollment__course=CourseFactory(provider="scorm_cloud"))
    seen = timezone.now()
    attempt.completion, attempt.completion_seen_at = "completed", seen
    attempt.completed_at = seen - timedelta(hours=1)  # the provider's completedDate
    waiting = attempt_panel_state(attempt=attempt, now=seen + timedelta(seconds=20))
    assert not waiting.finished
    assert waiting.changes_at == seen + timedelta(seconds=30)
    assert attempt_panel_state(attempt=attempt, now=seen + timedelta(seconds=31)).finished


def test_a_completion_with_its_score_and_success_needs_no_settling(settings):
    attempt = AttemptFactory(enrollment__course=CourseFactory(provider="scorm_cloud"))
    attempt.completion, attempt.completion_seen_at = "completed", timezone.now()
    attempt.score_scaled, attempt.success = 0.8, "passed"
    assert attempt_panel_state(attempt=attempt).finished


def test_a_local_completion_is_final_once_the_learner_has_left():
    """The local run-time reports as the learner goes: a pass and a score may follow the
    completion in the same session, and the last commit lands as the learner leaves."""
    attempt = AttemptFactory(enrollment__course=CourseFactory(provider="local"))
    now = timezone.now()
    attempt.completion, attempt.completion_seen_at = "completed", now
    assert not attempt_panel_state(attempt=attempt).finished
    attempt.exited_at = now
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


def test_the_player_page_never_caches_its_launch_url(client, settings, make_demo_course):
    settings.SCORM_CONTENT_ORIGIN = "https://content.example.net"  # "testserver" derives none
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


# --- The cached fragment -------------------------------------------------------------------


def _progress(attempt, completion="incomplete", score=None, success="unknown"):
    return Progress(
        completion=Completion(completion), success=Success(success), score=Score(scaled=score)
    )


def test_a_poll_with_nothing_new_costs_no_query_of_its_own(
    client, learner_user, attempt, django_assert_num_queries
):
    """The user (what a login-required no-op view reads; the session comes from the cache) and
    nothing else."""
    client.force_login(learner_user)
    first = client.get(panel_url(attempt), **HTMX)
    with django_assert_num_queries(1):
        again = client.get(panel_url(attempt), **HTMX)
    assert (again.status_code, again.content) == (200, first.content)


def test_without_a_shared_cache_every_poll_reads_the_database(
    client, settings, learner_user, attempt, django_assert_num_queries
):
    settings.SCORM_PANEL_CACHE_SECONDS = 0
    client.force_login(learner_user)
    client.get(panel_url(attempt), **HTMX)
    with django_assert_num_queries(2):
        assert client.get(panel_url(attempt), **HTMX).status_code == 200


def test_the_panel_query_reads_only_the_panel(
    client, learner_user, attempt, django_assert_max_num_queries
):
    client.force_login(learner_user)
    with django_assert_max_num_queries(3) as queries:
        assert client.get(panel_url(attempt), **HTMX).status_code == 200
    (panel_sql,) = [q["sql"] for q in queries.captured_queries if "enrollments_attempt" in q["sql"]]
    for column in ("provider_result", "playback_", "ORDER BY", "manifest"):
        assert column not in panel_sql


def test_a_write_not_yet_committed_leaves_the_fragment(
    client, learner_user, attempt, django_capture_on_commit_callbacks
):
    """The version changes when the write commits: a poll meanwhile still answers from the
    data it can see."""
    client.force_login(learner_user)
    before = client.get(panel_url(attempt), **HTMX).content
    with django_capture_on_commit_callbacks(execute=False) as pending:
        attempt_apply_progress(
            attempt=attempt, progress=_progress(attempt, "completed", 0.75), source="test"
        )
    assert pending  # the bump waits for the commit
    assert client.get(panel_url(attempt), **HTMX).content == before


def test_a_stored_result_shows_at_the_next_poll(
    client, learner_user, attempt, django_capture_on_commit_callbacks
):
    client.force_login(learner_user)
    assert "Completed" not in client.get(panel_url(attempt), **HTMX).content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the write's transaction commits
        attempt_apply_progress(
            attempt=attempt, progress=_progress(attempt, "completed", 0.75), source="test"
        )

    response = client.get(panel_url(attempt), **HTMX)
    assert response.status_code == 200  # still polling: the learner is in the course
    assert "75%" in response.content.decode()


@pytest.mark.parametrize("change", ["launch", "exit"])
def test_a_launch_or_an_exit_shows_at_the_next_poll(
    client, monkeypatch, learner_user, attempt, change, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(
        type(get_provider("local")),
        "launch",
        lambda self, ref, context: Launch(url="https://player.example/x"),
    )
    client.force_login(learner_user)
    assert "You have left" not in client.get(panel_url(attempt), **HTMX).content.decode()
    attempt = Attempt.objects.select_related("enrollment__learner__user", "package").get(
        pk=attempt.pk
    )
    with django_capture_on_commit_callbacks(execute=True):
        attempt_record_exit(attempt=attempt)
    left = client.get(panel_url(attempt), **HTMX).content.decode()
    assert "You have left the course" in left
    if change == "launch":  # a new launch clears the exit
        with django_capture_on_commit_callbacks(execute=True):
            attempt_launch(attempt=attempt, context=LaunchContext(exit_url="https://x/e"))
        assert "You have left" not in client.get(panel_url(attempt), **HTMX).content.decode()


def test_a_cached_panel_is_still_only_its_learners(client, learner_user, attempt):
    client.force_login(learner_user)
    assert client.get(panel_url(attempt), **HTMX).status_code == 200  # now cached
    client.force_login(UserFactory(username="mallory"))
    assert client.get(panel_url(attempt), **HTMX).status_code == 404


def test_a_history_restore_never_stops_polling_and_responses_vary_on_htmx(
    client, learner_user, attempt
):
    Attempt.objects.filter(pk=attempt.pk).update(
        completion="completed",
        completed_at=timezone.now(),
        exited_at=timezone.now() - timedelta(minutes=1),
    )
    client.force_login(learner_user)
    stop = client.get(panel_url(attempt), **HTMX)
    restore = client.get(panel_url(attempt), **HTMX, HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert (stop.status_code, restore.status_code) == (286, 200)
    assert {"HX-Request", "HX-History-Restore-Request"} <= {
        v.strip() for v in stop["Vary"].split(",")
    }
    assert "no-cache" in stop["Cache-Control"]


def test_a_panel_renders_again_when_its_settle_window_closes(client, settings, learner_user):
    """No write happens when a window closes: the fragment expires on its own."""
    settings.SCORM_COMPLETION_SETTLE_SECONDS = 30
    enrollment = EnrollmentFactory(
        learner=learner_get_or_create(user=learner_user),
        course=CourseFactory(provider="scorm_cloud"),
    )
    seen = timezone.now() - timedelta(seconds=29.5)
    attempt = AttemptFactory(
        enrollment=enrollment, completion="completed", completion_seen_at=seen, is_open=False
    )
    settings.CELERY_TASK_ALWAYS_EAGER = False  # polls would queue refreshes: none needed here
    client.force_login(learner_user)
    with patch("enrollments.tasks.attempt_refresh_task.delay"):
        assert client.get(panel_url(attempt), **HTMX).status_code == 200
        time.sleep(0.6)
        assert client.get(panel_url(attempt), **HTMX).status_code == 286


def test_on_redis_a_poll_with_nothing_new_reads_nothing_and_a_write_shows(
    client,
    redis_cache,
    redis_round_trips,
    learner_user,
    attempt,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    """Production's path: the fragment and its version live in Redis, shared by processes, and
    are read in the session's round trip: a poll costs what a login-required no-op page does."""
    client.force_login(learner_user)
    first = client.get(panel_url(attempt), **HTMX)
    redis_round_trips.clear()
    with django_assert_num_queries(1):  # the user
        assert client.get(panel_url(attempt), **HTMX).content == first.content
    assert redis_round_trips == ["MGET"]  # the session, the fragment and its version

    with django_capture_on_commit_callbacks(execute=True):
        attempt_apply_progress(
            attempt=attempt, progress=_progress(attempt, "completed", 0.75), source="test"
        )

    assert "75%" in client.get(panel_url(attempt), **HTMX).content.decode()
