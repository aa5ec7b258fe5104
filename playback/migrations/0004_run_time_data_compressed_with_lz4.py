"""PostgreSQL: the run-time's big values (an activity's CMI, the sequencing state) compressed
with lz4 instead of pglz when they are stored out of line (TOAST).

Every commit writes the activity's CMI again, the whole document even for a bookmark: pglz
spends most of such an UPDATE on compressing it, and on suspend data that does not compress
(base64, most real content's) it is twice as slow as lz4 (64 KB: 1.8 against 1.0 ms a commit,
a bookmark 1.5 against 0.7). Values already stored keep pglz until they are written again.
Nothing to do on SQLite, or on a PostgreSQL built without lz4.
"""

from django.db import migrations

COLUMNS = (("playback_activitystate", "cmi"), ("playback_attemptruntime", "sequencing"))


def compress_with(method: str, columns=COLUMNS):
    """An operation's function: ``columns`` compressed with ``method`` from now on."""

    def apply(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql" or connection.pg_version < 140000:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_settings"
                " WHERE name = 'default_toast_compression' AND %s = ANY(enumvals)",
                [method],
            )
            if cursor.fetchone() is None:  # this server was built without it
                return
        quote = schema_editor.quote_name
        for table, column in columns:
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} SET COMPRESSION {method}"
            )

    return apply


class Migration(migrations.Migration):
    dependencies = [("playback", "0003_local_runtime")]

    operations = [migrations.RunPython(compress_with("lz4"), compress_with("pglz"))]
