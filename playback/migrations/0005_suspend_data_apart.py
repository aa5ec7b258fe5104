"""An activity's suspend data moves out of its CMI document into a column of its own,
compressed with lz4 like the document (see 0004).

Moved in SQL, a statement per direction, so that a large table is not read into Python.
"""

from importlib import import_module

from django.db import migrations, models

lz4 = import_module("playback.migrations.0004_run_time_data_compressed_with_lz4")
COLUMN = [("playback_activitystate", "suspend_data")]

KEY = "cmi.suspend_data"

# PostgreSQL: jsonb's ->> and - ; SQLite: JSON1's json_extract and json_remove (on a JSON null,
# json_extract gives SQL NULL: "never set", as before the move).
OUT = {
    "postgresql": (
        "UPDATE playback_activitystate SET suspend_data = cmi ->> %s::text, cmi = cmi - %s::text"
        " WHERE cmi ? %s::text",
        [KEY, KEY, KEY],
    ),
    "sqlite": (
        "UPDATE playback_activitystate SET suspend_data = json_extract(cmi, %s),"
        " cmi = json_remove(cmi, %s) WHERE json_type(cmi, %s) IS NOT NULL",
        [f'$."{KEY}"'] * 3,
    ),
}
BACK = {
    "postgresql": (
        "UPDATE playback_activitystate SET cmi = cmi || jsonb_build_object(%s::text, suspend_data),"
        " suspend_data = NULL WHERE suspend_data IS NOT NULL",
        [KEY],
    ),
    "sqlite": (
        "UPDATE playback_activitystate SET cmi = json_set(cmi, %s, suspend_data),"
        " suspend_data = NULL WHERE suspend_data IS NOT NULL",
        [f'$."{KEY}"'],
    ),
}


def _run(statements: dict):
    def run(apps, schema_editor):
        sql, params = statements[schema_editor.connection.vendor]
        schema_editor.execute(sql, params)

    return run


class Migration(migrations.Migration):
    dependencies = [("playback", "0004_run_time_data_compressed_with_lz4")]

    operations = [
        migrations.AddField(
            model_name="activitystate",
            name="suspend_data",
            field=models.TextField(
                blank=True,
                help_text="cmi.suspend_data as last set; null if it never was.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="activitystate",
            name="cmi",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Flattened CMI (scorm-again), its suspend data apart.",
            ),
        ),
        migrations.RunPython(lz4.compress_with("lz4", COLUMN), migrations.RunPython.noop),
        migrations.RunPython(_run(OUT), _run(BACK)),
    ]
