"""Partial GiST indexes for the KNN candidate search: only open listings are ever searched,
so the index stays small and the planner can use it with `status = 'open'` already applied.

The tables belong to marketplace; the indexes serve matching, so they live here
(`IF NOT EXISTS`, and dropped on reverse).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0001_initial"),
        ("marketplace", "0003_audit_append_only_and_default_categories"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS matching_offer_open_location_gist "
            "ON marketplace_offer USING gist (location) WHERE status = 'open';",
            "DROP INDEX IF EXISTS matching_offer_open_location_gist;",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS matching_need_open_location_gist "
            "ON marketplace_need USING gist (location) WHERE status = 'open';",
            "DROP INDEX IF EXISTS matching_need_open_location_gist;",
        ),
    ]
