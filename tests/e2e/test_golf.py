"""Rustici's five public "Golf Explained" SCORM 2004 3rd edition examples, played in Chromium on
the local player as a learner would: the package's own buttons, quizzes and exits, the player's
table of contents and buttons.

Each test ends in the completion, success and score that the package's manifest and JavaScript
imply under the SCORM 2004 3rd edition books (SN: delivery controls, rollup, pre-condition rules,
global objectives, control modes; RTE: entry, exit, suspend); each docstring says why. The
packages are read from ``../shared/content/golf/`` (never copied into the project); their
quiz is summarised in tests/e2e/golf.py. The SCOs of four of them share a launch page
(``shared/launchpage.html``) that calls Initialize on load, keeps ``cmi.location`` as its
bookmark (asking "resume?" by confirm(), which the ``browser_problems`` fixture answers OK),
reports ``cmi.session_time`` and terminates on unload; multi_sco's assets make no API call.

About 95 s for the file on a 2-core machine (each test plays its package through, with a new
Play to resume).
"""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from playwright.sync_api import Page, expect

from enrollments.models import Attempt
from tests.e2e.golf import (
    ALL_QUESTIONS,
    QUESTIONS,
    answer,
    api_value,
    attempt_result,
    contents,
    course_page_shows,
    entry,
    golf_course,
    leave_and_wait,
    lesson,
    next_page,
    on_page,
    panel_shows,
    play,
    player,
    sco,
    stored,
    submit,
    wrong_ones,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick_panel(settings):
    settings.SCORM_PROGRESS_POLL_SECONDS = 1


def record_dialogs(page: Page) -> list[str]:
    """The messages of the content's confirm() questions (the fixture answers them OK)."""
    asked: list[str] = []
    page.on("dialog", lambda dialog: asked.append(dialog.message))
    return asked


def objective_indexes(cmi: dict) -> dict[str, int]:
    """``cmi.objectives.n.id`` -> n, from an activity's flattened CMI."""
    found = (re.fullmatch(r"cmi\.objectives\.(\d+)\.id", key) for key in cmi)
    return {cmi[m.group(0)]: int(m.group(1)) for m in found if m}


RESUME = "Would you like to resume from where you previously left off?"
SAVE = "Would you like to save your progress to resume later?"


def test_runtime_basic_suspends_resumes_and_passes_by_its_own_pass_mark(
    page: Page, live_server, sign_in
):
    """runtime_basic: one SCO (item_1) with ``completionSetByContent`` and
    ``objectiveSetByContent`` true, so the sequencer takes the SCO's own statuses; the
    organisation has one child and no rollup rules, so the course is that SCO (default rollup:
    all children completed / satisfied; its measure, weight 1, is the root's).

    The launch page sets ``cmi.completion_status = completed`` when it shows its last page (the
    quiz, page 14, ``goToPage``) and ``RecordTest`` reports the quiz's percentage as
    ``cmi.score`` (scaled = score / 100) with ``passed`` at 70 or more, its own pass mark (the
    manifest has no mastery score). 11 of 15 right is round(73.3) = 73: completed, passed, 73%.

    Its Exit button (``doExit``) asks "save your progress?" before the end: OK sets
    ``cmi.exit = suspend`` and ``adl.nav.request = suspendAll``, so a new Play resumes
    (``cmi.entry = resume``, ``cmi.location`` = the page left). At the end it exits normally with
    ``exitAll``, which ends the attempt (the attempt is closed)."""
    course, user = golf_course("runtime_basic_2004_3rd", slug="golf-basic")
    asked = record_dialogs(page)
    sign_in(user.username)
    play(page, live_server, course)
    expect(contents(page)).to_be_hidden()  # one activity: no table of contents
    on_page(page, "Playing/Playing.html")
    next_page(page, 3)
    on_page(page, "Playing/OtherScoring.html")
    sco(page).get_by_role("button", name="Exit").click()
    leave_and_wait(page, final=False)
    assert asked == [SAVE]
    panel_shows(page, status="In progress", completion="incomplete", success="unknown", score="—")
    saved = stored(user, "item_1")
    assert (saved["cmi.exit"], saved["cmi.location"]) == ("suspend", "3")
    # doUnload reports the session's length (cmi.session_time): the LMS counts it.
    assert saved["cmi.session_time"] != "PT0H0M0S"
    first_session = Attempt.objects.get().seconds_tracked
    assert first_session > 0

    play(page, live_server, course)  # a new page, a new launch
    on_page(page, "Playing/OtherScoring.html")  # resumed at the bookmark
    assert asked == [SAVE, RESUME]
    assert api_value(page, "cmi.entry") == "resume"
    next_page(page, 11)
    on_page(page, "shared/assessmenttemplate.html")
    answer(lesson(page), ALL_QUESTIONS, wrong=wrong_ones(4))
    submit(lesson(page), 73)
    sco(page).get_by_role("button", name="Exit").click()  # at the end: no question, exitAll
    leave_and_wait(page)
    assert asked == [SAVE, RESUME]
    panel_shows(page, status="Passed", completion="completed", success="passed", score="73%")
    attempt = Attempt.objects.get()
    assert (attempt.completion, attempt.success, attempt.score_scaled) == (
        "completed",
        "passed",
        0.73,
    )
    assert (attempt.score_raw, attempt.score_min, attempt.score_max) == (73, 0, 100)
    assert attempt.seconds_tracked > first_session  # both sessions
    assert not attempt.is_open


def test_runtime_advanced_passes_by_the_manifests_mastery_score(page: Page, live_server, sign_in):
    """runtime_advanced: the same SCO, but success is the manifest's: the primary objective
    PRIMARYOBJ is ``satisfiedByMeasure`` with ``minNormalizedMeasure`` 0.8, so the LMS gives
    ``cmi.scaled_passing_score = 0.8`` and ``cmi.success_status`` is judged from
    ``cmi.score.scaled`` (RTE 4.2.21; ``RecordTest`` sets no success of its own here). 73% is
    failed (the basic package's 70% pass mark would have passed it); the quiz taken again
    (Previous, Next) at 12 of 15 = 80% is passed. Completed at the last page as before: completed,
    passed, 80%.

    The objectives declared in the manifest (PRIMARYOBJ and four secondary ones) are in
    ``cmi.objectives`` before the SCO looks for them (``FindObjectiveIndex`` alerts otherwise; RTE
    4.2.16 and the SN's objective descriptions): the page visits
    mark ``obj_playing`` completed, and that stays through the suspend and resume. Each
    submission records 15 interactions and adds to the per-objective counts the launch page keeps
    (``RecordQuestion``): Having Fun 2/3 then 3/3 is 5/6 = 0.83."""
    course, user = golf_course("runtime_advanced_2004_3rd", slug="golf-advanced")
    asked = record_dialogs(page)
    sign_in(user.username)
    play(page, live_server, course)
    on_page(page, "Playing/Playing.html")
    next_page(page, 5)  # the five "playing" pages seen: obj_playing completed
    on_page(page, "Etiquette/Course.html")
    sco(page).get_by_role("button", name="Exit").click()
    leave_and_wait(page, final=False)
    saved = stored(user, "item_1")
    objective = objective_indexes(saved)
    assert set(objective) == {
        "PRIMARYOBJ",
        "obj_etiquette",
        "obj_handicapping",
        "obj_havingfun",
        "obj_playing",
    }
    assert saved[f"cmi.objectives.{objective['obj_playing']}.completion_status"] == "completed"
    assert (saved["cmi.exit"], saved["cmi.location"], saved["cmi.progress_measure"]) == (
        "suspend",
        "5",
        "0.4",
    )

    play(page, live_server, course)
    on_page(page, "Etiquette/Course.html")
    assert asked == [SAVE, RESUME]
    assert api_value(page, "cmi.scaled_passing_score") == "0.8"
    next_page(page, 9)
    answer(lesson(page), ALL_QUESTIONS, wrong=wrong_ones(4))
    submit(lesson(page), 73)
    assert api_value(page, "cmi.success_status") == "failed"  # 0.73 < 0.8

    sco(page).get_by_role("button", name="<- Previous").click()
    next_page(page)  # the quiz again
    answer(lesson(page), ALL_QUESTIONS, wrong=wrong_ones(3))
    submit(lesson(page), 80)
    assert api_value(page, "cmi.success_status") == "passed"  # 0.8 >= 0.8
    sco(page).get_by_role("button", name="Exit").click()
    leave_and_wait(page)
    panel_shows(page, status="Passed", completion="completed", success="passed", score="80%")
    attempt = Attempt.objects.get()
    assert (attempt.completion, attempt.success, attempt.score_scaled) == (
        "completed",
        "passed",
        0.8,
    )
    saved = stored(user, "item_1")
    assert saved["cmi.entry"] == "resume"
    playing, fun = (f"cmi.objectives.{objective[o]}" for o in ("obj_playing", "obj_havingfun"))
    assert saved[f"{playing}.completion_status"] == "completed"  # kept from the first visit
    assert (
        saved[f"{fun}.score.scaled"],
        saved[f"{fun}.score.raw"],
        saved[f"{fun}.score.max"],
    ) == ("0.83", "5", "6")
    assert saved["cmi.interactions.29.id"] == "com.scorm.golfsamples.interactions.fun_3"
    assert "cmi.interactions.30.id" not in saved


# multi_sco's organisation: four clusters of assets, each one page (title, href).
MULTI = {
    "Playing the Game": [
        ("How to Play", "Playing/Playing.html"),
        ("Par", "Playing/Par.html"),
        ("Keeping Score", "Playing/Scoring.html"),
        ("Other Scoring Systems", "Playing/OtherScoring.html"),
        ("The Rules of Golf", "Playing/RulesOfGolf.html"),
        ("Playing Golf Quiz", "shared/assessmenttemplate.html?questions=Playing"),
    ],
    "Etiquette": [
        ("Taking Care of the Course", "Etiquette/Course.html"),
        ("Avoiding Distraction", "Etiquette/Distracting.html"),
        ("Playing Politely", "Etiquette/Play.html"),
        ("Etiquette Quiz", "shared/assessmenttemplate.html?questions=Etiquette"),
    ],
    "Handicapping": [
        ("Handicapping Overview", "Handicapping/Overview.html"),
        ("Calculating a Handicap", "Handicapping/CalculatingHandicap.html"),
        ("Calculating a Handicapped Score", "Handicapping/CalculatingScore.html"),
        ("Handicapping Example", "Handicapping/Example.html"),
        ("Handicapping Quiz", "shared/assessmenttemplate.html?questions=Handicapping"),
    ],
    "Having Fun": [
        ("How to Have Fun Playing Golf", "HavingFun/HowToHaveFun.html"),
        ("How to Make Friends Playing Golf", "HavingFun/MakeFriends.html"),
        ("Having Fun Quiz", "shared/assessmenttemplate.html?questions=HavingFun"),
    ],
}
MULTI_LEAVES = [leaf for leaves in MULTI.values() for leaf in leaves]


def choose(page: Page, title: str, href: str) -> None:
    """Choose ``title`` in the table of contents; it is delivered."""
    entry(page, title).click()
    expect(entry(page, title)).to_have_attribute("aria-current", "step")
    expect(player(page).locator("iframe.sco-frame")).to_have_attribute(
        "src", re.compile(re.escape(href) + "$")
    )


def test_multi_sco_assets_complete_by_the_default_delivery_controls(
    page: Page, live_server, sign_in
):
    """multi_sco: 18 assets (``adlcp:scormType="asset"``, no API call) under four clusters, and
    no sequencing in the manifest at all, so the defaults hold everywhere (IMS SS / SN 3rd ed.):

    - control modes ``choice`` true, ``flow`` false: no Continue or Previous, and nothing to
      start with (the Start request needs flow at the root, SB.2.5), so the learner chooses in the
      contents. A cluster cannot be chosen either: choosing it flows into it, which its own
      ``flow`` false refuses (SB.2.9, SB.2.2-1), so its entry is disabled;
    - delivery controls ``tracked`` true, ``completionSetByContent`` and
      ``objectiveSetByContent`` false: when an asset's attempt ends the LMS sets it completed and
      satisfied (End Attempt Process, UP.4);
    - rollup: no rules, so the defaults (completed when all children are, satisfied when all
      are) and no measure: no score.

    The quizzes look for ``parent.RecordTest`` (the single-SCO examples' launch page); here their
    parent is the LMS's launcher, so they record nothing: wrong answers change nothing. Going
    back to a finished asset in the same cluster is a new attempt on it, completed again when it
    ends. Saved and left midway (Suspend All leaves the current asset's attempt open), a new Play
    resumes that asset. Once every asset's attempt has ended (the last one by "Leave the course":
    Exit All ends it) the course is completed and satisfied: completed, passed, no score.

    The path never goes back into a cluster it has left: that would be a new attempt on the
    cluster, whose rollup then reads only the children attempted since
    (``useCurrentAttemptProgressInfo``, default true), so the course would not be completed."""
    course, user = golf_course("multi_sco_2004_3rd", slug="golf-multi")
    sign_in(user.username)
    play(page, live_server, course)
    expect(
        player(page).get_by_text("Choose where to begin in the course's contents.")
    ).to_be_visible()
    expect(player(page).get_by_role("button", name="Continue")).to_be_disabled()
    expect(player(page).get_by_role("button", name="Previous")).to_be_disabled()
    for cluster in MULTI:
        expect(entry(page, cluster)).to_be_disabled()
    for title, _ in MULTI_LEAVES:
        expect(entry(page, title)).to_be_enabled()

    playing = MULTI["Playing the Game"]
    for title, href in playing[:3] + playing[1:2] + playing[3:]:  # Par seen again
        choose(page, title, href)
    everything_wrong = {qid for qid, *_ in ALL_QUESTIONS}
    answer(sco(page), QUESTIONS["Playing"], wrong=everything_wrong)
    sco(page).get_by_role("button", name="Submit Answers").click()
    expect(sco(page).get_by_role("heading", name="Score: 0", exact=True)).to_be_visible()
    choose(page, *MULTI["Etiquette"][0])
    choose(page, *MULTI["Etiquette"][1])
    expect(entry(page, "Playing the Game")).to_be_disabled()  # a cluster stays unchoosable
    player(page).get_by_role("button", name="Save and leave").click()
    leave_and_wait(page, final=False)
    # Completion mid-course is "incomplete" or "unknown" depending on how the clusters' default
    # rollup reads children not yet attempted; either way the course is in progress.
    panel_shows(page, status="In progress", completion=None, success="unknown", score="—")

    play(page, live_server, course)
    expect(entry(page, "Avoiding Distraction")).to_have_attribute("aria-current", "step")
    expect(player(page).locator("iframe.sco-frame")).to_have_attribute(
        "src", re.compile(r"Etiquette/Distracting\.html$")
    )
    for title, href in MULTI_LEAVES[8:]:
        choose(page, title, href)
    # The last asset's attempt has not ended yet: the course is not completed.
    panel_shows(page, status="In progress", completion=None, success="unknown", score="—")
    player(page).get_by_role("button", name="Leave the course").click()
    leave_and_wait(page)
    panel_shows(page, status="Passed", completion="completed", success="passed", score="—")
    attempt = Attempt.objects.get()
    assert (attempt.completion, attempt.success, attempt.score_scaled) == (
        "completed",
        "passed",
        None,
    )


SEQUENCE = [  # forced sequential / post-test: (title, item id, pages, first page)
    ("Playing the Game", "playing_item", 5, "Playing/Playing.html"),
    ("Etiquette", "etuqiette_item", 3, "Etiquette/Course.html"),
    ("Handicapping", "handicapping_item", 4, "Handicapping/Overview.html"),
    ("Having Fun", "havingfun_item", 2, "HavingFun/HowToHaveFun.html"),
    ("Quiz", "assessment_item", 1, "shared/assessmenttemplate.html"),
]


def back_to(page: Page, title: str, shows: str) -> None:
    """Previous; ``title`` is delivered and its launch page shows ``shows``."""
    player(page).get_by_role("button", name="Previous").click()
    expect(entry(page, title)).to_have_attribute("aria-current", "step")
    on_page(page, shows)


def continue_to(page: Page, title: str, shows: str) -> None:
    """Continue; ``title`` is delivered and its launch page shows ``shows``."""
    player(page).get_by_role("button", name="Continue").click()
    expect(entry(page, title)).to_have_attribute("aria-current", "step")
    on_page(page, shows)


def through_to_the_quiz(page: Page) -> None:
    """From the first SCO: each one to its last page (completed and passed), then Continue."""
    on_page(page, "Playing/Playing.html")
    for (_, _, pages, _), (title, _, _, first) in pairwise(SEQUENCE):
        next_page(page, pages - 1)
        continue_to(page, title, first)


def test_forced_sequential_order_refuses_what_comes_later_until_each_is_passed(
    page: Page, live_server, sign_in
):
    """sequencing_forced_sequential: five SCOs under a root with ``choice`` and ``flow``. Each
    SCO after the first has a pre-condition rule "disabled if previous_sco_satisfied is not
    satisfied or its status is not known", and previous_sco_satisfied reads (``mapInfo``
    readSatisfiedStatus) the global objective the previous SCO's primary objective writes
    (writeSatisfiedStatus): a SCO can be chosen, or flowed into, only once the one before it is
    satisfied. Going back is always allowed. A Continue from a SCO not yet passed ends its
    attempt, then finds the next one disabled (SB.2.2-2): nothing is delivered, and the player
    says so.

    Each content SCO (``launchpage.html``) sets completed and passed when it shows its last page
    (``goToPage``; the sequencing collection ``common_seq_rules`` sets completionSetByContent and
    objectiveSetByContent); the quiz is completed when shown, and ``RecordTest`` passes it at 70%
    or more. Every SCO leaves with ``cmi.exit = suspend`` (``doUnload``), so every revisit resumes
    at its bookmark.

    Rollup: no rollup rules at the root, so the defaults: completed when all five are completed,
    satisfied when all five are satisfied, not satisfied once all five statuses are known and one
    is not (the quiz failed). The collection gives every SCO ``objectiveMeasureWeight`` 0, so no
    score rolls up ("This course doesn't rollup a score"). Quiz failed at 67%: completed, failed,
    no score; taken again at 100%: completed, passed, no score."""
    course, user = golf_course("sequencing_forced_sequential_2004_3rd", slug="golf-forced")
    asked = record_dialogs(page)
    sign_in(user.username)
    play(page, live_server, course)
    on_page(page, "Playing/Playing.html")  # Start: flow delivers the first SCO
    expect(entry(page, "Playing the Game")).to_have_attribute("aria-current", "step")
    expect(player(page).get_by_role("button", name="Previous")).to_be_disabled()
    for title, item, *_ in SEQUENCE[1:]:
        expect(entry(page, title)).to_be_disabled()  # its pre-condition rule disables it
        assert api_value(page, f"adl.nav.request_valid.choice.{{target={item}}}") == "false"

    # Continue before Playing is passed: Playing's attempt ends, but the flow into Etiquette is
    # refused (SB.2.2: the disabled rule), so nothing is delivered.
    next_page(page, 2)
    player(page).get_by_role("button", name="Continue").click()
    expect(
        player(page).get_by_text("The course's rules do not let you go there yet.")
    ).to_be_visible()
    expect(entry(page, "Etiquette")).to_be_disabled()
    left = stored(user, "playing_item", wait_for={"cmi.exit": "suspend"})
    assert (left["cmi.location"], left["cmi.completion_status"]) == ("2", "incomplete")

    entry(page, "Playing the Game").click()  # resumes at its bookmark
    on_page(page, "Playing/Scoring.html")
    expect(player(page).locator("#player-status")).to_be_hidden()
    assert asked == [RESUME]
    next_page(page, 2)  # its last page: completed and passed
    continue_to(page, "Etiquette", "Etiquette/Course.html")
    expect(entry(page, "Handicapping")).to_be_disabled()

    # A revisit: Previous goes back to Playing, which resumes on its last page, still passed.
    back_to(page, "Playing the Game", "Playing/RulesOfGolf.html")
    assert api_value(page, "cmi.entry") == "resume"
    assert api_value(page, "cmi.success_status") == "passed"
    continue_to(page, "Etiquette", "Etiquette/Course.html")
    next_page(page)
    player(page).get_by_role("button", name="Save and leave").click()
    leave_and_wait(page, final=False)
    # Not completed, not judged; "incomplete" or "unknown" as the default rollup reads the
    # children not attempted yet.
    panel_shows(page, status="In progress", completion=None, success="unknown", score="—")

    play(page, live_server, course)  # Resume All: Etiquette, at its bookmark
    expect(entry(page, "Etiquette")).to_have_attribute("aria-current", "step")
    on_page(page, "Etiquette/Course.html")  # its page 1 shows Course.html again (pageArray)
    assert api_value(page, "cmi.location") == "1"
    next_page(page)
    continue_to(page, "Handicapping", "Handicapping/Overview.html")
    next_page(page, 3)
    continue_to(page, "Having Fun", "HavingFun/HowToHaveFun.html")
    next_page(page)
    continue_to(page, "Quiz", "shared/assessmenttemplate.html")
    answer(lesson(page), ALL_QUESTIONS, wrong=wrong_ones(5))
    submit(lesson(page), 67)

    # Back to Having Fun (the quiz's attempt ends with its result), then to the quiz again.
    back_to(page, "Having Fun", "HavingFun/MakeFriends.html")
    assert attempt_result(until=("completed", "failed", None)) == ("completed", "failed", None)
    continue_to(page, "Quiz", "shared/assessmenttemplate.html")
    assert (api_value(page, "cmi.entry"), api_value(page, "cmi.score.scaled")) == ("resume", "0.67")
    answer(lesson(page), ALL_QUESTIONS)
    submit(lesson(page), 100)
    player(page).get_by_role("button", name="Leave the course").click()
    leave_and_wait(page)
    assert attempt_result() == ("completed", "passed", None)
    assert stored(user, "assessment_item")["cmi.score.scaled"] == "1"
    # The live panel stopped at the first completed commit (see
    # test_the_live_panel_follows_a_success_that_comes_after_the_completion); the course page
    # reads the stored result.
    course_page_shows(page, live_server, course, status="Passed", score="—")


def test_posttest_rollup_takes_the_course_result_from_the_post_test_only(
    page: Page, live_server, sign_in
):
    """sequencing_posttest_rollup: the forced order of the previous package, but the content SCOs
    use the collection ``content_seq_rules`` (``rollupObjectiveSatisfied`` and
    ``rollupProgressCompletion`` false, ``objectiveMeasureWeight`` 0): they do not count in
    rollup at all. Only the quiz does (rollupRules: both true, weight 1), so the course's
    completion, success and score are the quiz's. Its launch page completes it only when the
    quiz is submitted (``RecordTest``: completed, passed at 70% or more, score / 100).

    Four content SCOs passed and the quiz open but not submitted: the course is incomplete (its
    one contributing child is incomplete), not passed, no score. Saved and left there, a new Play
    resumes the quiz; 11 of 15 right is 73%: completed, passed, 73%. Going back to a content SCO
    afterwards changes nothing, since it does not count."""
    course, user = golf_course("sequencing_posttest_rollup_2004_3rd", slug="golf-posttest")
    teacher = UserFactory(username="teacher")
    course.instructors.add(teacher)
    asked = record_dialogs(page)
    sign_in(user.username)
    play(page, live_server, course)
    through_to_the_quiz(page)
    expect(entry(page, "Quiz")).to_have_attribute("aria-current", "step")
    player(page).get_by_role("button", name="Save and leave").click()
    leave_and_wait(page, final=False)
    panel_shows(page, status="In progress", completion="incomplete", success="unknown", score="—")
    assert attempt_result() == ("incomplete", "unknown", None)
    assert stored(user, "havingfun_item")["cmi.success_status"] == "passed"

    play(page, live_server, course)
    expect(entry(page, "Quiz")).to_have_attribute("aria-current", "step")
    on_page(page, "shared/assessmenttemplate.html")
    assert asked == [RESUME]
    answer(lesson(page), ALL_QUESTIONS, wrong=wrong_ones(4))
    submit(lesson(page), 73)
    entry(page, "Handicapping").click()  # a revisit: back to its last page
    on_page(page, "Handicapping/CalculatingScore.html")
    assert api_value(page, "cmi.location") == "3"
    panel_shows(page, status="Passed", completion="completed", success="passed", score="73%")
    player(page).get_by_role("button", name="Leave the course").click()
    leave_and_wait(page)
    panel_shows(page, status="Passed", completion="completed", success="passed", score="73%")
    assert attempt_result() == ("completed", "passed", 0.73)

    page.get_by_role("button", name=f"Sign out ({user.username})").click()
    sign_in(teacher.username)
    page.goto(f"{live_server.url}/gradebook/{course.slug}/")
    row = page.locator("#gradebook-table tbody tr", has_text=user.username)
    expect(row).to_contain_text("Passed")
    expect(row).to_contain_text("73")


def test_the_live_panel_follows_a_success_that_comes_after_the_completion(
    page: Page, live_server, sign_in
):
    """The forced-sequential quiz is completed when shown (``goToPage`` commits it) and passed or
    failed only when submitted. The learner's panel must follow: it shows "Completed, no pass
    mark" first, then "Not passed" once the quiz's attempt ends with its result."""
    course, user = golf_course("sequencing_forced_sequential_2004_3rd", slug="golf-panel")
    sign_in(user.username)
    play(page, live_server, course)
    through_to_the_quiz(page)
    panel_shows(
        page,
        status="Completed, no pass mark",
        completion="completed",
        success="no pass mark",
        score="—",
    )
    answer(lesson(page), ALL_QUESTIONS, wrong=wrong_ones(5))
    submit(lesson(page), 67)
    back_to(page, "Having Fun", "HavingFun/MakeFriends.html")
    assert attempt_result(until=("completed", "failed", None)) == ("completed", "failed", None)
    expect(page.locator("#progress-panel [data-field=status]")).to_have_text(
        "Not passed", timeout=4_000
    )
