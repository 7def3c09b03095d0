"""Migrations written after the first release must be safe on a live database with big tables.

Every migration present when Kith was first released ran on empty tables and is listed in
`BEFORE_FIRST_RELEASE`; everything after it is checked by `config.migration_safety`.
"""

from __future__ import annotations

import pytest
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader

from config.migration_safety import unsafe_operations

KITH_APPS = {"accounts", "marketplace", "matching", "frontend"}

# Ran on empty tables: Kith had no live database when these were written.
BEFORE_FIRST_RELEASE = {
    ("accounts", "0001_initial"),
    ("accounts", "0002_safeguarding_concerns"),
    ("frontend", "0001_initial"),
    ("marketplace", "0001_initial"),
    ("marketplace", "0002_needs_offers"),
    ("marketplace", "0003_audit_append_only_and_default_categories"),
    ("marketplace", "0004_open_approx_location_gist"),
    ("matching", "0001_initial"),
    ("matching", "0002_open_listing_gist_indexes"),
    ("matching", "0003_category_location_gist_indexes"),
    ("matching", "0004_council_category_location_gist"),
    ("matching", "0005_council_category_approx_location_gist"),
}


def _kith_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {
        key: migration for key, migration in loader.disk_migrations.items() if key[0] in KITH_APPS
    }


def test_migrations_after_the_first_release_are_safe_on_a_live_database():
    findings = []
    for key, migration in sorted(_kith_migrations().items()):
        if key not in BEFORE_FIRST_RELEASE:
            findings.extend(unsafe_operations(migration))
    assert not findings, "\n".join(f"{f.migration}: {f.operation} – {f.why}" for f in findings)


def test_the_baseline_names_only_migrations_that_exist():
    assert set(_kith_migrations()) >= BEFORE_FIRST_RELEASE


def _migration(ops, atomic=True):
    migration = migrations.Migration("0099_example", "marketplace")
    migration.operations = ops
    migration.atomic = atomic
    return migration


@pytest.mark.parametrize(
    "operation",
    [
        migrations.AddIndex("need", models.Index(fields=["title"], name="need_title_idx")),
        migrations.AddConstraint(
            "need", models.CheckConstraint(condition=models.Q(helpers_wanted__gte=1), name="x")
        ),
        migrations.AlterField("need", "title", models.CharField(max_length=120)),
        migrations.RemoveField("need", "title"),
        migrations.RenameField("need", "title", "headline"),
        migrations.RunSQL("CREATE INDEX need_t ON marketplace_need (title)"),
        migrations.RunSQL("ALTER TABLE marketplace_need ADD CONSTRAINT c CHECK (id > 0)"),
        migrations.RunSQL("ALTER TABLE marketplace_need ALTER COLUMN title TYPE text"),
    ],
)
def test_the_checker_flags_locking_operations(operation):
    assert unsafe_operations(_migration([operation]))


def test_the_checker_accepts_the_safe_forms():
    safe = [
        AddIndexConcurrently("need", models.Index(fields=["title"], name="need_title_idx")),
        migrations.RunSQL("CREATE INDEX CONCURRENTLY IF NOT EXISTS n ON marketplace_need (title)"),
        migrations.RunSQL("ALTER TABLE marketplace_need ADD CONSTRAINT c CHECK (id > 0) NOT VALID"),
        migrations.AddField("need", "note", models.TextField(blank=True, default="")),
    ]
    assert unsafe_operations(_migration(safe, atomic=False)) == []
    # A concurrent index build inside a transaction fails at deploy time: flagged too.
    assert unsafe_operations(_migration(safe[:1], atomic=True))
