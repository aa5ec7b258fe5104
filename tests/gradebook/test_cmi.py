"""The CMI reader: SCORM 1.2 and 2004, indexed objects and childArray lists, junk."""

from __future__ import annotations

import pytest

from gradebook.cmi import interactions_from_cmi, objectives_from_cmi, sco_reports

SCORM_2004_INDEXED = {
    "completion_status": "completed",
    "interactions": {
        "_count": 2,
        "1": {
            "id": "q2",
            "type": "fill-in",
            "description": "Name the extinguisher for electrical fires",
            "learner_response": "water",
            "correct_responses": {"0": {"pattern": "CO2"}},
            "result": "incorrect",
            "timestamp": "2025-03-01T10:02:00Z",
        },
        "0": {
            "id": "q1",
            "type": "choice",
            "description": "Which exits may be used?",
            "learner_response": "a[,]c",
            "correct_responses": {"0": {"pattern": "a[,]c"}, "1": {"pattern": "c[,]a"}},
            "result": "correct",
            "latency": "PT12S",
            "weighting": 1.0,
        },
    },
    "objectives": {
        "0": {
            "id": "obj-exits",
            "success_status": "passed",
            "completion_status": "completed",
            "score": {"scaled": 0.75, "raw": 3, "max": 4},
            "description": "Know the exits",
        },
        "1": {
            "id": "obj-kit",
            "success_status": "unknown",
            "completion_status": "incomplete",
            "score": {},
        },
    },
}

SCORM_2004_CHILD_ARRAY = {
    "interactions": {
        "childArray": [
            {
                "id": "q1",
                "type": "true-false",
                "learner_response": "true",
                "correct_responses": {"childArray": [{"pattern": "true"}]},
                "result": "correct",
            },
            "not an interaction",
        ]
    },
    "objectives": {
        "childArray": [{"id": "o1", "success_status": "failed", "score": {"scaled": "0.2"}}]
    },
}

SCORM_12_INDEXED = {
    "core": {"lesson_status": "passed", "score": {"raw": "80"}},
    "interactions": {
        "0": {
            "id": "q1",
            "type": "choice",
            "student_response": "b",
            "correct_responses": {"0": {"pattern": "b"}},
            "result": "correct",
            "time": "10:02:03",
        },
        "1": {"id": "q2", "type": "numeric", "student_response": "7", "result": "wrong"},
    },
    "objectives": {"0": {"id": "o1", "status": "passed", "score": {"raw": "8", "max": "10"}}},
}

SCORM_12_CHILD_ARRAY = {
    "interactions": {"childArray": [{"id": "q1", "student_response": "a", "result": "neutral"}]},
    "objectives": {"childArray": [{"id": "o1", "status": "incomplete", "score": {"raw": "4"}}]},
}


def test_2004_indexed_interactions_in_index_order():
    interactions = interactions_from_cmi(SCORM_2004_INDEXED)

    assert [i.id for i in interactions] == ["q1", "q2"]
    first, second = interactions
    assert first.description == "Which exits may be used?"
    assert first.type == "choice"
    assert first.learner_response == "a, c"
    assert first.correct_responses == ("a, c", "c, a")
    assert first.result == "correct"
    assert first.is_correct is True
    assert first.weighting == "1"
    assert first.latency == "PT12S"
    assert second.learner_response == "water"
    assert second.correct_responses == ("CO2",)
    assert second.is_correct is False
    assert second.timestamp == "2025-03-01T10:02:00Z"


def test_2004_objectives_prefer_a_known_success_status():
    objectives = objectives_from_cmi(SCORM_2004_INDEXED)

    assert [(o.id, o.status, o.score) for o in objectives] == [
        ("obj-exits", "passed", "75.0%"),
        ("obj-kit", "incomplete", ""),
    ]
    assert objectives[0].description == "Know the exits"


def test_2004_child_arrays():
    (interaction,) = interactions_from_cmi(SCORM_2004_CHILD_ARRAY)
    (objective,) = objectives_from_cmi(SCORM_2004_CHILD_ARRAY)

    assert (interaction.id, interaction.learner_response, interaction.correct_responses) == (
        "q1",
        "true",
        ("true",),
    )
    assert (objective.id, objective.status, objective.score) == ("o1", "failed", "20.0%")


def test_12_indexed_reads_student_response_and_time():
    q1, q2 = interactions_from_cmi(SCORM_12_INDEXED)

    assert (q1.learner_response, q1.correct_responses, q1.timestamp) == ("b", ("b",), "10:02:03")
    assert (q2.learner_response, q2.result, q2.is_correct) == ("7", "wrong", False)
    (objective,) = objectives_from_cmi(SCORM_12_INDEXED)
    assert (objective.status, objective.score) == ("passed", "8 / 10")


def test_12_child_arrays():
    (interaction,) = interactions_from_cmi(SCORM_12_CHILD_ARRAY)
    (objective,) = objectives_from_cmi(SCORM_12_CHILD_ARRAY)

    assert (interaction.learner_response, interaction.is_correct) == ("a", None)
    assert (objective.status, objective.score) == ("incomplete", "4")


def test_cmi_wrapper_key_is_tolerated():
    assert [i.id for i in interactions_from_cmi({"cmi": SCORM_12_INDEXED})] == ["q1", "q2"]


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        42,
        [],
        {},
        {"interactions": "nope", "objectives": 3},
        {"interactions": {"childArray": "nope"}},
        {"interactions": {"x": {"id": "q"}, "0": "not a mapping"}},
        {"interactions": [None, 1, "a"]},
    ],
)
def test_unknown_shapes_read_as_nothing(data):
    assert interactions_from_cmi(data) == []
    assert objectives_from_cmi(data) == []


def test_sco_reports_one_per_sco():
    reports = sco_reports({"sco-1": SCORM_2004_INDEXED, "sco-2": {}})

    assert [r.identifier for r in reports] == ["sco-1", "sco-2"]
    assert len(reports[0].interactions) == 2
    assert len(reports[0].objectives) == 2
    assert reports[1].is_empty


@pytest.mark.parametrize("cmi", [None, {}, {"sco-1": []}, {"sco-1": "x"}, [], "junk"])
def test_sco_reports_of_junk_is_empty(cmi):
    assert sco_reports(cmi) == []


def test_the_local_players_flattened_cmi_is_read():
    from gradebook.cmi import sco_reports

    cmi = {
        "index": {
            "cmi.core.lesson_status": "failed",
            "cmi.interactions.0.id": "q1",
            "cmi.interactions.0.type": "choice",
            "cmi.interactions.0.student_response": "b",
            "cmi.interactions.0.correct_responses.0.pattern": "a",
            "cmi.interactions.0.result": "wrong",
            "cmi.interactions.1.id": "q2",
            "cmi.interactions.1.result": "correct",
            "cmi.objectives.0.id": "quiz",
            "cmi.objectives.0.status": "failed",
        }
    }
    (report,) = sco_reports(cmi)
    assert [
        (i.id, i.learner_response, i.correct_responses, i.result) for i in report.interactions
    ] == [
        ("q1", "b", ("a",), "wrong"),
        ("q2", "", (), "correct"),
    ]
    assert [(o.id, o.status) for o in report.objectives] == [("quiz", "failed")]
