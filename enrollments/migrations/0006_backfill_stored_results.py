from django.db import migrations


def rebuild_results(apps, schema_editor):
    """Fill the stored results (0004) from the attempts already there. A one-off backfill that
    runs the current code, so it depends on every app's latest migration of its day; on an
    empty database it does nothing.

    A migration of its own: in 0004, Django creates the new foreign key's index after the
    operations, and PostgreSQL refuses that once rows of the table have changed in the same
    transaction."""
    Course = apps.get_model("courses", "Course")
    if not Course.objects.exists():
        return
    from enrollments.services import results_rebuild

    results_rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0003_sco_scorm12_item_data"),
        ("enrollments", "0005_attempt_activity_counts"),
        ("playback", "0003_local_runtime"),
    ]

    operations = [migrations.RunPython(rebuild_results, migrations.RunPython.noop)]
