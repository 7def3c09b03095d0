"""A council's name in Welsh, shown on pages in Welsh (blank: the English name)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_people_not_online")]

    operations = [
        migrations.AddField(
            model_name="council",
            name="name_cy",
            field=models.CharField(
                blank=True, default="", max_length=120, verbose_name="name in Welsh"
            ),
        ),
    ]
