"""Decoder for the scripts of ADL's SCORM 2004 4th Edition LMS conformance test.

Each ``<case>.properties`` in ``../shared/content/adl-lms-test-cases/`` scripts one test package:
the order in which the LMS must deliver its activities and, for every delivery, the run-time calls
the test SCO makes with their expected results. The decoding mirrors ADL's Java suite
(``adlnet/SCORM-2004-4ed-Test-Suite``) line for line, quirks included, because the scripts were
written against it:

* ``LMSTestCaseGenerator.createTC`` turns the file into an ordered list of activities (blocks);
* ``LMSParser`` turns a command key into an API call and an expected result, looking every
  abbreviation up in ``Commands.properties`` (a key that is not there stands for itself);
* ``Command.evaluate`` runs the calls (``&id&`` placeholders are resolved to collection indices
  by the SCO at run time) and reads ``GetLastError()`` after each one;
* ``TestCaseEvaluator`` compares: mostly exact strings, but some calls are judged differently
  (``Call.check``).

``load_all()`` parses the 188 scripts; ``Case.sco_json()`` is what the test SCO
(``adl_sco/adl_sco.js``) reads from the package.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import ElementTree

CASES_DIR = Path(__file__).resolve().parents[3] / "shared" / "content" / "adl-lms-test-cases"
MANIFESTS_DIR = CASES_DIR.parent / "adl-lms-test-manifests"

# Commands.properties (resources/org/adl/testsuite/rte/lms/util/resources/), verbatim.
COMMANDS: Mapping[str, str] = {
    # API methods (the SCO's wrapper functions; "compareObjIds" is the suite's own check)
    "I": "doInitialize",
    "T": "doTerminate",
    "C": "doCommit",
    "GET": "doGetValue",
    "SET": "doSetValue",
    "GES": "doGetErrorString",
    "GLE": "doGetLastError",
    "GeDi": "doGetDiagnostic",
    "COI": "compareObjIds",
    # data models
    "a": "adl",
    "c": "cmi",
    # cmi elements
    "V": "_version",
    "CFLRNR": "comments_from_learner",
    "CFLMS": "comments_from_lms",
    "CHIL": "_children",
    "CNT": "_count",
    "COM": "comment",
    "LOC": "location",
    "TS": "timestamp",
    "CS": "completion_status",
    "CT": "completion_threshold",
    "CDT": "credit",
    "E": "entry",
    "X": "exit",
    "INTR": "interactions",
    "ID": "id",
    "TY": "type",
    "OB": "objectives",
    "CR": "correct_responses",
    "P": "pattern",
    "W": "weighting",
    "LR": "learner_response",
    "R": "result",
    "LAT": "latency",
    "D": "description",
    "LD": "launch_data",
    "LI": "learner_id",
    "LN": "learner_name",
    "LP": "learner_preference",
    "AL": "audio_level",
    "LANG": "language",
    "DS": "delivery_speed",
    "AC": "audio_captioning",
    "MAXTA": "max_time_allowed",
    "M": "mode",
    "S": "score",
    "SCA": "scaled",
    "RW": "raw",
    "MN": "min",
    "MX": "max",
    "SS": "success_status",
    "PM": "progress_measure",
    "SPS": "scaled_passing_score",
    "ST": "session_time",
    "SD": "suspend_data",
    "TLA": "time_limit_action",
    "TT": "total_time",
    # adl.nav
    "n": "nav",
    "r": "request",
    "rv": "request_valid",
    "tar": "{target=%s}",
    # cmi values
    "comp": "completed",
    "incomp": "incomplete",
    "notatt": "not attempted",
    "pass": "passed",
    "fail": "failed",
    "unk": "unknown",
    "CDT.c": "credit",
    "CDT.n": "no-credit",
    "E.a": "ab-initio",
    "E.r": "resume",
    "es": "",
    "X.t": "time-out",
    "X.s": "suspend",
    "X.l": "logout",
    "TY.tf": "true-false",
    "TY.c": "choice",
    "TY.f": "fill-in",
    "TY.lf": "long-fill-in",
    "TY.l": "likert",
    "TY.m": "matching",
    "TY.p": "performance",
    "TY.s": "sequencing",
    "TY.n": "numeric",
    "TY.o": "other",
    "R.c": "correct",
    "R.i": "incorrect",
    "R.u": "unanticipated",
    "R.n": "neutral",
    "M.b": "browse",
    "M.n": "normal",
    "M.r": "review",
    "TLA.em": "exit,message",
    "TLA.cm": "continue,message",
    "TLA.enm": "exit,no message",
    "TLA.cnm": "continue,no message",
    "t": "true",
    "f": "false",
    "test": "test",
    "ill": "illegal",
    "less255": "A characterstring value less than 255 characters",
    "emptyCS": "An empty characterstring value",
    "WOV": "WriteOnceViolation",
    "IlSt": "illegal_state",
    "ivd": "invalid",
    # adl values
    "N.c": "continue",
    "N.p": "previous",
    "N.ea": "exitAll",
    "N.a": "abandon",
    "N.aa": "abandonAll",
    "N.sa": "suspendAll",
    "N.n": "_none_",
    "DA": "data",
    "STR": "store",
    "N.j": "jump",
}

API_METHODS: Mapping[str, str] = {
    "I": "Initialize",
    "T": "Terminate",
    "C": "Commit",
    "GET": "GetValue",
    "SET": "SetValue",
    "GES": "GetErrorString",
    "GLE": "GetLastError",
    "GeDi": "GetDiagnostic",
    "COI": "compareObjIds",
}

# UserInterface.properties: the tester is asked these (Yes/No) when the activity is launched,
# before the SCO runs its calls.
UI_QUESTIONS: Mapping[str, str] = {
    "continue.enabled": "Did the LMS provide an enabled UI device that corresponds to the Continue Navigation Event?",
    "continue.disabled": "Did the LMS provide a disabled UI device that corresponds to the Continue Navigation Event?",
    "previous.enabled": "Did the LMS provide an enabled UI device that corresponds to the Previous Navigation Event?",
    "previous.disabled": "Did the LMS provide a disabled UI device that corresponds to the Previous Navigation Event?",
    "toc.enabled": "Did the LMS provide an enabled Table of Contents?",
    "toc.enabled.selectable": "Did the LMS provide an enabled Table Of Contents that includes %s as selectable?",
    "toc.visible": "Did the LMS provide a visible (disabled or not) Table of Contents entry for %s?",
    "ui.visible": "Did the LMS provide an enabled or disabled UI device corresponding to the %s Navigation Event?",
    "click.button": "Click the button below to continue.",
}

# Instructions.properties, the keys a script's header and CUI values name (HTML stripped).
INSTRUCTIONS: Mapping[str, str] = {
    "userInteraction": "*** This Test Requires User Interaction ***",
    "startTOC": "by choosing %s from the LMS-provided Table of Contents (TOC).",
    "purposeAPI": "the SCORM 2004 4th Edition RTE launch and API requirements.",
    "purposeDMI": "the SCORM 2004 4th Edition RTE Data Model Implementation requirements.",
    "purposeDMB": "the SCORM 2004 4th Edition RTE Data Model Behavior requirements.",
    "purposeSequence": "a portion of the SCORM 2004 4th Edition Sequencing Pseudo Code applied to a defined set of sequencing and tracking information.",
    "purposeUInteraction": "a portion of the Sequencing Pseudo Code ... and to ensure that LMSs properly end the Sequencing Session when %s",
    "initChecks": "Several SCO Run-Time Data initialization checks are performed during this test.",
    "initChecks+": "Several SCO Run-Time Data initialization and Activity Tracking Data mapping checks are performed during this test.",
    "manualTT": "This test requires you to manually invoke Navigation Events through the LMS-provided UI.",
    "autoTT": "The course is designed to automatically progress through its SCOs by using the ADL Navigation Data Model.",
    "uInteractionTT": "You must verify that the Sequencing Session ended (root attempt ended, all content taken away).",
    "uiTT": "You will be asked about the availability of LMS-provided UI controls at various points.",
    "endNormal": "After completing LMS Test Content Package %s click Continue.",
    "endUserInter": "If the Sequencing Session has ended, please click Yes, otherwise No.",
    "lastLeaf": "a continue sequence request causes a traversal past the last logical leaf.",
    "exitPPCR": "the root of the activity tree is terminated due to an Exit Parent Post-Condition Rule.",
    "exitXAR": "the root of the activity tree is terminated due to an Exit Action Rule.",
    # current user instructions (CUI)
    "APIt1": "After the Status shows 'Test Completed', please launch API Implementation Test 1.",
    "APIt2": "After the Status shows 'Test Completed', please launch API Implementation Test 2.",
    "DMIt1": "After the Status shows 'Test Completed', please launch Data Model Implementation Test 1.",
    "DMIt2": "After the Status shows 'Test Completed', please launch Data Model Implementation Test 2.",
    "DMIt3": "After the Status shows 'Test Completed', please launch Data Model Implementation Test 3.",
    "DMIt4": "After the Status shows 'Test Completed', please launch Data Model Implementation Test 4.",
    "DMBxAct": "The current learner attempt should end. Please relaunch DMB and choose Data Model Behavior Test 1.",
    "DMBx": "The current learner attempt should end. Please relaunch LMS Test Content Package DMB.",
    "TRIGExitAll": "This SCO has completed. Please trigger an Exit All Navigation Event; the current learner attempt should end.",
    "Choice": "This SCO has completed. Please target %s for a Choice Navigation Event.",
    "ChoiceExit": "This SCO has completed. Please target %s for a Choice Navigation Event; the current learner attempt should then end.",
    "ContinueExitCM8": "This SCO has completed. Please trigger a Continue Navigation Event; the attempt should end. Relaunch CM-08.",
    "Exit": "After the Status shows 'Test Completed', please exit the package/course.",
    "ExitCM09ba": "After the Status shows 'Test Completed', please exit the package/course and relaunch CM-09ba.",
    "SuspendCM09ca": "After the Status shows 'Test Completed', please trigger a Suspend All Navigation Event and relaunch CM-09ca.",
    "Continue": "This SCO has completed. Please trigger a Continue Navigation Event.",
    "Previous": "This SCO has completed. Please trigger a Previous Navigation Event.",
    "OKEnd": "The current learner attempt should end.",
    "HasEnded": "The current learner attempt should have ended.",
    "RelaunchCM5": "After the Status shows 'Test Completed', please relaunch CM-05 after you log-out of the package.",
    "RelaunchCM10": "The current learner attempt should end. Please relaunch CM-10 and then choose Activity 4.",
    "RelaunchCM11": "After the Status shows 'Test Completed', please exit the package/course and relaunch CM-11.",
    "RelaunchCM16": "The current learner attempt should end. Please relaunch CM-16.",
    "RelaunchOB3b": "The current learner attempt should end. Please relaunch OB-03b.",
    "RelaunchRU13e": "After the Status shows 'Test Completed', please relaunch RU-13e after you log-out of the package.",
    "RelaunchRU14a": "After the Status shows 'Test Completed', please relaunch RU-14a after you log-out of the package.",
    "RelaunchRU14b": "After the Status shows 'Test Completed', please relaunch RU-14b after you log-out of the package.",
    "RelaunchRU14c": "After the Status shows 'Test Completed', please relaunch RU-14c after you log-out of the package.",
    "RelaunchRU14d": "After the Status shows 'Test Completed', please relaunch RU-14d after you log-out of the package.",
    "AutoTest": "The automated portion of this test has completed. The current learner attempt and the Sequencing Session should end.",
    "RelaunchSX4a": "The current learner attempt should end. Please relaunch SX-04a.",
    "RootSX4b": "The current learner attempt should end and the content be removed, the Sequencing Session remaining active. Please choose the root of SX-04b.",
    "LaunchDDMb": "The current learner attempt should end. Please launch DDMb.",
    "ReLaunchDDMa": "The current learner attempt should end. Please relaunch DDMa.",
    "ReLaunchDDMb": "The current learner attempt should end. Please relaunch DDMb.",
    "launch": "After the Status shows 'Test Completed', please launch %s.",
    "relaunch": "After the Status shows 'Test Completed', please exit the package/course and relaunch %s.",
    "exitlaunch": "After the Status shows 'Test Completed', please exit the package/course and launch %s.",
    "launchnchoose": "After 'Test Completed', exit, launch %s and launch %s.",
    "relaunchnchoose": "After 'Test Completed', exit, relaunch %s and launch %s.",
    "autoendrelaunch": "The current learner attempt should end. Please relaunch %s.",
    "autoendlaunchnchoose": "The current learner attempt should end. Please launch %s and then launch %s.",
}

HEADER_KEYS = ("title", "UserInterAct", "start", "purpose", "RTDInit", "seqInfo", "TT", "end")

# What the tester does after a delivery (CUI key -> navigation, then what, the session's fate).
# navigation: continue | previous | choice | exitAll | suspendAll | exit (leave the course through
# the LMS UI) | none (nothing: the SCO's own request already ended the attempt or session).
_ACTIONS: Mapping[str, tuple[str, str | None, str | None, bool]] = {
    # key: (navigation, then, package to (re)launch, session should have ended)
    "Continue": ("continue", None, None, False),
    "Previous": ("previous", None, None, False),
    "Choice": ("choice", None, None, False),
    "ChoiceExit": ("choice", None, None, True),
    "TRIGExitAll": ("exitAll", None, None, True),
    "Exit": ("exit", None, None, True),
    "OKEnd": ("none", None, None, True),
    "HasEnded": ("none", None, None, True),
    "AutoTest": ("none", None, None, True),
    "ContinueExitCM8": ("continue", "relaunch", "CM-08", True),
    "ExitCM09ba": ("exit", "relaunch", "CM-09ba", True),
    "SuspendCM09ca": ("suspendAll", "relaunch", "CM-09ca", True),
    "RelaunchCM5": ("exit", "relaunch", "CM-05", True),
    "RelaunchCM10": ("none", "relaunch", "CM-10", True),
    "RelaunchCM11": ("exit", "relaunch", "CM-11", True),
    "RelaunchCM16": ("none", "relaunch", "CM-16", True),
    "RelaunchOB3b": ("none", "relaunch", "OB-03b", True),
    "RelaunchRU13e": ("exit", "relaunch", "RU-13e", True),
    "RelaunchRU14a": ("exit", "relaunch", "RU-14a", True),
    "RelaunchRU14b": ("exit", "relaunch", "RU-14b", True),
    "RelaunchRU14c": ("exit", "relaunch", "RU-14c", True),
    "RelaunchRU14d": ("exit", "relaunch", "RU-14d", True),
    "RelaunchSX4a": ("none", "relaunch", "SX-04a", True),
    "RootSX4b": ("choice", None, None, False),
    "APIt1": ("choice", None, None, False),
    "APIt2": ("choice", None, None, False),
    "DMIt1": ("choice", None, None, False),
    "DMIt2": ("choice", None, None, False),
    "DMIt3": ("choice", None, None, False),
    "DMIt4": ("choice", None, None, False),
    "DMBx": ("none", "relaunch", "DMB", True),
    "DMBxAct": ("none", "relaunch", "DMB", True),
    "LaunchDDMb": ("none", "launch", "DDMb", True),
    "ReLaunchDDMa": ("none", "relaunch", "DDMa", True),
    "ReLaunchDDMb": ("none", "relaunch", "DDMb", True),
    "launch": ("choice", None, None, False),
    "relaunch": ("exit", "relaunch", None, True),
    "exitlaunch": ("exit", "launch", None, True),
    "launchnchoose": ("exit", "launch", None, True),
    "relaunchnchoose": ("exit", "relaunch", None, True),
    "autoendrelaunch": ("none", "relaunch", None, True),
    "autoendlaunchnchoose": ("none", "launch", None, True),
}
# The activity to choose once relaunched, where the instruction names one.
_THEN_CHOOSE = {
    "RelaunchCM10": "Activity 4",
    "DMBxAct": "Data Model Behavior Test 1",
    "APIt1": "API Implementation Test 1",
    "APIt2": "API Implementation Test 2",
    "DMIt1": "Data Model Implementation Test 1",
    "DMIt2": "Data Model Implementation Test 2",
    "DMIt3": "Data Model Implementation Test 3",
    "DMIt4": "Data Model Implementation Test 4",
}
ROOT = "@root"  # a choice target meaning "the root of the activity tree"

# How TestCaseEvaluator judges a call's result (see Call.check).
CHECKS = (
    "exact",  # value == expected and error == expected error
    "typed",  # value equal to expected for the element's type (Call.value_type), and error
    "typed_if_brace",  # "" expected: a value starting with "{" is compared typed, else exact
    "objective_id",  # GetValue(cmi.objectives.&id&.id): value == id, and error
    "objective_ids",  # compareObjIds: the ids in cmi.objectives are exactly the expected set
    "learner_name",  # only the error code is compared
    "nav_valid_any",  # request_valid.choice/jump: value in true/false/unknown, error ignored
    "nav_valid_any_error",  # other request_valid: value in true/false/unknown, and error
    "comments_from_lms",  # error in 0/301/403 (401 too for cmi.comments_from_lms); value ignored
    "less255",  # GetErrorString: len(value) < 255, and error
    "empty",  # GetErrorString: value == "", and error
    "diagnostic",  # GetDiagnostic: len(value) < 255 whatever was expected, and error
)

_REAL = re.compile(
    r"^cmi\.(score\.(scaled|raw|min|max)|objectives\.\d+\.score\.(scaled|raw|min|max)"
    r"|progress_measure|objectives\.\d+\.progress_measure|scaled_passing_score|completion_threshold"
    r"|interactions\.\d+\.weighting|learner_preference\.(audio_level|delivery_speed))$"
)
_DURATION = re.compile(
    r"^cmi\.(max_time_allowed|total_time|session_time|interactions\.\d+\.latency)$"
)
_TIME = re.compile(r"^cmi\.(interactions|comments_from_learner|comments_from_lms)\.\d+\.timestamp$")
_LANGSTRING = re.compile(
    r"^cmi\.((comments_from_learner|comments_from_lms)\.\d+\.comment"
    r"|(objectives|interactions)\.\d+\.description|learner_name)$"
)
_PATTERN = re.compile(
    r"^cmi\.interactions\.\d+\.(correct_responses\.\d+\.pattern|learner_response)$"
)
# Smallest permitted maximums (RTE book, 4th ed.): ADL also accepts a value truncated to the SPM.
_SPM = (
    (re.compile(r"^cmi\.location$"), 1000),
    (re.compile(r"^cmi\.suspend_data$"), 64000),
    (re.compile(r"^adl\.data\.\d+\.store$"), 64000),
    (re.compile(r"^cmi\.launch_data$"), 4000),
    (re.compile(r"^cmi\.(comments_from_learner|comments_from_lms)\.\d+\.comment$"), 4000),
    (re.compile(r"^cmi\.(comments_from_learner|comments_from_lms)\.\d+\.location$"), 250),
    (re.compile(r"^cmi\.(objectives|interactions)\.\d+\.description$"), 250),
    (re.compile(r"^cmi\.learner_name$"), 250),
    (re.compile(r"\.id$"), 4000),
    (re.compile(r"^cmi\.interactions\.\d+\.learner_response$"), 4000),
)


@dataclass(frozen=True)
class Call:
    """One run-time call of a delivery and the result ADL expects.

    ``element`` and ``value`` are the call's arguments exactly as ADL's SCO passes them (the
    decoded parameter split at its first ``!``); ``element`` may hold a ``&id&`` placeholder that
    the SCO replaces with the index of that id in ``cmi.objectives`` (``adl.data`` for
    ``adl.data`` elements), found by GetValue calls just before the call.
    """

    index: int  # K of ``commands.K``
    raw: str
    op: str  # abbreviation: I C GET SET GES GLE GeDi COI
    method: str  # Initialize Commit GetValue SetValue GetErrorString GetLastError GetDiagnostic compareObjIds
    element: str
    value: str | None
    expected: str
    expected_error: str
    check: str
    value_type: str = (
        ""  # for "typed": real duration time langstring language pattern children string
    )
    interaction_type: str = ""  # for "pattern": the interaction type ADL sets before comparing
    spm: int = 0  # for "typed" strings: a value truncated to this length also matches
    objective_ids: tuple[str, ...] = ()  # for "objective_ids"
    learner: str = ""  # "name" / "id": expected is the logged-in learner's (ADL's session data)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "k": self.index,
            "method": self.method,
            "element": self.element,
            "expected": self.expected,
            "error": self.expected_error,
            "check": self.check,
        }
        if self.value is not None:
            data["value"] = self.value
        for key, val in (
            ("type", self.value_type),
            ("interactionType", self.interaction_type),
            ("spm", self.spm),
            ("objectiveIds", list(self.objective_ids)),
            ("learner", self.learner),
        ):
            if val:
                data[key] = val
        return data


@dataclass(frozen=True)
class UIQuestion:
    key: str  # e.g. "toc.enabled.selectable"
    subject: str | None  # e.g. "Activity 2"
    expected: bool  # the answer a conformant LMS gets (UIA's Y/N)
    text: str


@dataclass(frozen=True)
class TesterAction:
    """``CUI``: what the tester does in the LMS once the SCO has finished (and terminated)."""

    raw: str
    key: str
    args: tuple[str, ...]
    navigation: str  # continue previous choice exitAll suspendAll exit none
    target: str | None  # choice target title (ROOT for the tree's root)
    then: str | None  # "relaunch" / "launch" a package afterwards
    package: str | None
    then_choose: str | None  # activity to choose after (re)launching
    session_ends: bool  # the attempt on the tree should be over after the navigation
    text: str


@dataclass(frozen=True)
class Delivery:
    """One expected delivery (block ``Act{activity}V{delivery}``), in expected order."""

    position: int
    activity: str  # the manifest's ``act`` parameter: "1", "12", "1a"
    delivery: int  # V; ADL ignores it (two scripts do not number per activity)
    calls: tuple[Call, ...]
    ui_questions: tuple[UIQuestion, ...]
    action: TesterAction | None
    skipped: tuple[str, ...] = ()  # command values ADL's parser ignores (no known op)

    @property
    def block(self) -> str:
        return f"Act{self.activity}V{self.delivery}"

    def as_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "block": self.block,
            "activity": self.activity,
            "delivery": self.delivery,
            "calls": [call.as_json() for call in self.calls],
            "ui": [
                {"key": q.key, "subject": q.subject, "expected": q.expected}
                for q in self.ui_questions
            ],
            "action": None
            if self.action is None
            else {
                "raw": self.action.raw,
                "navigation": self.action.navigation,
                "target": self.action.target,
                "then": self.action.then,
                "package": self.action.package,
                "thenChoose": self.action.then_choose,
                "sessionEnds": self.action.session_ends,
            },
        }


@dataclass(frozen=True)
class Header:
    title: str
    user_interaction: str  # "userInteraction" when the tester must act, else ""
    start: str  # "." start normally; else the TOC entry (or package) to start with
    purpose: str  # purposeX or purposeUInteraction~<how the session ends>
    rtd_init: str  # "", initChecks, initChecks+
    seq_info: str  # HTML list of the sequencing definition elements under test
    test_type: str  # autoTT / manualTT / uInteractionTT, "~uiTT" when UI questions are asked
    end: str  # endNormal / endUserInter (tester confirms the sequencing session ended)

    @property
    def start_choice(self) -> str | None:
        """The TOC entry the tester starts with, None for a normal start."""
        return None if self.start == "." else self.start

    @property
    def automatic(self) -> bool:
        return self.test_type.split("~")[0] in ("autoTT", "uInteractionTT")

    @property
    def asks_ui_questions(self) -> bool:
        return "uiTT" in self.test_type.split("~")

    @property
    def confirm_session_ended(self) -> bool:
        return self.end == "endUserInter"


@dataclass(frozen=True)
class Case:
    name: str
    header: Header
    deliveries: tuple[Delivery, ...]

    @property
    def manifests(self) -> tuple[Path, ...]:
        """The package manifests the script drives (DDM spans two packages, DDMa and DDMb)."""
        single = MANIFESTS_DIR / f"LMSTestPackage_{self.name}.xml"
        if single.exists():
            return (single,)
        return tuple(sorted(MANIFESTS_DIR.glob(f"LMSTestPackage_{self.name}?.xml")))

    def sco_json(
        self,
        nonce: str,
        learner_id: str = "",
        learner_name: str = "",
        options: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The document the test SCO reads (``resources/adl-case.json`` in the package).

        ``nonce`` names this run (the SCO keys its run state by case and nonce); ``options``:
        ``ui`` ("wait" for answers to UI questions, or "skip"), ``removalTimeoutMs``,
        ``stateTimeoutMs``.
        """
        return {
            "format": 1,
            "case": self.name,
            "nonce": nonce,
            "learner": {"id": learner_id, "name": learner_name},
            "options": dict(options or {}),
            "header": {
                "title": self.header.title,
                "start": self.header.start,
                "testType": self.header.test_type,
                "end": self.header.end,
            },
            "deliveries": [d.as_json() for d in self.deliveries],
        }


class ScriptError(ValueError):
    pass


@dataclass(frozen=True)
class ManifestItem:
    package: str  # LMSTestPackage_<package>
    identifier: str
    title: str
    tc: str
    act: str  # matches Delivery.activity
    href: str  # launch path inside the package (xml:base applied), "" for a cluster


_NS = {
    "cp": "http://www.imsglobal.org/xsd/imscp_v1p1",
    "xml": "http://www.w3.org/XML/1998/namespace",
}


def manifest_items(path: Path) -> tuple[ManifestItem, ...]:
    """The launchable items of a test package with the ``tc``/``act`` of their parameters."""
    root = ElementTree.parse(path).getroot()
    base_attr = "{http://www.w3.org/XML/1998/namespace}base"
    resources = {}
    for res in root.iterfind("cp:resources/cp:resource", _NS):
        resources[res.get("identifier")] = (res.get(base_attr) or "") + (res.get("href") or "")
    items = []
    for item in root.iterfind(".//cp:item", _NS):
        params = item.get("parameters") or ""
        query = dict(re.findall(r"(\w+)=([^&]*)", params))
        items.append(
            ManifestItem(
                package=path.stem.removeprefix("LMSTestPackage_"),
                identifier=item.get("identifier") or "",
                title=(item.findtext("cp:title", "", _NS) or "").strip(),
                tc=query.get("tc", ""),
                act=query.get("act", ""),
                href=resources.get(item.get("identifierref"), ""),
            )
        )
    return tuple(items)


def lookup(key: str, *args: str) -> str:
    """``LMSMessages.Commands.getString``: a missing key stands for itself."""
    if key not in COMMANDS:
        return key
    return COMMANDS[key] % args if "%s" in COMMANDS[key] else COMMANDS[key]


def java_split(text: str, sep: str) -> list[str]:
    """``String.split`` with a literal separator: trailing empty strings are dropped."""
    parts = text.split(sep)
    while parts and parts[-1] == "":
        parts.pop()
    return parts or [""]


def _unicode_escapes(value: str) -> str:
    """``LMSTestCaseGenerator.doUnicode``: only ``\\uXXXX`` is an escape, other ``\\`` stay."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), value)


def _logical_lines(text: str) -> Iterable[str]:
    """Lines with ``\\``-continuations joined verbatim (the next line's indent is kept)."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + lines[i].rstrip("\r")
        i += 1
        yield line


def _decode_get_param(raw: str) -> tuple[str, str]:
    """``LMSParser.parseGetCommandsDMParams``: the element and, for interactions, its type."""
    if "~" not in raw:
        return raw, ""
    parts = raw.split("~")
    expected_type = ""
    if parts[1] == "INTR" and "!" in raw:
        for j, part in enumerate(parts):
            if "!" in part:
                head, _, tail = part.partition("!")
                expected_type = lookup(tail.split("!")[0])
                parts[j] = head
    if "a~n~r" in raw and len(parts) == 6:
        return ".".join(lookup(p) for p in parts[:4]) + "." + lookup(parts[4], parts[5]), ""
    if "a~n~r" in raw and len(parts) == 4:
        return ".".join(lookup(p) for p in parts), ""
    return ".".join(lookup(p) for p in parts), expected_type


def _final_split(last: str) -> tuple[str, str]:
    """``LMSParser.setFinalSplitArray``: split at the first ``!`` (a value may hold more)."""
    bang = last.find("!")
    if bang == -1:
        raise ScriptError(f"SetValue key without '!': {last!r}")
    return last[:bang], last[bang + 1 :]


def _decode_set_param(raw: str) -> str:
    """``LMSParser.parseSetCommandsDMParams``: ``element!value`` with every piece looked up."""
    parts = java_split(raw, "~")
    start = lookup(parts[0])
    if len(parts) == 1:
        return start
    if len(parts) == 2:
        el, val = _final_split(parts[1])
        return f"{start}.{lookup(el)}!{lookup(val)}"
    if len(parts) == 3:
        el, val = _final_split(parts[2])
        return f"{start}.{lookup(parts[1])}.{lookup(el)}!{lookup(val)}"
    if len(parts) == 4:  # the index (or &id&) is not looked up
        el, val = _final_split(parts[3])
        return f"{start}.{lookup(parts[1])}.{parts[2]}.{lookup(el)}!{lookup(val)}"
    if len(parts) == 5:
        if "a~n~r" in raw:  # adl.nav.request!{target=X}choice|jump
            req, _, tar = parts[2].partition("!")
            return f"{start}.{lookup(parts[1])}.{lookup(req)}!{lookup(tar, parts[3])}{lookup(parts[4])}"
        el, val = _final_split(parts[4])
        return f"{start}.{lookup(parts[1])}.{lookup(parts[2])}.{lookup(parts[3])}.{lookup(el)}!{lookup(val)}"
    if len(parts) == 6:
        el, val = _final_split(parts[5])
        middle = ".".join(lookup(p) for p in parts[1:5])
        return f"{start}.{middle}.{lookup(el)}!{lookup(val)}"
    raise ScriptError(f"SetValue key with {len(parts)} parts: {raw!r}")


def _split_args(param: str) -> tuple[str, str | None]:
    """``Command.evaluate``: the first ``!`` separates the two arguments."""
    if "!" not in param:
        return param, None
    element, _, value = param.partition("!")
    return element, value


def _value_type(element: str) -> tuple[str, int]:
    if element.endswith("._children"):
        return "children", 0
    generic = re.sub(r"&[^&]*&", "0", element)
    if _REAL.match(generic):
        return "real", 0
    if _DURATION.match(generic):
        return "duration", 0
    if _TIME.match(generic):
        return "time", 0
    if generic == "cmi.learner_preference.language":
        return "language", 0
    if _PATTERN.match(generic):
        return "pattern", 0
    spm = next((size for pattern, size in _SPM if pattern.search(generic)), 0)
    if _LANGSTRING.match(generic):
        return "langstring", spm
    return "string", spm


def decode_command(raw: str, index: int = 0) -> Call | None:
    """Decode one ``commands.K`` value; None when ADL's parser ignores it (unknown op)."""
    parts = java_split(raw, "->")
    op = parts[0]
    if op not in API_METHODS:
        return None
    method = API_METHODS[op]
    learner = ""
    value_type = interaction_type = ""
    spm = 0
    objective_ids: tuple[str, ...] = ()
    if op in ("GET", "I", "C"):
        param, interaction_type = _decode_get_param(parts[1] if len(parts) > 1 else "")
        expected = ""
        for token in parts[2:-1]:
            # LMSParser's odd rule: a token whose lookup is "" (only "es") stays literal.
            expected = token if lookup(token) == "" and token != "" else lookup(token)
        error = parts[-1] if len(parts) > 2 else ""
        if len(parts) > 1 and ("LN" in parts[1] or "LI" in parts[1]):
            learner = "name" if "LN" in parts[1] else "id"
            expected = ""
    elif op == "SET":
        param = _decode_set_param(parts[1])
        expected = ""
        for token in parts[2:-1]:
            expected = lookup(token)
        error = parts[-1]
    elif op in ("GES", "GeDi"):
        param, expected, error = parts[1], parts[2], parts[3]
    elif op == "GLE":
        param, expected, error = "", parts[2], parts[3]
    elif op == "T":
        param, expected, error = "", "", ""
    else:  # COI
        param, expected, error = parts[1], "", ""
        objective_ids = tuple(param.split(","))
    element, value = _split_args(param)

    if op == "COI":
        check = "objective_ids"
    elif op == "GES":
        check = {"less255": "less255", "emptyCS": "empty"}.get(expected, "exact")
    elif op == "GeDi":
        check = "diagnostic"
    elif op != "GET":
        check = "exact"
    elif "learner_name" in param:
        check = "learner_name"
    elif "request_valid.choice" in param or "request_valid.jump" in param:
        check = "nav_valid_any"
    elif "_children" not in param and "comments_from_lms" in param:
        check = "comments_from_lms"
    elif (expected != "" or learner == "id") and "_count" not in param:
        # ADL substitutes the session's learner id for the scripted placeholder (e.g. "m").
        check = "nav_valid_any_error" if "request_valid" in param else "typed"
    elif "&" in param and ".id" in param:
        check = "objective_id"
    elif "_count" not in param:
        check = "typed_if_brace"
    else:
        check = "exact"
    if check in ("typed", "typed_if_brace"):
        value_type, spm = _value_type(element)
    return Call(
        index=index,
        raw=raw,
        op=op,
        method=method,
        element=element,
        value=value,
        expected=expected,
        expected_error=error,
        check=check,
        value_type=value_type,
        interaction_type=interaction_type,
        spm=spm,
        objective_ids=objective_ids,
        learner=learner,
    )


def _ui_questions(case: str, block: str, uiq: str, uia: str) -> tuple[UIQuestion, ...]:
    if not uiq:
        return ()
    keys = uiq.split("~")
    answers = uia.split("~")
    if len(keys) != len(answers) or any(a not in ("Y", "N") for a in answers):
        raise ScriptError(f"{case} {block}: UIQ {uiq!r} does not match UIA {uia!r}")
    questions = []
    for key, answer in zip(keys, answers, strict=True):
        subject = None
        if "@" in key:  # LMSParser.getUIMessage: key@var, or key@var.suffix
            key, _, subject = key.partition("@")
            if "." in subject:
                dot = subject.index(".")
                key, subject = key + subject[dot:], subject[:dot]
        if key not in UI_QUESTIONS:
            raise ScriptError(f"{case} {block}: unknown UI question {key!r}")
        text = UI_QUESTIONS[key] % subject if "%s" in UI_QUESTIONS[key] else UI_QUESTIONS[key]
        questions.append(UIQuestion(key=key, subject=subject, expected=answer == "Y", text=text))
    return tuple(questions)


def _tester_action(case: str, block: str, cui: str) -> TesterAction | None:
    if not cui:
        return None
    key, *args = cui.split("~")  # LMSTestCaseInterface.getCurrentUserInstructions
    if key not in _ACTIONS or key not in INSTRUCTIONS:
        raise ScriptError(f"{case} {block}: unknown CUI {cui!r}")
    navigation, then, package, ends = _ACTIONS[key]
    target = then_choose = None
    if key in ("Choice", "ChoiceExit", "launch"):
        target = args[0]
        if target.startswith("the activity that corresponds to the root"):
            target = ROOT
    elif key == "RootSX4b":
        target = ROOT
    elif key in _THEN_CHOOSE and navigation == "choice":
        target = _THEN_CHOOSE[key]
    elif key in _THEN_CHOOSE:
        then_choose = _THEN_CHOOSE[key]
    if then and package is None:
        package = args[0]
        then_choose = args[1] if len(args) > 1 else None
    text = INSTRUCTIONS[key]
    if "%s" in text:
        text = text % tuple(args[: text.count("%s")])
    return TesterAction(
        raw=cui,
        key=key,
        args=tuple(args),
        navigation=navigation,
        target=target,
        then=then,
        package=package,
        then_choose=then_choose,
        session_ends=ends,
        text=text,
    )


_BLOCK = re.compile(r"^Act(?P<act>[^V.]+)V(?P<v>\d+)$")


def parse_text(name: str, text: str) -> Case:
    """Parse one script's text the way ``LMSTestCaseGenerator.createTC`` does."""
    header: dict[str, str] = {}
    blocks: list[dict[str, Any]] = []
    for line in _logical_lines(text):
        if "####" in line or line == "":
            continue
        if "=" not in line:
            raise ScriptError(f"{name}: line without '=': {line[:80]!r}")
        key, _, value = line.partition("=")
        if key in HEADER_KEYS:  # checked first: "UserInterAct" contains "Act"
            header[key] = value
            continue
        if "Act" not in key:
            raise ScriptError(f"{name}: unknown header key {key!r}")
        act_info, _, sub = key.partition(".")
        match = _BLOCK.match(act_info)
        if match is None:
            raise ScriptError(f"{name}: bad block name {act_info!r}")
        if not blocks or blocks[-1]["name"] != act_info:
            blocks.append(
                {"name": act_info, "match": match, "uiq": "", "uia": "", "cui": "", "cmds": []}
            )
        block = blocks[-1]
        if "UIQ" in sub:
            block["uiq"] = value
        elif "UIA" in sub:
            block["uia"] = value
        elif "CUI" in sub:
            block["cui"] = value
        elif "commands" in sub:
            k = int(sub.rpartition(".")[2])
            block["cmds"].append((k, _unicode_escapes(value)))
        else:
            raise ScriptError(f"{name}: unknown key {key!r}")
    deliveries = []
    for position, block in enumerate(blocks):
        calls, skipped = [], []
        for k, raw in block["cmds"]:
            call = decode_command(raw, k)
            if call is None:
                skipped.append(raw)
            else:
                calls.append(call)
        deliveries.append(
            Delivery(
                position=position,
                activity=block["match"].group("act"),
                delivery=int(block["match"].group("v")),
                calls=tuple(calls),
                ui_questions=_ui_questions(name, block["name"], block["uiq"], block["uia"]),
                action=_tester_action(name, block["name"], block["cui"]),
                skipped=tuple(skipped),
            )
        )
    if "title" not in header:
        raise ScriptError(f"{name}: no title")
    # LMSTestCase.getKey: a missing key reads as "" (CO-13b has no UserInterAct).
    get = lambda key: header.get(key, "")  # noqa: E731
    return Case(
        name=name,
        header=Header(
            title=get("title"),
            user_interaction=get("UserInterAct"),
            start=get("start"),
            purpose=get("purpose"),
            rtd_init=get("RTDInit"),
            seq_info=get("seqInfo"),
            test_type=get("TT"),
            end=get("end"),
        ),
        deliveries=tuple(deliveries),
    )


def parse_case(path: Path | str) -> Case:
    path = Path(path)
    # The suite read the files with the platform charset (Windows): DDM has a cp1252 quote.
    return parse_text(path.stem, path.read_bytes().decode("cp1252"))


def load_all(directory: Path | str = CASES_DIR) -> dict[str, Case]:
    """Every script in ``directory``, by case name, in name order."""
    return {p.stem: parse_case(p) for p in sorted(Path(directory).glob("*.properties"))}


def _element_tokens(op: str, raw_param: str) -> Iterable[tuple[str, str]]:
    """(kind, token) for the pieces of a GET/SET key before its value."""
    if "~" not in raw_param:
        yield "raw_element", raw_param.partition("!")[0] if op == "SET" else raw_param
        return
    parts = java_split(raw_param, "~")
    if op == "SET" and "a~n~r!" in raw_param:
        req, _, tar = parts[2].partition("!")
        yield from (("abbrev", parts[0]), ("abbrev", parts[1]), ("abbrev", req))
        if len(parts) == 5:  # adl.nav.request!{target=X}choice|jump
            yield from (("abbrev", tar), ("target", parts[3]), ("abbrev", parts[4]))
        return
    if op == "SET":
        parts[-1] = parts[-1].partition("!")[0]
    after_tar = False
    for part in parts:
        token = part.partition("!")[0]
        if after_tar:
            yield "target", token
        elif re.fullmatch(r"\d+", token):
            yield "index", token
        elif re.fullmatch(r"&[^&]*&", token):
            yield "placeholder", token
        else:
            yield "abbrev", token
        after_tar = token == "tar"
        if "!" in part and op == "GET":
            yield "abbrev", part.partition("!")[2]  # interaction type for the comparison


# Element pieces that are not Commands.properties keys yet appear in keys: they pass through
# unchanged (LMSMessages returns the key itself), which is what the scripts mean by them.
LITERAL_ELEMENT_TOKENS = frozenset({"id"})


def token_inventory(cases: Mapping[str, Case]) -> dict[str, Counter[str]]:
    """Every distinct token of every script, by kind (for checking that each one is decoded)."""
    inv: dict[str, Counter[str]] = {
        k: Counter()
        for k in (
            "op",
            "abbrev",
            "literal",
            "index",
            "placeholder",
            "target",
            "raw_element",
            "set_value_abbrev",
            "expected_abbrev",
            "error",
            "check",
            "ui_question",
            "cui",
            "header",
            "skipped",
        )
    }
    for case in cases.values():
        h = case.header
        for key, val in (
            ("UserInterAct", h.user_interaction),
            ("purpose", h.purpose),
            ("RTDInit", h.rtd_init),
            ("TT", h.test_type),
            ("end", h.end),
        ):
            for token in filter(None, val.split("~")):
                inv["header"][f"{key}={token}"] += 1
        for d in case.deliveries:
            for q in d.ui_questions:
                inv["ui_question"][q.key] += 1
            if d.action:
                inv["cui"][d.action.key] += 1
            for raw in d.skipped:
                inv["skipped"][raw[:60]] += 1
            for call in d.calls:
                parts = java_split(call.raw, "->")
                inv["op"][call.op] += 1
                inv["check"][call.check] += 1
                inv["error"][call.expected_error] += 1
                if call.op in ("GET", "SET"):
                    for kind, token in _element_tokens(call.op, parts[1]):
                        if kind == "abbrev" and token not in COMMANDS:
                            kind = "literal"
                        inv[kind][token] += 1
                if call.op == "SET":
                    last = java_split(parts[1], "~")[-1]
                    if "a~n~r!" not in parts[1] and "!" in last:
                        val = last.partition("!")[2]
                        if val in COMMANDS:
                            inv["set_value_abbrev"][val] += 1
                for token in parts[2:-1]:
                    if token in COMMANDS:
                        inv["expected_abbrev"][token] += 1
    return inv


def unknown_tokens(inv: Mapping[str, Counter[str]]) -> dict[str, list[str]]:
    """Tokens the decoder cannot account for; empty when every script is fully decoded."""
    unknown: dict[str, list[str]] = {}
    checks = {
        "op": lambda t: t in API_METHODS,
        "literal": lambda t: t in LITERAL_ELEMENT_TOKENS,
        "raw_element": lambda t: t in ("", "cmi", "illegal") or t.isdigit(),
        "error": lambda t: t == "" or t.isdigit(),
        "check": lambda t: t in CHECKS,
        "ui_question": lambda t: t in UI_QUESTIONS,
        "cui": lambda t: t in _ACTIONS,
        "header": lambda t: t.partition("=")[2] in INSTRUCTIONS,
    }
    for kind, accept in checks.items():
        bad = sorted(t for t in inv[kind] if not accept(t))
        if bad:
            unknown[kind] = bad
    return unknown
