"""A score that follows the completion (SCORM Cloud with postbacks off) is still stored: reads
go on until a score and a pass or fail are known or the settle window, counted from when the
LMS learned of the completion, has passed; by the panel's polls, or on the worker."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import checks
from django.urls import reverse
from django.utils import timezone

from enrollments import tasks
from enrollments.models import Attempt
from enrollments.services import attempt_settle_step, learner_get_or_create
from tests.factories import AttemptFactory, CourseFactory, EnrollmentFactory, PackageFactory
from tests.fakes.scorm_cloud import FakeScormCloud, fake_scorm_cloud, scorm_cloud

__all__ = ["fake_scorm_cloud", "scorm_cloud"]  # fixtures

# Committed transactions: the panel's cached fragment (with a shared cache) is replaced when a
# write commits, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

COURSE_ID = "settle-course"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def postbacks_off(settings, scorm_cloud: FakeScormCloud) -> FakeScormCloud:
    """SCORM Cloud without postbacks (supported: no postback credentials), and short windows
    so that the test waits a second or two, not half a minute."""
    settings.SCORM_CLOUD_POSTBACK_USER = settings.SCORM_CLOUD_POSTBACK_PASSWORD = ""
    scorm_cloud.postback_mode = "off"
    settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS = 1
    settings.SCORM_COMPLETION_SETTLE_SECONDS = 6
    settings.SCORM_READ_BUDGETS = {"default": 6000}  # turns as short as the interval
    return scorm_cloud


@pytest.fixture
def learner_attempt(postbacks_off: FakeScormCloud) -> Attempt:
    postbacks_off.add_course(COURSE_ID)
    course = CourseFactory(provider="scorm_cloud")
    package = PackageFactory(course=course, remote_id=COURSE_ID, remote_version="0")
    enrollment = EnrollmentFactory(course=course, learner=learner_get_or_create(user=_user()))
    attempt = AttemptFactory(
        enrollment=enrollment,
        package=package,
        registered_at=timezone.now(),
        first_accessed_at=timezone.now(),
    )
    postbacks_off.add_registration(
        str(attempt.pk), course_id=COURSE_ID, learner_id=enrollment.learner.external_id
    )
    return attempt


def _user():
    from tests.factories import UserFactory

    return UserFactory(username="lea")


def _completed_then_scored(fake: FakeScormCloud, attempt: Attempt) -> None:
    """SCORM Cloud first reports the completion alone; the score and the pass follow."""
    fake.set_result(str(attempt.pk), completion="COMPLETED", success="UNKNOWN", score=None)
    fake.wait_until_settled(str(attempt.pk))


def _score_arrives(fake: FakeScormCloud, attempt: Attempt) -> None:
    fake.set_result(str(attempt.pk), completion="COMPLETED", success="PASSED", score=85.0)
    fake.wait_until_settled(str(attempt.pk))


def _poll(client, attempt):
    return client.get(
        reverse("enrollments:attempt_progress", kwargs={"attempt_id": attempt.pk}), **HTMX
    )


def test_the_panel_keeps_reading_until_the_score_arrives(client, postbacks_off, learner_attempt):
    client.force_login(learner_attempt.enrollment.learner.user)
    _completed_then_scored(postbacks_off, learner_attempt)

    first = _poll(client, learner_attempt)  # reads the completion, without a score
    stored = Attempt.objects.get(pk=learner_attempt.pk)
    assert (stored.completion, stored.score_scaled) == ("completed", None)
    assert stored.completion_seen_at is not None
    assert first.status_code == 200  # still polling: the score may follow

    _score_arrives(postbacks_off, learner_attempt)
    time.sleep(1.1)  # the attempt's next turn
    final = _poll(client, learner_attempt)

    stored.refresh_from_db()
    assert (stored.success, stored.score_scaled) == ("passed", 0.85)
    assert final.status_code == 200  # this poll rendered before the read landed...
    assert _poll(client, learner_attempt).status_code == 286  # ...the next one stops
    assert stored.enrollment.__class__.objects.get(pk=stored.enrollment_id).score == 0.85


def test_the_window_counts_from_when_the_lms_learned_of_the_completion(
    client, postbacks_off, learner_attempt
):
    """SCORM Cloud's completedDate may be long past when the LMS first reads it: the window
    must not have closed already."""
    client.force_login(learner_attempt.enrollment.learner.user)
    _completed_then_scored(postbacks_off, learner_attempt)
    with postbacks_off._lock:
        postbacks_off.registrations[str(learner_attempt.pk)].completed -= timedelta(hours=2)

    assert _poll(client, learner_attempt).status_code == 200
    stored = Attempt.objects.get(pk=learner_attempt.pk)
    assert stored.completed_at < timezone.now() - timedelta(hours=1)
    assert _poll(client, learner_attempt).status_code == 200  # still waiting for the score


def test_reading_stops_when_the_window_has_passed(client, settings, postbacks_off, learner_attempt):
    settings.SCORM_COMPLETION_SETTLE_SECONDS = 2
    client.force_login(learner_attempt.enrollment.learner.user)
    _completed_then_scored(postbacks_off, learner_attempt)
    _poll(client, learner_attempt)
    reads = postbacks_off.hits("GET", r"/registrations/[^/]+")

    time.sleep(2.1)
    assert _poll(client, learner_attempt).status_code == 286
    assert _poll(client, learner_attempt).status_code == 286
    assert postbacks_off.hits("GET", r"/registrations/[^/]+") == reads


def test_on_the_worker_settling_goes_on_after_the_completion(
    settings, monkeypatch, postbacks_off, learner_attempt
):
    """With a worker, a read that finds the completion without its score schedules the next
    read in the attempt's next turn, until the score is there."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    scheduled = []
    monkeypatch.setattr(
        tasks.attempt_settle_task,
        "apply_async",
        lambda args, countdown: scheduled.append((args[0], countdown)),
    )
    _completed_then_scored(postbacks_off, learner_attempt)

    tasks.attempt_refresh_task(str(learner_attempt.pk))  # a poll's queued read

    assert scheduled == [(str(learner_attempt.pk), 1)]
    _score_arrives(postbacks_off, learner_attempt)
    time.sleep(1.1)
    tasks.attempt_settle_task(str(learner_attempt.pk))

    stored = Attempt.objects.get(pk=learner_attempt.pk)
    assert (stored.success, stored.score_scaled) == ("passed", 0.85)
    assert len(scheduled) == 1  # settled: nothing more scheduled
    assert attempt_settle_step(attempt_id=str(learner_attempt.pk)) is None


def test_the_settle_window_must_outlast_the_refresh_interval(settings):
    settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS = 10
    settings.SCORM_COMPLETION_SETTLE_SECONDS = 10
    errors = [e for e in checks.run_checks() if e.id == "enrollments.E001"]
    assert errors
    settings.SCORM_COMPLETION_SETTLE_SECONDS = 30
    assert not [e for e in checks.run_checks() if e.id == "enrollments.E001"]


def test_the_default_settings_satisfy_the_check():
    from lms import settings as project_settings

    assert (
        project_settings.SCORM_COMPLETION_SETTLE_SECONDS
        > project_settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS
    )


def test_on_the_worker_settling_stops_when_no_window_is_open(postbacks_off, learner_attempt):
    """After an exit the worker reads through the exit window; once the learner plays again
    (no window open), the polls of the panel refresh it and the worker's chain ends."""
    Attempt.objects.filter(pk=learner_attempt.pk).update(exited_at=timezone.now())
    assert attempt_settle_step(attempt_id=str(learner_attempt.pk)) is not None  # window open
    Attempt.objects.filter(pk=learner_attempt.pk).update(exited_at=None)  # playing again
    reads = postbacks_off.hits("GET", r"/registrations/[^/]+")
    assert attempt_settle_step(attempt_id=str(learner_attempt.pk)) is None
    assert postbacks_off.hits("GET", r"/registrations/[^/]+") == reads


def _local(completion, *, exited_seconds_ago=None, success="unknown"):
    from enrollments.settling import SettleFacts

    now = timezone.now()
    return SettleFacts(
        remote=False,
        exit_window_seconds=5,
        completion=completion,
        success=success,
        score_scaled=None,
        completion_seen_at=now,
        exited_at=None
        if exited_seconds_ago is None
        else now - timedelta(seconds=exited_seconds_ago),
    )


@pytest.mark.parametrize(
    ("completion", "success", "exited_seconds_ago", "is_settled"),
    [
        # A quiz completed when shown and passed when submitted: not final while the learner
        # is still in the course.
        ("completed", "unknown", None, False),
        ("completed", "passed", None, False),
        # Left a moment ago: the last commit (a beacon) may still be on its way.
        ("completed", "unknown", 2, False),
        ("completed", "unknown", 6, True),
        ("incomplete", "unknown", 60, False),  # gave up instead
    ],
)
def test_a_local_attempt_settles_once_the_learner_has_left(
    completion, success, exited_seconds_ago, is_settled
):
    from enrollments.settling import next_change, settled

    facts = _local(completion, success=success, exited_seconds_ago=exited_seconds_ago)
    now = timezone.now()
    assert settled(facts, now=now) is is_settled
    if exited_seconds_ago == 2:
        assert next_change(facts, now=now) == facts.exited_at + timedelta(seconds=5)
