"""Two app servers and a worker share one deployment, as README's Production section runs it.

One PostgreSQL (the test database), one Redis (cache and broker), one S3 bucket; the commands
are README's: ``migrate``, ``collectstatic``, then the Procfile's ``web`` twice and ``worker``
once, configured only by environment variables. A load balancer (tests/ops/balancer.py) sends
the admin and the progress panel to server A and everything else to server B, moving a request
to the other server when one refuses it. An admin uploads on A; the worker imports into the
bucket; a learner plays on B with the panel polling A; B is stopped mid-session and the
learner's next request goes to A. Every commit, the result and the gradebook row must be right.

Runs when PostgreSQL (DATABASE_URL), Redis (LMS_TEST_REDIS_URL) and an S3 API server
(LMS_TEST_S3_ENDPOINT_URL) are there, as ``.ci/run`` provides them; skipped otherwise.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection
from playwright.sync_api import Browser, Page, expect

from courses.demo import build_demo_zip
from courses.models import Package
from enrollments.models import Attempt
from enrollments.services import enrollment_create, learner_get_or_create
from playback.models import ActivityState
from tests.e2e.journeys import pass_safe_passwords
from tests.factories import CourseFactory
from tests.ops import servers
from tests.ops.balancer import Balancer
from tests.ops.servers import Deployment, free_port, manage, sign_in, user, wait_for, wait_ready
from tests.storage import s3

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "")
PROGRESS = re.compile(r"^/learn/attempts/[0-9a-f-]{36}/progress/")
# What README's Production section sets and runs, and so this test does.
README_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "CSRF_TRUSTED_ORIGINS",
    "SCORM_CONTENT_ORIGIN",
    "DATABASE_URL",
    "CACHE_URL",
    "CELERY_BROKER_URL",
    "FILE_STORAGE_BACKEND",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_REGION_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_ADDRESSING_STYLE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "SCORM_CONTENT_DELIVERY",
    "LOG_FORMAT",
)
README_COMMANDS = (("migrate", "--no-input"), ("collectstatic", "--no-input"))

pytestmark = [
    s3.requires_s3,
    pytest.mark.skipif(
        not REDIS_URL, reason="set LMS_TEST_REDIS_URL to a Redis to test several app servers"
    ),
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


@dataclass
class BalancedDeployment(Deployment):
    balancer: Balancer | None = None


def _redis_db(number: int) -> str:
    return urlsplit(REDIS_URL)._replace(path=f"/{number}").geturl()


def _route(method: str, host: str, path: str) -> list[str]:
    if path.startswith("/admin/") or PROGRESS.match(path):
        return ["A", "B"]
    return ["B", "A"]


@pytest.fixture
def deployment(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("several app servers need PostgreSQL: set DATABASE_URL to it")
    bucket = s3.new_bucket()
    ports = {"A": free_port(), "B": free_port()}
    with Balancer(ports, _route) as balancer:
        lms, content = f"http://localhost:{balancer.port}", f"http://127.0.0.1:{balancer.port}"
        cache_url = _redis_db(int(urlsplit(REDIS_URL).path.strip("/") or 0) + 1)
        environment = {
            **servers.environment(tmp_path, lms=lms, content=content, cache_url=cache_url),
            "CELERY_BROKER_URL": REDIS_URL,
            **s3.s3_environment(bucket),
            "SCORM_CONTENT_DELIVERY": "redirect",
            "LOG_FORMAT": "json",
            "WORKER_CONCURRENCY": "1",
        }
        assert set(README_VARIABLES) <= set(environment)
        for command in README_COMMANDS:
            manage(environment, *command)
        logs = tmp_path / "logs"
        logs.mkdir()
        deployed = BalancedDeployment(lms, environment, logs, balancer=balancer)
        try:
            for name, port in ports.items():
                deployed.start(name, "web", PORT=str(port), BIND="127.0.0.1")
            deployed.start("worker", "worker")
            for name, port in ports.items():
                wait_ready(port, deployed.processes[name], deployed.log(name))
            yield deployed
        finally:
            for name, process in deployed.processes.items():
                if process.poll() is None:
                    deployed.stop(name)
            s3.delete_bucket(bucket)


def _admin_uploads(page: Page, url: str, course_title: str, zip_path: Path) -> int:
    """An admin uploads a package through the admin's add form; returns its id."""
    page.goto(f"{url}/admin/courses/package/add/")
    page.get_by_label("Course").select_option(label=course_title)
    page.locator("input[type=file]").set_input_files(str(zip_path))
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/courses/package/\d+/change/"), timeout=60_000)
    return int(re.search(r"/package/(\d+)/change/", page.url)[1])


def test_two_servers_and_a_worker_lose_nothing_when_one_server_stops(
    deployment: BalancedDeployment, browser: Browser, tmp_path
):
    balancer = deployment.balancer
    course = CourseFactory(
        slug="safe-passwords",
        title="Safe passwords",
        provider="local",
        is_published=True,
        self_enrollment=True,
    )
    user("ada", first_name="Ada", last_name="Admin", is_staff=True, is_superuser=True)
    learner = user("lea", first_name="Lea", last_name="Learner")
    enrollment_create(learner=learner_get_or_create(user=learner), course=course)

    # The admin uploads on server A; the worker imports it into the bucket.
    zip_path = tmp_path / "safe-passwords.zip"
    zip_path.write_bytes(build_demo_zip("safe-passwords"))
    admin = browser.new_context().new_page()
    sign_in(admin, deployment.url, "ada")
    package_id = _admin_uploads(admin, deployment.url, course.title, zip_path)
    package = Package.objects.get(pk=package_id)
    wait_for(
        lambda: Package.objects.get(pk=package_id).status == Package.Status.READY,
        timeout=60,
        message=f"not imported:\n{deployment.log('worker')}",
    )
    assert f"Extracted package {package_id}" in deployment.log("worker")
    assert "Extracted package" not in deployment.log("A") + deployment.log("B")
    assert f"{package.content_root}/index.html" in s3.keys(
        deployment.environment["AWS_STORAGE_BUCKET_NAME"]
    )
    upload_requests = [d for d in balancer.log if d.path.startswith("/admin/courses/package/")]
    assert {d.backend for d in upload_requests} == {"A"}

    # The learner plays on B, the panel polls A; B stops after two pages.
    learner_page = browser.new_context().new_page()
    sign_in(learner_page, deployment.url, "lea")
    stopped_at: list[int] = []

    def stop_server_b() -> None:
        deployment.stop("B")
        stopped_at.append(len(balancer.log))

    pass_safe_passwords(learner_page, deployment.url, midway=stop_server_b)

    # Every request was answered, by the server the balancer meant, and none was lost.
    before, after = balancer.log[: stopped_at[0]], balancer.log[stopped_at[0] :]
    assert [d for d in balancer.log if d.status >= 500] == []
    commits = [d for d in balancer.log if d.method == "POST" and "/commit" in d.path]
    assert all(d.status == 200 for d in commits)
    assert {d.backend for d in commits if d in before} == {"B"}
    assert {d.backend for d in after} == {"A"}
    assert any("/commit" in d.path for d in after)
    polls = [d for d in balancer.log if PROGRESS.match(d.path)]
    assert polls
    assert {d.backend for d in polls} == {"A"}

    # The result, as the one writer stored it, and the gradebook row on the remaining server.
    attempt = Attempt.objects.get(enrollment__learner__user=learner)
    assert (attempt.completion, attempt.success, attempt.score_scaled) == (
        "completed",
        "passed",
        1.0,
    )
    cmi = {}
    for state in ActivityState.objects.filter(attempt=attempt):
        cmi.update(state.cmi)
    assert cmi.get("cmi.core.lesson_location", cmi.get("cmi.location")) == "page-5"
    instructor = browser.new_context().new_page()
    sign_in(instructor, deployment.url, "ada")
    instructor.goto(f"{deployment.url}/gradebook/{course.slug}/")
    row = instructor.locator("#gradebook-table tbody tr", has_text="Lea Learner")
    expect(row.get_by_role("cell", name="Passed", exact=True)).to_be_visible()
    expect(row.get_by_role("cell", name="100", exact=True)).to_be_visible()  # Score (%)
    assert balancer.log[-1].backend == "A"

    # LOG_FORMAT=json: each line the app server logged (gunicorn's own included) is JSON.
    lines = deployment.log("A").splitlines()
    assert lines
    assert all(json.loads(line)["level"] for line in lines)
