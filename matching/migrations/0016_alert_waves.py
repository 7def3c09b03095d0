"""Waves of urgent alerts: which wave reached each helper (`AlertSent.wave`), how many waves a
need's alerts have had and when the next is due (`AlertRequest.waves`, `next_wave_at`), with
a partial index for the beat job that finds the waves due, built concurrently (reads and
writes go on)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("marketplace", "0009_category_welsh_names"),
        ("matching", "0015_idle_asks"),
    ]

    operations = [
        migrations.AddField(
            model_name="alertrequest",
            name="next_wave_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="alertrequest",
            name="waves",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="alertsent",
            name="wave",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        AddIndexConcurrently(
            model_name="alertrequest",
            index=models.Index(
                condition=models.Q(next_wave_at__isnull=False),
                fields=["next_wave_at"],
                name="alertrequest_wave_due",
            ),
        ),
    ]
