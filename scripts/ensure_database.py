"""Create the database named in a DATABASE_URL if it is missing, with the postgis extension.

Usage: python scripts/ensure_database.py postgis://user@host:port/name
"""

import sys
import time
from typing import Any
from urllib.parse import unquote, urlparse

import psycopg
from psycopg import sql


def main(url: str) -> None:
    parts = urlparse(url)
    name = unquote(parts.path.lstrip("/"))
    params: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password) if parts.password else None,
        "connect_timeout": 5,
    }
    for attempt in range(20):
        try:
            admin = psycopg.connect(dbname="postgres", autocommit=True, **params)
            break
        except psycopg.OperationalError:
            if attempt == 19:
                raise
            time.sleep(0.5)
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}")
    with psycopg.connect(dbname=name, autocommit=True, **params) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        (version,) = conn.execute("SELECT postgis_lib_version()").fetchone() or ("unknown",)
        print(f"Database {name} ready (PostGIS {version})")


if __name__ == "__main__":
    main(sys.argv[1])
