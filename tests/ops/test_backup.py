"""`make backup` / `make restore` (scripts/prod.sh, pg_dump custom format) round-trip a seeded
database: the restored copy holds the same people, councils and exact geometry."""

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from tests.kit import factories as make
from tests.kit.worker import _database_url

ROOT = Path(__file__).resolve().parents[2]
# Serialized, as every transactional test here is: a plain flush re-creates the content types
# under new ids, which the next serialized test's restore then collides with.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _run(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(  # noqa: S603 – fixed arguments
        ["bash", str(ROOT / "scripts" / "prod.sh"), *args],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _snapshot(dsn: str) -> list:
    with psycopg.connect(dsn) as conn:
        return [
            conn.execute("SELECT count(*) FROM accounts_user").fetchone(),
            conn.execute(
                "SELECT email, ST_AsText(home_location) FROM accounts_user ORDER BY email"
            ).fetchall(),
            conn.execute(
                "SELECT code, ST_AsText(boundary) FROM accounts_council ORDER BY code"
            ).fetchall(),
            conn.execute(
                "SELECT u.email, s.role FROM accounts_staffmembership s "
                "JOIN accounts_user u ON u.id = s.user_id ORDER BY u.email"
            ).fetchall(),
        ]


@pytest.fixture
def scratch_database():
    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_restore"
    admin_dsn = _database_url({**settings_dict, "NAME": "postgres"}).replace(
        "postgis://", "postgresql://"
    )
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _database_url({**settings_dict, "NAME": name})
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def test_backup_and_restore_round_trip(tmp_path, scratch_database):
    from django.contrib.gis.geos import Point

    council = make.CouncilFactory(code="E09000099")
    make.UserFactory(email="ada@example.org", council=council, home_location=Point(-1.5, 53.8))
    make.StaffFactory(council=council, user=make.UserFactory(email="officer@example.org"))
    source = _database_url(connection.settings_dict)
    dump = tmp_path / "kith.dump"

    backup = _run("backup", str(dump), database_url=source)
    assert backup.returncode == 0, backup.stderr
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    restore = _run("restore", str(dump), database_url=scratch_database)
    assert restore.returncode == 0, restore.stderr

    as_libpq = lambda url: url.replace("postgis://", "postgresql://")  # noqa: E731
    original = _snapshot(as_libpq(source))
    assert original[0][0] == 2
    assert _snapshot(as_libpq(scratch_database)) == original


def test_restore_refuses_a_missing_file(tmp_path):
    result = _run("restore", str(tmp_path / "nope.dump"), database_url="postgis://x@127.0.0.1/x")
    assert result.returncode != 0
    assert "usage: scripts/prod.sh restore FILE" in result.stderr
