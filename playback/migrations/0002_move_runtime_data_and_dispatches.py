import json

from django.db import migrations

OLD_DISPATCH_TABLE = "allure_connect_dispatch"


def move_runtime_data(apps, schema_editor):
    """``Attempt.cmi = {"scos": {id: cmi}, "time": {id: {prior, session, launch}}}`` becomes
    one ActivityState row per activity."""
    Attempt = apps.get_model("enrollments", "Attempt")
    ActivityState = apps.get_model("playback", "ActivityState")
    rows = []
    for attempt_id, cmi in Attempt.objects.exclude(cmi={}).values_list("id", "cmi").iterator():
        if not isinstance(cmi, dict):
            continue
        scos, times = cmi.get("scos") or {}, cmi.get("time") or {}
        for activity, data in scos.items():
            spent = times.get(activity) or {}
            rows.append(
                ActivityState(
                    attempt_id=attempt_id,
                    activity=str(activity)[:255],
                    cmi=data if isinstance(data, dict) else {},
                    seconds_before=float(spent.get("prior") or 0),
                    seconds_session=float(spent.get("session") or 0),
                    session_launch=int(spent.get("launch") or 0),
                )
            )
    ActivityState.objects.bulk_create(rows, batch_size=500)


def move_dispatches(apps, schema_editor):
    """Dispatches were rows of the former ``allure_connect`` app: keep them."""
    connection = schema_editor.connection
    if OLD_DISPATCH_TABLE not in connection.introspection.table_names():
        return
    Dispatch = apps.get_model("playback", "Dispatch")
    columns = (
        "package_id, remote_id, label, destination, dispatch_url, status, registration_limit, "
        "expires_at, allowed_domains, created_by_id, created_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {OLD_DISPATCH_TABLE}")  # noqa: S608 (constants)
        names = [name.strip() for name in columns.split(",")]
        for row in cursor.fetchall():
            values = dict(zip(names, row, strict=True))
            if isinstance(values["allowed_domains"], str):
                values["allowed_domains"] = json.loads(values["allowed_domains"] or "[]")
            Dispatch.objects.create(provider="allure_connect", **values)
    schema_editor.execute(f"DROP TABLE {OLD_DISPATCH_TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("playback", "0001_initial"),
        ("enrollments", "0002_attempt_remote_revision"),
    ]

    operations = [
        migrations.RunPython(move_runtime_data, migrations.RunPython.noop),
        migrations.RunPython(move_dispatches, migrations.RunPython.noop),
    ]
