"""/healthz reports the database and PostGIS, and 503 when the database cannot be reached."""

import socket

import pytest
from django.db import connection


def test_healthz_up(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["postgresql"].startswith("15")
    assert body["checks"]["database"]["postgis"].startswith("3.")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


# Serialized, as every transactional test here is: a plain flush re-creates the content types
# under new ids, which the next serialized test's restore then collides with.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_healthz_down_when_database_unreachable(client):
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = _closed_port()
    connection.settings_dict["HOST"] = "127.0.0.1"
    connection.settings_dict["OPTIONS"] = {**original["OPTIONS"], "connect_timeout": 2}
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response["Cache-Control"].startswith("max-age=0")
