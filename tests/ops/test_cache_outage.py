"""Redis stops in the middle of a learner's session: the learner plays on, the panel keeps
polling, an instructor signs in and reads the gradebook, and nothing is lost or answered
with a 5xx (core/shared_cache.py). One app server from the Procfile, configured as README's
Production section says, with a Redis of the test's own to stop."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import redis
from django.db import connection
from playwright.sync_api import Browser, Page, Response, expect

from enrollments.models import Attempt
from enrollments.services import enrollment_create, learner_get_or_create
from tests.e2e.journeys import pass_safe_passwords
from tests.ops import servers
from tests.ops.servers import Deployment, free_port, manage, sign_in, user, wait_for, wait_ready

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_server(tmp_path):
    """A Redis of this test's own (nothing kept on disk), to stop."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            shutil.which("redis-server") or "/usr/bin/redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            tmp_path,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_timeout=1)

    def answers() -> bool:
        try:
            return client.ping()
        except redis.RedisError:
            return False

    wait_for(answers, timeout=10, message="redis-server did not start")
    yield process, port
    process.kill()
    process.wait()


@pytest.fixture
def deployment(transactional_db, tmp_path, settings, redis_server):
    if connection.vendor != "postgresql":
        pytest.skip("the app server shares the test database: set DATABASE_URL to PostgreSQL")
    _, redis_port = redis_server
    port = free_port()
    url, content = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    cache_url = f"redis://127.0.0.1:{redis_port}/0"
    environment = {
        **servers.environment(tmp_path, lms=url, content=content, cache_url=cache_url),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),  # the packages this test imports
    }
    manage(environment, "collectstatic", "--no-input")
    logs = tmp_path / "logs"
    logs.mkdir()
    deployed = Deployment(url, environment, logs)
    try:
        deployed.start("web", "web", PORT=str(port), BIND="127.0.0.1")
        wait_ready(port, deployed.processes["web"], deployed.log("web"))
        yield deployed
    finally:
        deployed.stop("web")


def _errors(page: Page, found: list[str]) -> Page:
    def seen(response: Response) -> None:
        if response.status >= 500:
            found.append(f"{response.status} {response.request.method} {response.url}")

    page.on("response", seen)
    return page


def test_a_learner_finishes_and_an_instructor_reads_the_result_after_redis_stops(
    deployment: Deployment, browser: Browser, redis_server, make_demo_course
):
    process, _ = redis_server
    course = make_demo_course("safe-passwords", title="Safe passwords", self_enrollment=True)
    user("ada", first_name="Ada", last_name="Admin", is_staff=True, is_superuser=True)
    learner = user("lea", first_name="Lea", last_name="Learner")
    enrollment_create(learner=learner_get_or_create(user=learner), course=course)
    errors: list[str] = []
    page = _errors(browser.new_context().new_page(), errors)
    sign_in(page, deployment.url, "lea")

    def redis_stops() -> None:
        process.kill()
        process.wait()

    pass_safe_passwords(page, deployment.url, midway=redis_stops)
    attempt = Attempt.objects.get(enrollment__learner__user=learner)
    assert (attempt.completion, attempt.success, attempt.score_scaled) == (
        "completed",
        "passed",
        1.0,
    )

    instructor = _errors(browser.new_context().new_page(), errors)
    sign_in(instructor, deployment.url, "ada")  # signing in without the cache too
    instructor.goto(f"{deployment.url}/gradebook/{course.slug}/")
    row = instructor.locator("#gradebook-table tbody tr", has_text="Lea Learner")
    expect(row.get_by_role("cell", name="Passed", exact=True)).to_be_visible()
    assert errors == []
    log = deployment.log("web")
    assert "The shared cache failed" in log
    assert "Internal Server Error" not in log
