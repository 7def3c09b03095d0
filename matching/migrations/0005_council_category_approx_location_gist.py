"""Candidate search now measures between grid cells (`approx_location`), never exact homes.

Measuring from exact points let a stranger who moved their own pin learn whether a home lay
within their radius, finer than the published cell. The radius check, the KNN order and the
constant bound all run on `approx_location` now, so the composite GiST index (council,
category, point) of 0004 moves to that column. btree_gist (0003) gives the equality
operator classes for the two bigint columns.

The exact-location indexes of 0004 served only the candidate search and are dropped, so
writes maintain one matching index per table.
"""

from django.db import migrations

OFFER = (
    "CREATE INDEX IF NOT EXISTS matching_offer_open_council_cat_approx_gist "
    "ON marketplace_offer USING gist (council_id, category_id, approx_location) "
    "WHERE status = 'open';"
)
NEED = (
    "CREATE INDEX IF NOT EXISTS matching_need_open_council_cat_approx_gist "
    "ON marketplace_need USING gist (council_id, category_id, approx_location) "
    "WHERE status = 'open';"
)
OLD_OFFER = (
    "CREATE INDEX IF NOT EXISTS matching_offer_open_council_cat_location_gist "
    "ON marketplace_offer USING gist (council_id, category_id, location) "
    "WHERE status = 'open';"
)
OLD_NEED = (
    "CREATE INDEX IF NOT EXISTS matching_need_open_council_cat_location_gist "
    "ON marketplace_need USING gist (council_id, category_id, location) "
    "WHERE status = 'open';"
)


class Migration(migrations.Migration):
    dependencies = [("matching", "0004_council_category_location_gist")]

    operations = [
        migrations.RunSQL(
            OFFER, "DROP INDEX IF EXISTS matching_offer_open_council_cat_approx_gist;"
        ),
        migrations.RunSQL(NEED, "DROP INDEX IF EXISTS matching_need_open_council_cat_approx_gist;"),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS matching_offer_open_council_cat_location_gist; "
            "DROP INDEX IF EXISTS matching_need_open_council_cat_location_gist;",
            OLD_OFFER + " " + OLD_NEED,
        ),
    ]
