from django.db import migrations, models

# Befriending and personal care start with an introductory visit by default; staff can change
# any category in the Django admin.
FIRST_MEETING_SLUGS = ("befriending", "personal-care")


def first_meeting_on(apps, schema_editor):
    Category = apps.get_model("marketplace", "Category")
    Category.objects.filter(slug__in=FIRST_MEETING_SLUGS).update(first_meeting=True)


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0005_audit_postcodes_blocks_reports_move"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="first_meeting",
            field=models.BooleanField(
                default=False,
                help_text="Ongoing help starts with an introductory visit and the safety "
                "checklist.",
            ),
        ),
        migrations.RunPython(first_meeting_on, migrations.RunPython.noop),
    ]
