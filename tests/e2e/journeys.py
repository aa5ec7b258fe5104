"""Steps of a learner's journey that several browser tests take."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from courses.demo import DEMO_ANSWERS


def content(page: Page):
    """The SCO's frame, inside the local player's frame, inside the player page."""
    return page.frame_locator("#player-frame").frame_locator("#sco-frame")


def play(page: Page, live_server, course) -> None:
    page.goto(f"{live_server.url}/learn/courses/{course.slug}/")
    page.get_by_role("button", name=re.compile(r"^Play")).click()
    expect(page.locator("#player-frame")).to_be_visible()


def answer_quiz(page: Page, slug: str, *, wrong: int = 0) -> None:
    sco = content(page)
    for _ in range(3):
        sco.get_by_role("button", name="Next").click()
    for index, (question, answer) in enumerate(DEMO_ANSWERS[slug].items()):
        group = sco.locator("fieldset", has_text=question)
        if index < wrong:
            group.locator("label").filter(has_not_text=answer).first.click()
        else:
            group.get_by_label(answer, exact=True).click()
    sco.get_by_role("button", name="Submit answers").click()
