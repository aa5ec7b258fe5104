"""The local player's run-time data moved from ``Attempt.cmi`` to one row per activity."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("enrollments", "0002_attempt_remote_revision"), ("playback", "0001_initial")]
AFTER = [
    ("enrollments", "0003_remove_attempt_cmi"),
    ("playback", "0002_move_runtime_data_and_dispatches"),
]


def _attempt(apps, standard: str, **fields) -> uuid.UUID:
    """An attempt of a local package, in the models as they were (``apps``)."""
    user = apps.get_model("auth", "User").objects.create(username="lea")
    course = apps.get_model("courses", "Course").objects.create(title="C", slug="c")
    package = apps.get_model("courses", "Package").objects.create(
        course=course, version=1, provider="local", sha256="a" * 64, size=1, standard=standard
    )
    learner = apps.get_model("enrollments", "Learner").objects.create(user=user)
    enrollment = apps.get_model("enrollments", "Enrollment").objects.create(
        learner=learner, course=course
    )
    attempt_id = uuid.uuid4()
    apps.get_model("enrollments", "Attempt").objects.create(
        id=attempt_id, enrollment=enrollment, package=package, number=1, provider="local", **fields
    )
    return attempt_id


@pytest.mark.django_db(transaction=True)
def test_attempt_cmi_becomes_one_row_per_activity():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    attempt_id = _attempt(
        apps,
        "scorm12",
        cmi={
            "scos": {
                "sco1": {"cmi.core.lesson_status": "passed"},
                "sco2": {"cmi.core.lesson_location": "p3"},
            },
            "time": {"sco1": {"prior": 5, "session": 3, "launch": 2}},
            "current": "sco1",
        },
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps

    rows = apps.get_model("playback", "ActivityState").objects.order_by("activity")
    assert [
        (r.activity, r.cmi, r.seconds_before, r.seconds_session, r.session_launch) for r in rows
    ] == [
        ("sco1", {"cmi.core.lesson_status": "passed"}, 5.0, 3.0, 2),
        ("sco2", {"cmi.core.lesson_location": "p3"}, 0.0, 0.0, 0),
    ]
    assert all(str(r.attempt_id) == str(attempt_id) for r in rows)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as found


def _compression(table: str, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attcompression FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attname = %s",
            [table, column],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_run_times_big_values_are_compressed_with_lz4_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("TOAST compression: PostgreSQL's")
    columns = [
        ("playback_activitystate", "cmi"),
        ("playback_attemptruntime", "sequencing"),
        ("playback_activitystate", "suspend_data"),
        ("playback_activitystate", "collections"),
    ]
    assert [_compression(*column) for column in columns] == ["l"] * 4  # lz4
    executor = MigrationExecutor(connection)
    executor.migrate([("playback", "0003_local_runtime")])
    later = columns[2:]
    columns = columns[:2]  # the later ones gone with their migrations
    assert [_compression(*column) for column in columns] == ["p", "p"]  # pglz
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    columns += later
    assert [_compression(*column) for column in columns] == ["l"] * 4


def _playback_at(name: str) -> list[tuple[str, str]]:
    """A migration target: the other apps at their latest, playback at ``name``."""
    executor = MigrationExecutor(connection)
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "playback"]
    return [*others, ("playback", name)]


def _migrate(target: list[tuple[str, str]] | None = None):
    """Migrate to ``target`` (the latest when None); the models as they are then."""
    executor = MigrationExecutor(connection)
    target = target or executor.loader.graph.leaf_nodes()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def _stored_at(name: str, documents: dict[str, dict], **fields) -> list[tuple[str, str]]:
    """Playback migrated to ``name`` and an attempt's activities stored with these CMI
    documents (and ``fields``) in the models as they were then; returns that target."""
    target = _playback_at(name)
    apps = _migrate(target)
    attempt_id = _attempt(apps, "scorm2004")
    for activity, cmi in documents.items():
        apps.get_model("playback", "ActivityState").objects.create(
            attempt_id=attempt_id, activity=activity, cmi=cmi, **fields
        )
    return target


def _states(target: list[tuple[str, str]]):
    """The activities' rows, by activity, once migrated to ``target``."""
    states = _migrate(target).get_model("playback", "ActivityState")
    return list(states.objects.order_by("activity"))


@pytest.mark.django_db(transaction=True)
def test_suspend_data_moves_out_of_the_cmi_document_and_back():
    documents = {
        "saved": {"cmi.location": "p2", "cmi.suspend_data": "s" * 64_000},
        "emptied": {"cmi.suspend_data": ""},
        "never": {"cmi.location": "p1"},
    }
    before = _stored_at("0004_run_time_data_compressed_with_lz4", documents)

    rows = _states(_playback_at("0005_suspend_data_apart"))
    assert [(r.activity, r.cmi, r.suspend_data) for r in rows] == [
        ("emptied", {}, ""),
        ("never", {"cmi.location": "p1"}, None),
        ("saved", {"cmi.location": "p2"}, "s" * 64_000),
    ]

    assert {r.activity: r.cmi for r in _states(before)} == documents
    _migrate()  # leave the database as found


@pytest.mark.django_db(transaction=True)
def test_the_collections_elements_move_out_of_the_cmi_document_and_back():
    interactions = {
        "cmi.interactions.0.id": "q1",
        "cmi.interactions.0.result": "correct",
        "cmi.interactions.10.correct_responses.0.pattern": "a",
        "cmi.objectives.0.score.scaled": "0.5",
        "cmi.comments_from_learner.0.comment": "hard",
        "adl.data.1.store": "x",
        "cmi.interactions.1.weighting": 1.5,
        "cmi.interactions.1.correct": True,  # any JSON value keeps its type
    }
    single = {"cmi.location": "p2", "cmi.score.scaled": "0.9", "cmi.interactions._count": "2"}
    documents = {"both": {**single, **interactions}, "single": single, "empty": {}}
    before = _stored_at("0005_suspend_data_apart", documents, suspend_data="s")

    rows = _states(_playback_at("0006_cmi_collections_apart"))
    assert [(r.activity, r.cmi, r.collections, r.suspend_data) for r in rows] == [
        ("both", single, interactions, "s"),
        ("empty", {}, {}, "s"),
        ("single", single, {}, "s"),
    ]

    assert {r.activity: r.cmi for r in _states(before)} == documents
    _migrate()
