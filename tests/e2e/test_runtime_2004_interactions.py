"""The local player's rules for cmi.interactions (playback/static/playback/interactions-2004.js,
applied by runtime-2004.js's dataModelRules), each pinned in a blank page: no server, no
database, no ADL content.

The rules are the RTE book's (4.2.9: learner_response formats in 4.2.9.2, correct response
patterns in 4.2.9.1) where scorm-again 3.4.3 departs from it, as ADL's LMS conformance case DMI
shows (tests/e2e/test_adl_conformance.py plays it when ADL's content is present). The run-time
is the player's own ``LmsPlayer.Runtime2004`` on scorm-again's bundle, on a two-activity package
through the real intake, and the SCO is played by calls on its API.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.runtime_2004 import leaf, manifest, settle, start_runtime

FLOW = '<imsss:controlMode choice="false" flow="true"/>'


# The player's surroundings, as launcher.js gives them: each activity's data is what its last
# commit held, as the LMS would store and give it back.
ENV_JS = """
window.stored = {};
window.startRuntime = function (config) {
  var keep = function (entry) { window.stored[entry.activity] = entry.cmi; };
  var env = {
    queue: { flushed: function () { return Promise.resolve(); }, commit: keep, beacon: keep },
    ui: { render: function () {} },
    frame: { show: function () {}, unload: function (done) { done(); }, discard: function () {} },
    say: function () {},
    post: function (what, body) {
      return Promise.resolve({ data: JSON.parse(JSON.stringify(window.stored[body.activity] || {})) });
    },
    contentUrl: function (href) { return href; },
    exit: function () {}
  };
  window.runtime = new LmsPlayer.Runtime2004(config, env);
  window.runtime.start();
};
// API calls: [element] is a GetValue, [element, value] a SetValue, ["Initialize"] and
// ["Terminate"] themselves; each answers "<returned> (<error code>)".
window.play = function (calls) {
  var api = window.API_1484_11;
  return calls.map(function (call) {
    var answer =
      call[0] === "Initialize" || call[0] === "Terminate"
        ? api[call[0]]("")
        : call.length === 1 ? api.GetValue(call[0]) : api.SetValue(call[0], call[1]);
    return answer + " (" + api.GetLastError() + ")";
  });
};
"""


class Sco:
    """The player's run-time in ``page``, its first activity delivered and initialised."""

    def __init__(self, page: Page, *, data: str = "") -> None:
        self.page = page
        package = manifest(leaf("a1", extra=data) + leaf("a2", extra=data), sequencing=FLOW)
        start_runtime(page, package, ENV_JS)
        assert self.calls(("Initialize",)) == ["true (0)"]

    def settle(self) -> None:
        settle(self.page)

    def calls(self, *calls: tuple[str, ...]) -> list[str]:
        return self.page.evaluate("(calls) => play(calls)", calls)

    def set(self, element: str, value: str) -> str:
        return self.calls((element, value))[0]

    def get(self, element: str) -> str:
        return self.calls((element,))[0]

    def interaction(self, kind: str, n: int = 0) -> None:
        """Interaction n made, of type ``kind``."""
        made = self.calls(
            (f"cmi.interactions.{n}.id", f"q{n}"), (f"cmi.interactions.{n}.type", kind)
        )
        assert made == ["true (0)", "true (0)"]

    def leave_and_come_back(self) -> None:
        """Terminate with a continue and a previous: the activity is delivered again with what
        its commit held."""
        self.calls(("adl.nav.request", "continue"), ("Terminate",))
        self.settle()
        self.calls(("Initialize",), ("adl.nav.request", "previous"), ("Terminate",))
        self.settle()
        assert self.calls(("Initialize",)) == ["true (0)"]


# Per interaction type (RTE 4.2.9.1 and 4.2.9.2): a learner_response and a correct response
# pattern that are valid, and ones that are not (406).
FORMATS = [
    # type, valid response, invalid response, valid pattern, invalid pattern
    ("true-false", "true", "yes", "false", "true[,]false"),
    # a set of short_identifier_types, each once; "" is the empty set
    ("choice", "a[,]b[,]urn:x:c", "a[,]b[,]a", "", "a[,][,]b"),
    # match_texts, each with its language if any; the pattern's delimiters first, booleans
    (
        "fill-in",
        "{lang=fr}Paris[,]{}{[]}",
        "{lang=sp}Madrid",
        "{order_matters=false}{case_matters=true}{lang=en-US}Paris[,]{case_matters=x}",
        "{case_matters=yes}Paris",
    ),
    # one localized string; its pattern may say case_matters
    ("long-fill-in", "", "{lang=xx-YY}text", "{case_matters=true}{lang=eng}Text", "{lang=}x"),
    # one short_identifier_type: no space, no brace, no bracket
    ("likert", "strongly_agree", "strongly agree", "agree", "{agree}"),
    # source[.]target pairs of short_identifier_types
    ("matching", "1[.]a[,]2[.]b[,]2[.]b", "1[.]a[,]2", "1[.]a", "1[.]a[.]b"),
    # step_name[.]step_answer records, one side possibly empty; a pattern's answer may be a range
    (
        "performance",
        "s1[.]an answer, typed[,][.]42",
        "[.]",
        "{order_matters=false}s1[.]1.5[:]2[,]s2[.]",
        "s1[.]5[:]1",
    ),
    # an array of short_identifier_types, repeats allowed, at least one
    ("sequencing", "c[,]a[,]b[,]a", "[,]a", "a[,]b[,]c", ""),
    # a real; a pattern is a range <min>[:]<max>, or one real (content writes it so)
    ("numeric", "-3.25", "1,000", "[:]10", "10[:]2"),
    ("numeric", "0", "", "1", "1[:]2[:]3"),
    # any characterstring: none invalid, and one correct response (351 for a second)
    ("other", "{}{[]} anything [,] goes", None, "[.]", None),
]


@pytest.mark.parametrize(
    ("kind", "response", "bad_response", "pattern", "bad_pattern"),
    FORMATS,
    ids=[row[0] for row in FORMATS],
)
def test_responses_and_patterns_follow_their_interaction_type(
    page: Page,
    kind: str,
    response: str,
    bad_response: str | None,
    pattern: str,
    bad_pattern: str | None,
):
    """RTE 4.2.9.2 and 4.2.9.1: what a learner_response and a pattern of each interaction type
    are; a refused value leaves the one before."""
    sco = Sco(page)
    sco.interaction(kind)
    element = "cmi.interactions.0.learner_response"
    assert sco.set(element, response) == "true (0)"
    assert sco.get(element) == f"{response} (0)"
    if bad_response is not None:
        assert sco.set(element, bad_response) == "false (406)"
        assert sco.get(element) == f"{response} (0)"
    element = "cmi.interactions.0.correct_responses.0.pattern"
    assert sco.set(element, pattern) == "true (0)"
    assert sco.get(element) == f"{pattern} (0)"
    if bad_pattern is not None:
        assert sco.set(element, bad_pattern) == "false (406)"
        assert sco.get(element) == f"{pattern} (0)"
    assert sco.get("cmi.interactions.0.correct_responses._count") == "1 (0)"


@pytest.mark.parametrize("kind", ["true-false", "likert", "numeric", "other"])
def test_a_type_with_one_correct_response_refuses_a_second(page: Page, kind: str):
    """RTE 4.2.9.1: these types have one correct response; another is 351."""
    sco = Sco(page)
    sco.interaction(kind)
    pattern = {row[0]: row[3] for row in FORMATS}[kind]
    assert sco.set("cmi.interactions.0.correct_responses.0.pattern", pattern) == "true (0)"
    assert sco.set("cmi.interactions.0.correct_responses.1.pattern", pattern) == "false (351)"
    assert sco.get("cmi.interactions.0.correct_responses._count") == "1 (0)"


def test_a_choices_correct_responses_are_different_sets(page: Page):
    """ADL DMI: a choice's correct response that is already there, in any order, is 351; so is
    one beyond _count."""
    sco = Sco(page)
    sco.interaction("choice")
    assert sco.calls(
        ("cmi.interactions.0.correct_responses.0.pattern", "a[,]b"),
        ("cmi.interactions.0.correct_responses.1.pattern", "b[,]a"),
        ("cmi.interactions.0.correct_responses.1.pattern", "b[,]c"),
        ("cmi.interactions.0.correct_responses.2.pattern", "a"),
        ("cmi.interactions.0.correct_responses.4.pattern", "c"),
    ) == ["true (0)", "false (351)", "true (0)", "true (0)", "false (351)"]


def test_responses_and_patterns_wait_for_the_interactions_type(page: Page):
    """RTE 4.2.9: without a type, a response has no format: 408 (3.4.3's own)."""
    sco = Sco(page)
    assert sco.calls(
        ("cmi.interactions.0.id", "q0"),
        ("cmi.interactions.0.learner_response", "true"),
        ("cmi.interactions.0.correct_responses.0.pattern", "true"),
        ("cmi.interactions.0.correct_responses._count",),
    ) == ["true (0)", "false (408)", "false (408)", "0 (0)"]


def test_an_interactions_elements_wait_for_its_id(page: Page):
    """RTE 4.2.9: nothing of interaction n is set before its id (408), and no interaction is
    made by trying; one beyond _count is 351."""
    sco = Sco(page)
    assert sco.calls(
        ("cmi.interactions.0.objectives.0.id", "obj"),
        ("cmi.interactions.0.result", "correct"),
        ("cmi.interactions.0.description", "Question"),
        ("cmi.interactions._count",),
        ("cmi.interactions.1.id", "q1"),
        ("cmi.interactions.0.id", "q0"),
        ("cmi.interactions.0.result", "correct"),
    ) == [
        "false (408)",
        "false (408)",
        "false (408)",
        "0 (0)",
        "false (351)",
        "true (0)",
        "true (0)",
    ]


def test_an_index_with_a_leading_zero_is_no_index(page: Page):
    """ADL DMI: "cmi.interactions.01" is not interaction 1 (nor 0): 351, even where interaction
    0 is still to be made (where its elements would be 408)."""
    sco = Sco(page)
    assert sco.calls(
        ("cmi.interactions.01.id", "q1"),
        ("cmi.interactions.01.timestamp", "2003-07-25T03:00:00"),
        ("cmi.interactions._count",),
        ("cmi.interactions.0.id", "q0"),
        ("cmi.interactions.0.type", "choice"),
        ("cmi.interactions.0.correct_responses.00.pattern", "a"),
        ("cmi.interactions.0.objectives.00.id", "obj"),
    ) == [
        "false (351)",
        "false (351)",
        "0 (0)",
        "true (0)",
        "true (0)",
        "false (351)",
        "false (351)",
    ]


def test_an_interactions_id_may_change_but_its_objectives_ids_stay_distinct(page: Page):
    """ADL DMI: an interaction's id set again is its new id, and interactions may share one (a
    journal); within one interaction, an objective id already there is 351 (3.4.3's own)."""
    sco = Sco(page)
    sco.interaction("choice")
    sco.interaction("choice", 1)
    assert sco.calls(
        ("cmi.interactions.0.id", "renamed"),
        ("cmi.interactions.0.id",),
        ("cmi.interactions.1.id", "renamed"),
        ("cmi.interactions.0.id", "urn:adl:lms test"),
        ("cmi.interactions.0.id",),
        ("cmi.interactions.0.objectives.0.id", "o1"),
        ("cmi.interactions.0.objectives.1.id", "o2"),
        ("cmi.interactions.0.objectives.1.id", "o1"),
        ("cmi.interactions.0.objectives.1.id",),
    ) == [
        "true (0)",
        "renamed (0)",
        "true (0)",
        "false (406)",
        "renamed (0)",
        "true (0)",
        "true (0)",
        "false (351)",
        "o2 (0)",
    ]


def test_responses_and_patterns_come_back_as_they_were_set(page: Page):
    """What the LMS stored comes back on the next delivery, also the values 3.4.3's own checks
    refuse (a fill-in's text that looks like a delimiter, a matching's pair given twice, a
    sequence that repeats an item), one of which would otherwise stop its whole load."""
    sco = Sco(page)
    for n, kind in enumerate(["long-fill-in", "fill-in", "matching", "sequencing"]):
        sco.interaction(kind, n)
    values = {
        "cmi.interactions.0.learner_response": "{lang=en}Some words",
        "cmi.interactions.0.correct_responses.0.pattern": "",
        "cmi.interactions.0.correct_responses.1.pattern": "{case_matters=true}Words",
        "cmi.interactions.1.correct_responses.0.pattern": "{lang=en}{case_matters=x}Paris",
        "cmi.interactions.2.correct_responses.0.pattern": "1[.]a[,]1[.]a",
        "cmi.interactions.3.learner_response": "a[,]b[,]a",
        "cmi.interactions.3.correct_responses.0.pattern": "a[,]b[,]a",
    }
    assert sco.calls(*values.items()) == ["true (0)"] * len(values)
    sco.calls(("cmi.exit", "suspend"))
    sco.leave_and_come_back()
    assert sco.calls(*((element,) for element in values)) == [f"{v} (0)" for v in values.values()]
    assert sco.get("cmi.interactions.0.correct_responses._count") == "2 (0)"


# The other data-model rules ADL's DMI case checks after its interactions (runtime-2004.js,
# dataModelRules).


def test_a_learner_preference_may_be_no_language_and_a_speed_of_0(page: Page):
    """RTE 4.2.13: cmi.learner_preference.language may be "" (no preference) and
    delivery_speed is a real of range 0..*, so 0 and not -1."""
    sco = Sco(page)
    assert sco.calls(
        ("cmi.learner_preference.language", ""),
        ("cmi.learner_preference.language",),
        ("cmi.learner_preference.delivery_speed", "0.0"),
        ("cmi.learner_preference.delivery_speed",),
        ("cmi.learner_preference.delivery_speed", "-1.0"),
    ) == ["true (0)", " (0)", "true (0)", "0.0 (0)", "false (407)"]


def test_the_shared_data_stores_are_the_manifests(page: Page):
    """ADL DMI: a SCO adds no adl.data store (351), reads none beyond _count (301), and one it
    wrote empty holds nothing (403)."""
    sco = Sco(page, data='<adlcp:data><adlcp:map targetID="store"/></adlcp:data>')
    assert sco.calls(
        ("adl.data._count",),
        ("adl.data.1.store", "more"),
        ("adl.data.1.store",),
        ("adl.data._count",),
        ("adl.data.0.store", "kept"),
        ("adl.data.0.store",),
        ("adl.data.0.store", ""),
        ("adl.data.0.store",),
    ) == ["1 (0)", "false (351)", " (301)", "1 (0)", "true (0)", "kept (0)", "true (0)", " (403)"]
