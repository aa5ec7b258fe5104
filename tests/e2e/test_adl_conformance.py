"""ADL's SCORM 2004 4th Edition LMS conformance test, run by us against the local player.

Every test case script in ``../shared/content/adl-lms-test-cases/`` (read from there, never
copied in; the cases are skipped when the folder is absent) is played once per module: the
case's manifest is zipped with our test SCO (tests/conformance/adl_package.py), imported through
the real intake into a course on the local provider, the suite's learner is enrolled, and the
case is played in headless Chromium through the learner's player page by the harness
(tests/conformance/adl_harness.py). The SCO runs the script's run-time calls and judges each
return value and error code; the harness answers the UI questions from the player's controls,
does what the tester would do, and checks that each activity is delivered in the scripted order
and that the session ends as scripted. Each case's test then reports its outcome.

As in ADL's own test, one learner takes every case in order (some cases start from the global
objectives an earlier case left); independent groups of cases are played side by side in a few
tabs of one browser context. The console errors and alert dialogs of each case's tab are handed
to tests/e2e/conftest.py's ``browser_problems`` check of that case's test.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db.models import Max
from django.test import Client, override_settings
from django.utils import timezone
from playwright.sync_api import Browser, Page

from courses.services import package_create
from enrollments.models import Learner
from enrollments.services import enrollment_create
from playback.models import AttemptRuntime
from tests.conformance.adl_cases import CASES_DIR, Case, load_all
from tests.conformance.adl_harness import HARNESS_JS, Outcome, Suite, case_groups, packages_of
from tests.conformance.adl_package import package_zip
from tests.factories import CourseFactory, UserFactory

# The suite makes its data outside any test (adl_context); the marker sets the database up.
pytestmark = [pytest.mark.adl, pytest.mark.django_db]

CASES: dict[str, Case] = load_all() if CASES_DIR.is_dir() else {}
LEARNER_ID = "adl-learner"
REPORT = os.environ.get("ADL_REPORT", "")  # a file to write every case's outcome to (JSON)

# Cases our player cannot pass, each with the reason: none today. Where scorm-again 3.4.3
# departs from the SCORM books, the player corrects it (playback/static/playback/runtime-2004.js:
# fixSequencing, dataModelRules; interactions-2004.js), each correction naming its cases.
IMPOSSIBLE: dict[str, str] = {}


def _params() -> list:
    if not CASES:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no {CASES_DIR}"))]
    return [
        pytest.param(
            name,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=IMPOSSIBLE[name])]
            if name in IMPOSSIBLE
            else [],
        )
        for name in CASES
    ]


def _slug(package: str) -> str:
    return "adl-" + re.sub(r"[^a-z0-9]+", "-", package.lower())


def _groups_to_play(request: pytest.FixtureRequest) -> list[list[str]]:
    """The groups of the cases selected for this session (``-k``), each whole: a case is
    played after the earlier cases of its group, as in ADL's test."""
    selected = {
        item.callspec.params.get("case_name")
        for item in request.session.items
        if item.module is request.module and hasattr(item, "callspec")
    }
    return [group for group in case_groups(CASES.values()) if selected.intersection(group)]


@pytest.fixture(scope="module")
def adl_context(
    request: pytest.FixtureRequest,
    browser: Browser,
    django_db_setup: None,
    django_db_blocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Page, dict[str, Outcome]]]:
    """Play every case once (data made outside any test's transaction, so the live server sees
    it; flushed afterwards): the hub page of the suite's browser context, and the outcomes."""
    live_server = request.getfixturevalue("live_server")
    media = tmp_path_factory.mktemp("adl-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, SCORM_PROGRESS_POLL_SECONDS=3600),
    ):
        user = UserFactory(username="joe", first_name="Joe", last_name="Student")
        learner = Learner.objects.create(user=user, external_id=LEARNER_ID)
        client = Client()
        client.force_login(user)
        context = browser.new_context()
        try:
            context.add_cookies(
                [
                    {"name": name, "value": morsel.value, "url": live_server.url}
                    for name, morsel in client.cookies.items()
                ]
            )
            context.add_init_script(HARNESS_JS)
            hub = context.new_page()
            hub.goto(f"{live_server.url}/healthz#adl-hub")

            def prepare(case: Case) -> None:
                for package in packages_of(case):
                    course = CourseFactory(
                        slug=_slug(package), title=f"ADL {package}", provider="local"
                    )
                    upload = ContentFile(
                        package_zip(package, case, nonce=case.name, learner_id=LEARNER_ID),
                        name=f"{package}.zip",
                    )
                    imported = package_create(course=course, upload=upload)
                    imported.refresh_from_db()
                    if not imported.is_ready:
                        raise AssertionError(f"{package} not imported: {imported.error}")
                    enrollment_create(learner=learner, course=course)

            def quiet(packages: list[str], seconds: float) -> bool:
                """Nothing stored for these packages' attempts in the last ``seconds``."""
                latest = AttemptRuntime.objects.filter(
                    attempt__enrollment__course__slug__in=[_slug(p) for p in packages]
                ).aggregate(latest=Max("updated_at"))["latest"]
                return latest is None or timezone.now() - latest >= timedelta(seconds=seconds)

            suite = Suite(
                context,
                hub,
                CASES,
                course_url=lambda package: f"{live_server.url}/learn/courses/{_slug(package)}/",
                prepare=prepare,
                quiet=quiet,
            )
            outcomes = suite.run(_groups_to_play(request))
            if REPORT:  # for looking at every case's run, passed or not
                Path(REPORT).write_text(
                    json.dumps({name: asdict(o) for name, o in outcomes.items()}, indent=1)
                )
            yield hub, outcomes
        finally:
            context.close()
            call_command("flush", verbosity=0, interactive=False)


@pytest.fixture
def page(adl_context: tuple[Page, dict[str, Outcome]]) -> Page:
    """The suite's hub page: conftest's ``browser_problems`` watches the suite's context."""
    return adl_context[0]


@pytest.mark.parametrize("case_name", _params())
def test_adl_case(
    case_name: str, adl_context: tuple[Page, dict[str, Outcome]], browser_problems: list[str]
) -> None:
    outcome = adl_context[1][case_name]
    if case_name in IMPOSSIBLE:  # its console errors are part of it
        assert not outcome.problems, outcome.report()
        assert outcome.ok, outcome.report()
    browser_problems.extend(outcome.problems)  # tests/e2e/conftest.py's bar
    assert outcome.ok, outcome.report()
