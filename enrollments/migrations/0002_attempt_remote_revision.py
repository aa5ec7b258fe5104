from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("enrollments", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="remote_revision",
            field=models.BigIntegerField(
                blank=True,
                help_text="The provider's version counter of the stored result.",
                null=True,
            ),
        ),
    ]
