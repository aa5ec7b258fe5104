"""Rustici's public "Golf Explained" SCORM 2004 examples, played as a learner would.

The packages live outside the project (``../shared/content/golf/``, see its README) and are read
from there, never copied in. Their content is two frames deep on the local player: the player
page frames the launcher (``#player-frame``, the content origin), which delivers each SCO into a
fresh ``iframe.sco-frame``; the golf SCOs' launch page then shows each page of the lesson in its
own ``#contentFrame`` under its "<- Previous", "Next ->" and "Exit" buttons.

The golf quiz (``shared/assessmenttemplate.html``) draws its questions from the four
``questions.js`` files (5 + 3 + 4 + 3 = 15 questions) and reports
``Math.round(correct * 100 / 15)``. ``QUESTIONS`` holds each question's id, kind, right answer
and a wrong one, read from those files.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from pathlib import Path

from django.core.files.base import ContentFile
from playwright.sync_api import FrameLocator, Page, expect

from courses.services import package_create
from enrollments.models import Attempt
from enrollments.services import enrollment_create, learner_get_or_create
from playback.models import ActivityState
from tests.factories import CourseFactory, UserFactory

GOLF = Path(__file__).resolve().parents[3] / "shared" / "content" / "golf"

CHOICE, TRUE_FALSE, NUMERIC = "choice", "true-false", "numeric"

# (id, kind, right answer, wrong answer). A choice answer is the index of the radio button; the
# wrong answers are explicit because the quiz compares with ==, so a blank answer is "right"
# where the right one is index 0 or the number 0 (etiquette_3, handicap_3).
QUESTIONS: dict[str, list[tuple[str, str, str, str]]] = {
    "Playing": [
        ("playing_1", CHOICE, "1", "0"),
        ("playing_2", CHOICE, "3", "1"),
        ("playing_3", NUMERIC, "18", "9"),
        ("playing_4", TRUE_FALSE, "True", "False"),
        ("playing_5", NUMERIC, "3", "4"),
    ],
    "Etiquette": [
        ("etiquette_1", CHOICE, "2", "0"),
        ("etiquette_2", TRUE_FALSE, "True", "False"),
        ("etiquette_3", CHOICE, "0", "1"),
    ],
    "Handicapping": [
        ("handicap_1", CHOICE, "2", "0"),
        ("handicap_2", NUMERIC, "1", "4"),
        ("handicap_3", NUMERIC, "0", "5"),
        ("handicap_4", NUMERIC, "2", "3"),
    ],
    "HavingFun": [
        ("fun_1", TRUE_FALSE, "False", "True"),
        ("fun_2", TRUE_FALSE, "False", "True"),
        ("fun_3", TRUE_FALSE, "False", "True"),
    ],
}
ALL_QUESTIONS = [q for topic in QUESTIONS.values() for q in topic]


def golf_course(name: str, *, slug: str, learner: str = "lea"):
    """A local-player course made from ``golf/<name>.zip`` (imported, READY) and a learner
    enrolled in it: ``(course, user)``."""
    course = CourseFactory(slug=slug, title=f"Golf {slug}", provider="local")
    upload = ContentFile((GOLF / f"{name}.zip").read_bytes(), name=f"{name}.zip")
    package = package_create(course=course, upload=upload)
    package.refresh_from_db()
    assert package.is_ready, (package.status, package.error)
    user = UserFactory(username=learner)
    enrollment_create(learner=learner_get_or_create(user=user), course=course)
    return course, user


def player(page: Page) -> FrameLocator:
    """The launcher on the content origin: the player's contents and buttons, and the SCO."""
    return page.frame_locator("#player-frame")


def contents(page: Page):
    """The player's navigation: its buttons and the table of contents."""
    return player(page).get_by_role("navigation", name="Course contents")


def entry(page: Page, title: str):
    """The table of contents' entry for ``title``."""
    return contents(page).locator("button.toc-entry", has_text=re.compile(rf"^{re.escape(title)}$"))


def sco(page: Page) -> FrameLocator:
    """The delivered SCO (or asset)."""
    return player(page).frame_locator("iframe.sco-frame")


def lesson(page: Page) -> FrameLocator:
    """The page a golf SCO's launch page shows in its own frame."""
    return sco(page).frame_locator("#contentFrame")


def play(page: Page, live_server, course) -> None:
    """Press Play on the course's page (a new player page, a new launch)."""
    page.goto(f"{live_server.url}/learn/courses/{course.slug}/")
    page.get_by_role("button", name=re.compile(r"^Play")).first.click()
    expect(page.locator("#player-frame")).to_be_visible()


def on_page(page: Page, src: str) -> None:
    """The golf SCO's own frame shows ``src`` (a path under the package, e.g. "Playing/Par")."""
    expect(sco(page).locator("#contentFrame")).to_have_attribute("src", re.compile(re.escape(src)))


def next_page(page: Page, times: int = 1) -> None:
    for _ in range(times):
        sco(page).get_by_role("button", name="Next ->").click()


def answer(
    frame: FrameLocator,
    questions: Iterable[tuple[str, str, str, str]],
    *,
    wrong: Iterable[str] = (),
) -> None:
    """Answer ``questions`` in the golf quiz shown in ``frame``, those in ``wrong`` wrongly."""
    wrong = set(wrong)
    for qid, kind, right, bad in questions:
        given = bad if qid in wrong else right
        base = f"question_com.scorm.golfsamples.interactions.{qid}"
        if kind == NUMERIC:
            frame.locator(f'[id="{base}_Text"]').fill(given)
        else:
            frame.locator(f'[id="{base}_{given}"]').check()


def submit(frame: FrameLocator, score: int) -> None:
    frame.get_by_role("button", name="Submit Answers").click()
    expect(frame.get_by_role("heading", name=f"Score: {score}", exact=True)).to_be_visible()


def wrong_ones(count: int) -> set[str]:
    """``count`` questions to answer wrongly (the first ``count`` of a fixed list)."""
    order = ["playing_1", "etiquette_3", "handicap_3", "fun_1", "fun_2", "playing_2"]
    return set(order[:count])


def leave_and_wait(page: Page, *, final: bool = True) -> None:
    """The session has ended: the launcher has saved what was left (it then shows the LMS's exit
    page) and, when ``final``, the panel has stopped polling."""
    expect(player(page).get_by_role("heading", name="You have left the course")).to_be_visible(
        timeout=10_000
    )
    if final:
        panel = page.locator("#progress-panel")
        expect(panel).to_have_attribute("data-state", "final", timeout=15_000)


def panel_shows(
    page: Page, *, status: str, completion: str | None, success: str, score: str
) -> None:
    """The progress panel's status, completion (None: not checked), success and score."""
    panel = page.locator("#progress-panel")
    expect(panel.locator("[data-field=status]")).to_have_text(status, timeout=10_000)
    if completion is not None:
        expect(panel.locator("[data-field=completion]")).to_have_text(completion)
    expect(panel.locator("[data-field=success]")).to_have_text(success)
    expect(panel.locator("[data-field=score]")).to_have_text(score)


def stored(
    user, activity: str, *, wait_for: dict[str, str] | None = None, within: float = 10.0
) -> dict:
    """The flattened CMI the LMS holds for one activity of the learner's (only) attempt; with
    ``wait_for``, waits up to ``within`` seconds for those values (commits are asynchronous)."""
    deadline = time.monotonic() + within
    while True:
        state = ActivityState.objects.filter(
            attempt__enrollment__learner__user=user, activity=activity
        ).first()
        cmi = state.data if state else None
        done = cmi is not None and all(cmi.get(k) == v for k, v in (wait_for or {}).items())
        if done or time.monotonic() > deadline:
            return cmi or {}
        time.sleep(0.2)


def api_value(page: Page, element: str) -> str:
    """GetValue on the run-time the SCO talks to (the launcher's API_1484_11)."""
    return (
        player(page)
        .locator("body")
        .evaluate("(body, element) => window.API_1484_11.GetValue(element)", element)
    )


Result = tuple[str, str, float | None]


def attempt_result(*, within: float = 10.0, until: Result | None = None) -> Result:
    """The (only) attempt's stored completion, success and scaled score; with ``until``, waits
    up to ``within`` seconds for that value (commits arrive asynchronously)."""
    deadline = time.monotonic() + within
    while True:
        attempt = Attempt.objects.get()
        result = (attempt.completion, attempt.success, attempt.score_scaled)
        if until is None or result == until or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def course_page_shows(page: Page, live_server, course, *, status: str, score: str) -> None:
    """The learner's course page lists the attempt with this status and score."""
    page.goto(f"{live_server.url}/learn/courses/{course.slug}/")
    row = page.get_by_role("table").locator("tbody tr").first
    expect(row.locator("td").nth(1)).to_have_text(status)
    expect(row.locator("td").nth(2)).to_have_text(score)
