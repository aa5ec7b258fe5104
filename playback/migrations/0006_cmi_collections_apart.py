"""The elements of an activity's CMI collections (``cmi.interactions.n.*``,
``cmi.objectives.n.*``, the comments, ``adl.data.n.*``) move out of its CMI document into a
document of their own, compressed with lz4 like the others (see 0004).

They are most of a document, and each is written once or seldom; every commit that moves the
bookmark, reports a score or a session time merged them again with the rest (with 400 of them,
about 0.13 ms of each such UPDATE on PostgreSQL).

PostgreSQL moves them in SQL, a statement per direction, so that a large table is not read into
Python. SQLite's JSON functions cannot rebuild an object from ``json_each`` with its values'
types (true and false come out as 1 and 0), so there the rows that hold any are moved in Python,
in batches (the embedded default's database).
"""

import re
from importlib import import_module

from django.db import migrations, models

lz4 = import_module("playback.migrations.0004_run_time_data_compressed_with_lz4")
COLUMN = [("playback_activitystate", "collections")]

#: A collection's element: its name holds its entry's index (as playback.models says today).
ELEMENT = r"\.[0-9]+\."
BATCH = 500

OUT = (
    "UPDATE playback_activitystate SET"
    " collections = collections"
    " || (SELECT jsonb_object_agg(key, value) FROM jsonb_each(cmi) WHERE key ~ %s),"
    " cmi = (SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb)"
    " FROM jsonb_each(cmi) WHERE key !~ %s)"
    " WHERE CASE WHEN jsonb_typeof(cmi) = 'object'"
    " THEN EXISTS (SELECT 1 FROM jsonb_object_keys(cmi) AS name WHERE name ~ %s) END"
)
BACK = (
    "UPDATE playback_activitystate SET cmi = cmi || collections, collections = '{}'::jsonb"
    " WHERE collections <> '{}'::jsonb"
)


def _rows(apps, schema_editor, moving):
    """SQLite: apply ``moving`` (a row to its new documents, or None) to every row, in
    batches."""
    State = apps.get_model("playback", "ActivityState")
    states = State.objects.using(schema_editor.connection.alias)
    changed = []
    for state in states.only("id", "cmi", "collections").iterator(chunk_size=BATCH):
        moved = moving(state)
        if moved is not None:
            state.cmi, state.collections = moved
            changed.append(state)
        if len(changed) >= BATCH:
            states.bulk_update(changed, ["cmi", "collections"])
            changed = []
    states.bulk_update(changed, ["cmi", "collections"])


def _out_of(state):
    if not isinstance(state.cmi, dict):
        return None
    element = re.compile(ELEMENT)
    moved = {name: value for name, value in state.cmi.items() if element.search(name)}
    if not moved:
        return None
    rest = {name: value for name, value in state.cmi.items() if name not in moved}
    return rest, {**(state.collections or {}), **moved}


def _back_into(state):
    if not state.collections:
        return None
    return {**state.cmi, **state.collections}, {}


def _move(sql, params, moving):
    """An operation's function: ``sql`` on PostgreSQL, ``moving`` row by row elsewhere."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params)
        else:
            _rows(apps, schema_editor, moving)

    return run


class Migration(migrations.Migration):
    dependencies = [("playback", "0005_suspend_data_apart")]

    operations = [
        migrations.AddField(
            model_name="activitystate",
            name="collections",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Flattened CMI: the elements of its collections (interactions,"
                " objectives, comments).",
            ),
        ),
        migrations.AlterField(
            model_name="activitystate",
            name="cmi",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Flattened CMI (scorm-again): its single elements (collections and"
                " suspend data apart).",
            ),
        ),
        migrations.RunPython(lz4.compress_with("lz4", COLUMN), migrations.RunPython.noop),
        migrations.RunPython(
            _move(OUT, [ELEMENT] * 3, _out_of), _move(BACK, None, _back_into)
        ),
    ]
