"""The decoder reads all 188 ADL LMS test scripts and accounts for every token in them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conformance.adl_cases import (
    CASES_DIR,
    CHECKS,
    ROOT,
    Call,
    ScriptError,
    decode_command,
    load_all,
    manifest_items,
    parse_text,
    token_inventory,
    unknown_tokens,
)

pytestmark = pytest.mark.skipif(not CASES_DIR.is_dir(), reason="ADL scripts not checked out")


@pytest.fixture(scope="module")
def cases():
    return load_all()


def test_all_scripts_parse(cases):
    assert len(cases) == 188
    assert sum(len(c.deliveries) for c in cases.values()) == 842
    assert sum(len(d.calls) for c in cases.values() for d in c.deliveries) == 11869
    assert all(c.deliveries for c in cases.values())
    assert all(c.header.title == name for name, c in cases.items())


def test_every_token_is_decoded(cases):
    inv = token_inventory(cases)
    assert unknown_tokens(inv) == {}
    assert set(inv["check"]) <= set(CHECKS)
    assert set(inv["op"]) == {"I", "C", "GET", "SET", "GES", "GLE", "GeDi", "COI"}


def test_only_one_command_is_ignored_as_adl_ignores_it(cases):
    # DMI's Act3V2.commands.47 has no "GET->" in front: LMSParser matches no op and drops it.
    skipped = [
        (n, d.block, raw[:24]) for n, c in cases.items() for d in c.deliveries for raw in d.skipped
    ]
    assert skipped == [("DMI", "Act3V2", "c~INTR~6~CR~0~P!TY.m->a[")]


def test_every_delivered_activity_is_an_item_of_the_case_manifests(cases):
    for name, case in cases.items():
        items = [item for path in case.manifests for item in manifest_items(path)]
        assert {item.tc for item in items if item.tc} == {name}
        assert {d.activity for d in case.deliveries} <= {item.act for item in items}


def test_cm01_decodes_exactly(cases):
    case = cases["CM-01"]
    assert case.header.start_choice is None
    assert case.header.automatic
    assert case.header.asks_ui_questions
    assert [d.block for d in case.deliveries] == [
        "Act1V1", "Act2V1", "Act3V1", "Act2V2", "Act3V2", "Act2V3", "Act1V2",
    ]  # fmt: skip
    first = case.deliveries[0]
    assert [(q.key, q.subject, q.expected) for q in first.ui_questions] == [
        ("continue.disabled", None, True),
        ("previous.enabled", None, False),
        ("toc.enabled.selectable", "Activity 2", False),
    ]
    assert first.calls == (
        Call(0, "I->->t->0", "I", "Initialize", "", None, "true", "0", "exact"),
        Call(
            1,
            "GET->c~MAXTA->P5Y6M4DT12H30M58S->0",
            "GET",
            "GetValue",
            "cmi.max_time_allowed",
            None,
            "P5Y6M4DT12H30M58S",
            "0",
            "typed",
            value_type="duration",
        ),
        Call(2, "SET->a~n~r!N.c->t->0", "SET", "SetValue", "adl.nav.request", "continue", "true", "0", "exact"),
        Call(3, "SET->c~X!M.n->t->0", "SET", "SetValue", "cmi.exit", "normal", "true", "0", "exact"),
    )  # fmt: skip
    act3 = case.deliveries[2]
    assert [(c.element, c.value, c.expected) for c in act3.calls[1:4]] == [
        ("cmi.max_time_allowed", None, "P5Y6M4DT12H30M58.55S"),
        ("cmi.scaled_passing_score", None, "0.7"),
        ("adl.nav.request", "previous", "true"),
    ]
    last = case.deliveries[-1]
    assert last.action is not None
    assert (last.action.navigation, last.action.session_ends) == ("exit", True)
    assert all(d.action is None for d in case.deliveries[:-1])


def test_api_case_decodes_error_calls(cases):
    calls = {c.index: c for c in cases["API"].deliveries[2].calls}
    assert (calls[0].method, calls[0].expected, calls[0].check) == ("GetLastError", "0", "exact")
    assert (calls[1].method, calls[1].element, calls[1].check) == ("GetErrorString", "0", "less255")
    assert (calls[12].check, calls[12].expected_error) == ("empty", "201")
    assert (calls[27].method, calls[27].check) == ("GetDiagnostic", "diagnostic")
    assert (calls[6].element, calls[6].value, calls[6].expected, calls[6].expected_error) == (
        "cmi.location", "test", "false", "132",
    )  # fmt: skip
    assert (calls[8].method, calls[8].element, calls[8].expected_error) == (
        "Initialize",
        "illegal",
        "201",
    )
    assert (calls[16].element, calls[16].value, calls[16].expected_error) == ("", "test", "351")
    assert (calls[18].method, calls[18].element, calls[18].expected_error) == (
        "GetValue",
        "",
        "301",
    )
    assert (calls[20].method, calls[20].element, calls[20].expected) == (
        "Commit",
        "illegal",
        "false",
    )
    assert cases["API"].deliveries[0].action.target == "API Implementation Test 1"


@pytest.mark.parametrize(
    ("raw", "element", "value", "expected", "check"),
    [
        ("SET->a~n~r!tar~activity_2~TY.c->t->0", "adl.nav.request", "{target=activity_2}choice", "true", "exact"),
        ("SET->a~n~r!tar~activity_12~N.j->t->0", "adl.nav.request", "{target=activity_12}jump", "true", "exact"),
        ("GET->a~n~rv~TY.c~tar~activity_2->t->0", "adl.nav.request_valid.choice.{target=activity_2}", None, "true", "nav_valid_any"),
        ("GET->a~n~rv~N.c->t->0", "adl.nav.request_valid.continue", None, "true", "nav_valid_any_error"),
        ("SET->c~OB~&obj1&~S~SCA!0.5->t->0", "cmi.objectives.&obj1&.score.scaled", "0.5", "true", "exact"),
        ("GET->c~OB~&obj1&~id->->0", "cmi.objectives.&obj1&.id", None, "", "objective_id"),
        ("SET->c~OB~0~ID!obj1->t->0", "cmi.objectives.0.id", "obj1", "true", "exact"),
        ("SET->c~INTR~0~CR~0~P!b->t->0", "cmi.interactions.0.correct_responses.0.pattern", "b", "true", "exact"),
        ("SET->c~LOC!a->t->0", "cmi.location", "adl", "true", "exact"),  # every value is looked up
        ("SET->c~INTR~2~D!Hi!->f->351", "cmi.interactions.2.description", "Hi!", "false", "exact"),
        ("GET->c~INTR~0~CR~0~P!TY.c->b->0", "cmi.interactions.0.correct_responses.0.pattern", None, "b", "typed"),
        ("SET->cmi!illegal->f->401", "cmi", "illegal", "false", "exact"),
        ("GET->c~LN->->0", "cmi.learner_name", None, "", "learner_name"),
        ("GET->c~LI->m->0", "cmi.learner_id", None, "", "typed"),  # expected: the session's learner
        ("GET->c~OB~CNT->2->0", "cmi.objectives._count", None, "2", "exact"),
        ("GET->c~OB~CHIL->id,score->0", "cmi.objectives._children", None, "id,score", "typed"),
        ("GET->c~LOC->->403", "cmi.location", None, "", "typed_if_brace"),
        ("GET->c~CFLMS~0~COM->->403", "cmi.comments_from_lms.0.comment", None, "", "comments_from_lms"),
        ("GET->c~X->es->0", "cmi.exit", None, "es", "typed"),  # LMSParser keeps "es" literal in GETs
        ("SET->c~LOC!es->t->0", "cmi.location", "", "true", "exact"),  # ...but not in SETs
        ("COI->PRIMARYOBJ,obj1", "PRIMARYOBJ,obj1", None, "", "objective_ids"),
    ],
)  # fmt: skip
def test_decode_command(raw, element, value, expected, check):
    call = decode_command(raw)
    assert call is not None
    assert (call.element, call.value, call.expected, call.check) == (
        element,
        value,
        expected,
        check,
    )


def test_interaction_type_is_kept_for_the_comparison():
    call = decode_command("GET->c~INTR~0~CR~0~P!TY.m->a[.]b->0")
    assert (call.value_type, call.interaction_type) == ("pattern", "matching")


def test_value_with_arrow_is_cut_as_adl_cuts_it(cases):
    # A SetValue value holding "->" loses its tail: String.split("->") broke the key there.
    call = next(c for c in cases["DDM"].deliveries[0].calls if c.index == 3)
    assert call.value.endswith("06-Nov-08.09:28:22")
    assert (call.expected, call.expected_error) == ("true", "0")


def test_delivery_order_is_file_order_and_v_is_not_a_counter(cases):
    assert [d.block for d in cases["CM-09aa"].deliveries] == [
        "Act1V1",
        "Act2V1",
        "Act1V1",
        "Act3V1",
    ]
    assert [d.block for d in cases["DDM"].deliveries][:6] == [
        "Act1aV1", "Act2aV1", "Act1bV1", "Act2bV1", "Act1aV2", "Act2aV3",
    ]  # fmt: skip
    irregular = []
    for name, case in cases.items():
        seen: dict[str, int] = {}
        for d in case.deliveries:
            seen[d.activity] = seen.get(d.activity, 0) + 1
            if seen[d.activity] != d.delivery:
                irregular.append(name)
                break
    assert irregular == ["CM-09aa", "DDM"]


def test_tester_actions(cases):
    actions = {(n, d.block): d.action for n, c in cases.items() for d in c.deliveries if d.action}
    choice = actions[
        ("CM-04b", next(b for (n, b), a in actions.items() if n == "CM-04b" and a.target == ROOT))
    ]
    assert choice.navigation == "choice"
    suspend = next(a for a in actions.values() if a.key == "SuspendCM09ca")
    assert (suspend.navigation, suspend.then, suspend.package) == (
        "suspendAll",
        "relaunch",
        "CM-09ca",
    )
    ddm = next(a for a in actions.values() if a.raw == "exitlaunch~DDMb")
    assert (ddm.navigation, ddm.then, ddm.package) == ("exit", "launch", "DDMb")
    cm10 = next(a for a in actions.values() if a.key == "RelaunchCM10")
    assert (cm10.navigation, cm10.package, cm10.then_choose) == ("none", "CM-10", "Activity 4")


def test_sco_json_round_trips(cases):
    doc = json.loads(json.dumps(cases["CM-01"].sco_json("n0nce")))
    assert doc["case"] == "CM-01"
    assert doc["nonce"] == "n0nce"
    assert doc["deliveries"][0]["calls"][2] == {
        "k": 2,
        "method": "SetValue",
        "element": "adl.nav.request",
        "value": "continue",
        "expected": "true",
        "error": "0",
        "check": "exact",
    }
    assert doc["deliveries"][0]["ui"][2] == {
        "key": "toc.enabled.selectable",
        "subject": "Activity 2",
        "expected": False,
    }


def test_continuation_lines_and_unicode_escapes():
    text = "title=X\nstart=.\nAct1V1.commands.0=SET->c~SD!a\\\n  b\\u0021->t->0\n"
    case = parse_text("X", text)
    assert case.deliveries[0].calls[0].value == "a  b!"
    assert case.header.user_interaction == ""  # a missing header key reads as ""


def test_ui_answers_must_match_questions():
    with pytest.raises(ScriptError):
        parse_text("X", "title=X\nAct1V1.UIQ=toc.enabled~continue.enabled\nAct1V1.UIA=Y\n")


SCO_DIR = Path(__file__).parent / "adl_sco"


def test_sco_knows_every_sco_page_of_the_test_packages(cases):
    # The SCO picks ADL's end-of-test behaviour from its file name; other pages run the default.
    variants = set(re.findall(r'"([a-z0-9_]+\.htm)": \{', (SCO_DIR / "adl_sco.js").read_text()))
    pages = {
        Path(item.href).name.lower()
        for case in cases.values()
        for path in case.manifests
        for item in manifest_items(path)
        if item.href
    }
    special = {
        p
        for p in pages
        if not re.fullmatch(r"(apirtetest|dmbehaviortest|dmimplementationtest)\d\.htm", p)
    }
    assert special <= variants


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_sco_script_is_valid_javascript():
    subprocess.run(["node", "--check", str(SCO_DIR / "adl_sco.js")], check=True, timeout=60)  # noqa: S603, S607
