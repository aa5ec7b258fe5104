from django.db import migrations


class Migration(migrations.Migration):
    """The local player's run-time data now lives per activity in playback.ActivityState."""

    dependencies = [
        ("enrollments", "0002_attempt_remote_revision"),
        ("playback", "0002_move_runtime_data_and_dispatches"),
    ]

    operations = [migrations.RemoveField(model_name="attempt", name="cmi")]
