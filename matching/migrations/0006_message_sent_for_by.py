"""Message.sent_for_by: the member of council staff who sent a message for its sender.

Assisted-digital messages were marked by a first line in the body; the mark is now a column,
so pages and the API can say "Sent for <person> by the council" without staff names in the
text. `matching_message` is a big table, so the column and its foreign key are added without
a long lock: a nullable column (no rewrite), the foreign key NOT VALID (no scan under the
ACCESS EXCLUSIVE lock of ALTER TABLE); 0007 validates it and builds the index concurrently.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ADD = (
    "ALTER TABLE matching_message ADD COLUMN sent_for_by_id bigint NULL; "
    "ALTER TABLE matching_message ADD CONSTRAINT matching_message_sent_for_by_id_fk "
    "FOREIGN KEY (sent_for_by_id) REFERENCES accounts_user (id) "
    "DEFERRABLE INITIALLY DEFERRED NOT VALID;"
)
DROP = "ALTER TABLE matching_message DROP COLUMN IF EXISTS sent_for_by_id;"


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0005_council_category_approx_location_gist"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD, DROP)],
            state_operations=[
                migrations.AddField(
                    model_name="message",
                    name="sent_for_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    ]
