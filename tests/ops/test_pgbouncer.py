"""Kith through PgBouncer in transaction mode (deploy/pgbouncer.ini, Debian's pgbouncer 1.18),
in front of the test database, started by the test on a free port and stopped by its pid.

With `DATABASE_PREPARED_STATEMENTS=off`, every API call answers through the pooler, the
ranking exactly as without it. With prepared statements on, the second web worker's
connection to the pooler meets the statement the first one prepared on the same server
connection, and its ranking fails: PgBouncer 1.18 cannot keep prepared statements in
transaction mode, which is why the switch exists.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.kit import factories as make
from tests.kit.tokens import api_token
from tests.ops import servers

ROOT = Path(__file__).resolve().parents[2]
DEPLOYED = ROOT / "deploy" / "pgbouncer.ini"
# Settings this test replaces in the deployed file: where it listens and logs, and trust
# instead of SCRAM secrets. Everything else (transaction mode, the ignored startup
# parameters, the database's connect_query) is as deployed.
OVERRIDES = {"listen_port", "unix_socket_dir", "auth_type", "auth_file", "logfile", "pidfile"}

pytestmark = pytest.mark.slow


def _config(*, port: int, workdir: Path, db: dict) -> str:
    """deploy/pgbouncer.ini with the test's port, directory and database; one server
    connection, so the two workers of the probe share it as busy ones would."""
    lines = []
    for line in DEPLOYED.read_text().splitlines():
        key = line.split("=", 1)[0].strip()
        if line.startswith("kith ="):
            entry = dict(kv.split("=", 1) for kv in shlex.split(line.split("=", 1)[1]))
            entry.update(
                host=db["HOST"] or "127.0.0.1",
                port=str(db["PORT"] or 5432),
                dbname=db["NAME"],
                pool_size="1",
            )
            line = "kith = " + " ".join(f"{k}={shlex.quote(v)}" for k, v in entry.items())
        elif key in OVERRIDES:
            continue
        lines.append(line)
    lines += [
        f"listen_port = {port}",
        "unix_socket_dir =",
        "auth_type = trust",
        f"auth_file = {workdir / 'userlist.txt'}",
        f"logfile = {workdir / 'pgbouncer.log'}",
        f"pidfile = {workdir / 'pgbouncer.pid'}",
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def pgbouncer():
    binary = Path("/usr/sbin/pgbouncer")
    if not binary.exists():
        pytest.fail("This test needs pgbouncer: apt-get install pgbouncer (scripts/kith.sh)")
    from django.db import connection

    workdir = servers.private_dir("kith-pgbouncer-")
    port = servers.free_port()
    (workdir / "userlist.txt").write_text('"postgres" ""\n')
    ini = workdir / "pgbouncer.ini"
    ini.write_text(_config(port=port, workdir=workdir, db=connection.settings_dict))
    log = workdir / "pgbouncer.log"
    proc = subprocess.Popen(  # noqa: S603 – fixed arguments
        [str(binary), str(ini)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **servers._server_user(),
    )  # fmt: skip
    try:
        servers.wait_for(
            lambda: servers.psql(port, "SELECT 1", database="kith") == "1",
            what="pgbouncer answering",
            proc=proc,
            log=log,
        )
        yield {"port": port, "log": log}
    finally:
        servers.stop(proc, sig=servers.signal.SIGTERM)
        servers.remove(workdir)


def _probe(*, port: int, need_id: int, token: str, prepared: str) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        KITH_FIELD_KEY=Fernet.generate_key().decode(),
        DJANGO_ALLOWED_HOSTS="localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_LOG_LEVEL="CRITICAL",
        DATABASE_URL=f"postgis://postgres@127.0.0.1:{port}/kith",
        DATABASE_CONN_MAX_AGE="60",
        DATABASE_PREPARED_STATEMENTS=prepared,
        KITH_API_RATE_USER="10000/min",
        KITH_API_RATE_ANON="10000/min",
    )
    probe = subprocess.run(  # noqa: S603 – fixed arguments
        [sys.executable, str(Path(__file__).with_name("pooler_probe.py")), str(need_id), token],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr[-4000:]
    return json.loads(probe.stdout.strip().splitlines()[-1])["answers"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_kith_through_pgbouncer_in_transaction_mode(pgbouncer, api_client):
    council = make.council()
    owner = make.person(council=council, home=make.point_at(0, 0))
    need = make.need_row(council=council, owner=owner, at=make.point_at(0, 0))
    for east in (300, 900, 1500):
        make.offer_row(council=council, at=make.point_at(east, 0), radius_m=3000)
    token = api_token(owner)
    api_client.force_authenticate(owner)
    direct = api_client.get(f"/api/v1/needs/{need.pk}/matches/").json()
    assert len(direct) == 3

    # The switch off: every call answers, on both workers, and ranks as without the pooler.
    answers = _probe(port=pgbouncer["port"], need_id=need.pk, token=token, prepared="off")
    assert len(answers) == 3 * 4 * 4
    assert [a for a in answers if a.get("status") != 200] == []
    rankings = [a["body"] for a in answers if "body" in a]
    assert len(rankings) == 12 and all(r == direct for r in rankings)

    # Prepared statements on: the second worker's ranking meets the first one's statement.
    answers = _probe(port=pgbouncer["port"], need_id=need.pk, token=token, prepared="on")
    failed = [a for a in answers if a.get("status") != 200]
    assert failed, "prepared statements through PgBouncer 1.18 in transaction mode worked?"
    assert {a["path"] for a in failed} == {f"/api/v1/needs/{need.pk}/matches/"}
    assert {a["worker"] for a in failed} == {1}
    assert all("prepared statement" in a.get("error", "") for a in failed), failed
    # Only the ranking's prepared statement is hit: every other call answers.
    assert all(a.get("status") == 200 for a in answers if "/matches/" not in a["path"])
