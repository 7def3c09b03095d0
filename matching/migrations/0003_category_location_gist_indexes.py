"""Composite GiST indexes (category, location) on open listings.

Every candidate search filters on one category. With `category_id` inside the GiST index
(btree_gist provides the equality operator class), both the bounded bitmap scan and the KNN
scan visit only listings of that category near the point, instead of AND-ing a spatial bitmap
with a category bitmap that grows with the whole country.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("matching", "0002_open_listing_gist_indexes")]

    operations = [
        BtreeGistExtension(),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS matching_offer_open_cat_location_gist "
            "ON marketplace_offer USING gist (category_id, location) WHERE status = 'open';",
            "DROP INDEX IF EXISTS matching_offer_open_cat_location_gist;",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS matching_need_open_cat_location_gist "
            "ON marketplace_need USING gist (category_id, location) WHERE status = 'open';",
            "DROP INDEX IF EXISTS matching_need_open_cat_location_gist;",
        ),
    ]
