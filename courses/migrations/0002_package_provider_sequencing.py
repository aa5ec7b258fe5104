from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def packages_take_their_course_provider(apps, schema_editor):
    """Until now a package was played by whatever its course named: record that provider."""
    Course = apps.get_model("courses", "Course")
    Package = apps.get_model("courses", "Package")
    Package.objects.update(
        provider=Subquery(Course.objects.filter(pk=OuterRef("course_id")).values("provider")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="package",
            name="provider",
            field=models.CharField(
                default="",
                help_text="The provider this package was imported into; attempts start only on a "
                "package of the course's current provider.",
                max_length=40,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(packages_take_their_course_provider, migrations.RunPython.noop),
        migrations.AddField(
            model_name="package",
            name="sequencing",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="SCORM 2004 sequencing: the activity tree the intake built from the "
                "manifest.",
            ),
        ),
        migrations.AddField(
            model_name="package",
            name="import_started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="package",
            index=models.Index(
                fields=["course", "provider", "status", "-version"],
                name="courses_pac_course__2f011a_idx",
            ),
        ),
    ]
