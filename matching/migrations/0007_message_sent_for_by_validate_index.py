"""Validate 0006's foreign key (a SHARE UPDATE EXCLUSIVE lock: reads and writes go on) and
index the staff-sent messages concurrently (partial: most messages have no `sent_for_by`;
the index serves the SET NULL when a staff account is deleted)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("matching", "0006_message_sent_for_by")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE matching_message VALIDATE CONSTRAINT matching_message_sent_for_by_id_fk;",
            migrations.RunSQL.noop,
        ),
        AddIndexConcurrently(
            model_name="message",
            index=models.Index(
                condition=models.Q(sent_for_by__isnull=False),
                fields=["sent_for_by"],
                name="message_sent_for_by",
            ),
        ),
    ]
