"""The parts of the ADL harness that need no browser: the test packages, the order of play and
the tester's steps."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from courses.intake.manifest import parse_manifest
from tests.conformance import adl_harness
from tests.conformance.adl_cases import CASES_DIR, load_all
from tests.conformance.adl_harness import AdlRun, Wait, case_groups
from tests.conformance.adl_package import SCO_DIR, package_manifest, package_zip

pytestmark = pytest.mark.skipif(not CASES_DIR.is_dir(), reason="ADL scripts not checked out")


@pytest.fixture(scope="module")
def cases():
    return load_all()


def test_a_package_holds_every_file_its_manifest_names_and_the_test_sco(cases):
    case = cases["CM-09cb"]  # two page variants: SequencingTest.htm, suspendAllOnUnload.htm
    archive = zipfile.ZipFile(io.BytesIO(package_zip("CM-09cb", case, nonce="n", learner_id="l")))
    names = set(archive.namelist())
    manifest = package_manifest("CM-09cb").read_bytes()
    assert archive.read("imsmanifest.xml") == manifest
    assert set(parse_manifest(manifest).files) <= names
    page = (SCO_DIR / "SequencingTest.htm").read_bytes()
    assert archive.read("resources/SequencingTest.htm") == page
    assert archive.read("resources/suspendAllOnUnload.htm") == page  # the name picks the variant
    assert archive.read("resources/adl_sco.js") == (SCO_DIR / "adl_sco.js").read_bytes()
    document = json.loads(archive.read("resources/adl-case.json"))
    assert (document["case"], document["nonce"], document["learner"]["id"]) == ("CM-09cb", "n", "l")
    assert document["options"] == {"state": "top"}
    assert [d["block"] for d in document["deliveries"]] == ["Act1V1", "Act3V1", "Act4V1"]


def test_cases_that_share_global_state_are_played_in_order_by_one_group(cases):
    groups = case_groups(cases.values())
    played = [name for group in groups for name in group]
    assert sorted(played) == sorted(cases)  # each case once
    by_case = {name: group for group in groups for name in group}
    # OB-03c starts from the global objectives OB-03a and OB-03b leave (gObj-OB03-*).
    assert by_case["OB-03a"] is by_case["OB-03c"]
    ob03 = by_case["OB-03c"]
    assert ob03.index("OB-03a") < ob03.index("OB-03b") < ob03.index("OB-03c")
    assert by_case["SX-11a"] is by_case["SX-11c"]  # SX-11c reads SX-11a's scores (gObj-SX11)
    assert by_case["CM-01"] != by_case["CO-01"]  # nothing in common: played side by side


class _Tab:
    """A player tab that does what it is told at once (no browser): the harness's steps only."""

    frames: list = []

    def goto(self, url: str, **options) -> None:
        pass

    def reload(self, **options) -> None:
        pass

    def evaluate(self, script: str, *args) -> bool:
        return True  # _PLAY: the Play button was pressed


def _stuck(steps) -> Wait | None:
    """Resume the run while what it waits for is there: the wait it is stuck on, or None once
    it is over."""
    wait = next(steps)
    while wait.ready():
        try:
            wait = next(steps)
        except StopIteration:
            return None
    return wait


def test_a_sco_that_reports_before_the_tester_looks_is_not_waited_for(cases, monkeypatch):
    """The whole of SX-10a's session (its one SCO reports, exits all, the player shows its exit
    page) can be over by the time the harness sees that the player started: that news is
    handled, not waited for again (a wait for newer news would never end: lost in full runs)."""
    monkeypatch.setattr(adl_harness, "QUIET_SECONDS", 0.0)
    run = AdlRun(cases["SX-10a"], _Tab(), course_url=lambda package: f"/learn/courses/{package}/")
    steps = run.steps()
    waiting = _stuck(steps)
    assert waiting is not None
    assert "course page" in waiting.what
    run.update({"version": 1, "page": "/learn/courses/SX-10a/", "ready": True})
    waiting = _stuck(steps)
    assert waiting is not None
    assert "to start" in waiting.what
    finished = {
        "uid": "1-a",
        "phase": "terminated",
        "terminateMode": "after",
        "block": "Act1V1",
        "position": 0,
        "ok": True,
        "terminate": {"result": "true", "error": "0"},
    }
    run.update(
        {
            "version": 2,
            "page": "/learn/attempts/x/",
            "ready": True,
            "frame": "exit",
            "player": {"started": True, "ended": True},
            "results": [finished],
        }
    )
    assert _stuck(steps) is None, "the run waits for news that already came"
    assert run.outcome.ok, run.outcome.report()


class _Launcher:
    url = "http://content.test/content/launch/"

    def is_detached(self) -> bool:
        return False

    def evaluate(self, script: str, *args) -> dict:
        return {"loading": False, "ended": False}  # _SETTLED: the session runs


class _EndingTab(_Tab):
    """A player whose launcher is there when the tester first looks, and gone (the player left
    for its exit page) right after."""

    def __init__(self) -> None:
        self.looks = 0

    @property
    def frames(self) -> list:
        self.looks += 1
        return [_Launcher()] if self.looks == 1 else []


def test_an_exit_the_session_ended_before_the_tester_pressed_is_not_a_failure(cases, monkeypatch):
    """RU-14d's Activity 3 ends the session by its own request as the tester goes to Exit: the
    player has left for its exit page (no launcher frame), so the tester has nothing to press
    and goes on to the relaunch."""
    monkeypatch.setattr(adl_harness, "QUIET_SECONDS", 0.0)
    case = cases["RU-14d"]
    run = AdlRun(case, _EndingTab(), course_url=lambda package: f"/learn/courses/{package}/")
    run.update({"version": 5, "frame": "exit", "player": {"started": True, "ended": True}})
    acting = run.act(next(d for d in case.deliveries if d.block == "Act3V1"))
    waiting = _stuck(acting)
    assert not run.outcome.failures
    assert waiting is not None
    assert "course page" in waiting.what  # relaunching
