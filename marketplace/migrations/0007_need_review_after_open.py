from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0006_category_first_meeting"),
    ]

    operations = [
        migrations.AddField(
            model_name="need",
            name="review_after_open",
            # db_default: the code still running during a deploy inserts needs without it.
            field=models.BooleanField(
                default=False,
                db_default=False,
                help_text="Opened at once without waiting for review (an urgent need from "
                "someone in good standing, where the council allows it): a moderator still has "
                "to look at it.",
            ),
        ),
    ]
