"""Servers of a test's own: PostgreSQL 15 clusters (a primary, a streaming replica made with
`pg_basebackup`) and PgBouncer, each on a free port, each stopped by its process id. Never the
shared PostgreSQL or Redis on the standard ports.

PostgreSQL and PgBouncer refuse to run as root: a test running as root starts them as the
`postgres` user (Debian's packages create it), in a directory that user owns."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> dict:
    """Popen arguments that run a server as `postgres` when the test runs as root."""
    if os.geteuid() != 0:
        return {}
    return {"user": "postgres", "group": "postgres"}


def private_dir(prefix: str) -> Path:
    """A directory the server's user owns (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))  # noqa: S108 – mkdtemp: private
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603 – fixed arguments
        cmd, capture_output=True, text=True, **_server_user(), **kwargs
    )
    if result.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def wait_for(check, *, what: str, timeout: float = 20.0, proc=None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
            if value:
                return value
        except (OSError, subprocess.SubprocessError):
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            detail = log.read_text() if log and log.exists() else ""
            pytest.fail(f"{what} did not happen in {timeout} s\n{detail}")
        time.sleep(0.1)


def stop(proc: subprocess.Popen, *, sig=signal.SIGINT, timeout: float = 20.0) -> None:
    """Stop one server by its process id (SIGINT: PostgreSQL's fast shutdown)."""
    if proc.poll() is None:
        os.kill(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def psql(port: int, sql: str, *, database: str = "postgres") -> str:
    result = subprocess.run(  # noqa: S603 – fixed arguments
        [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
         "-d", database, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    if result.returncode != 0:
        raise subprocess.SubprocessError(result.stderr)
    return result.stdout.strip()


@dataclass
class Cluster:
    """One PostgreSQL server of the test's own."""

    datadir: Path
    port: int
    log: Path
    proc: subprocess.Popen | None = field(default=None)

    def url(self, database: str) -> str:
        return f"postgis://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 – fixed arguments
            [str(PG_BIN / "postgres"), "-D", str(self.datadir), "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.datadir}",
             "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "shared_buffers=32MB",
             "-c", "max_wal_senders=4", "-c", "wal_level=replica"],
            stdout=self.log.open("a"), stderr=subprocess.STDOUT, **_server_user(),
        )  # fmt: skip
        wait_for(
            lambda: psql(self.port, "SELECT 1") == "1",
            what=f"PostgreSQL on port {self.port} answering",
            proc=self.proc,
            log=self.log,
        )

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)


def new_primary(root: Path) -> Cluster:
    cluster = Cluster(datadir=root / "primary", port=free_port(), log=root / "primary.log")
    # initdb's trust set-up allows replication connections from 127.0.0.1 too.
    run([str(PG_BIN / "initdb"), "-D", str(cluster.datadir), "-U", "postgres", "--auth=trust",
         "-E", "UTF8", "--no-sync", "--no-instructions"])  # fmt: skip
    cluster.start()
    return cluster


def new_replica(primary: Cluster, root: Path) -> Cluster:
    """A hot standby streaming from `primary`, made with pg_basebackup (-R: standby.signal
    and primary_conninfo written for it)."""
    replica = Cluster(datadir=root / "replica", port=free_port(), log=root / "replica.log")
    run([str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
         "-U", "postgres", "-D", str(replica.datadir), "-R", "-X", "stream",
         "--checkpoint=fast", "--no-sync"])  # fmt: skip
    replica.start()
    wait_for(
        lambda: psql(primary.port, "SELECT state FROM pg_stat_replication") == "streaming",
        what="the replica streaming from the primary",
        log=replica.log,
    )
    return replica


def copy_schema(*, source_url_args: list[str], database: str, target: Cluster) -> None:
    """Kith's schema (migrated test database, PostGIS included) into a new database."""
    psql(target.port, f"CREATE DATABASE {database}")
    dump = subprocess.run(  # noqa: S603 – fixed arguments
        [str(PG_BIN / "pg_dump"), "--schema-only", "--no-owner", "--no-privileges",
         *source_url_args],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    load = subprocess.run(  # noqa: S603 – fixed arguments
        [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(target.port), "-U", "postgres",
         "-d", database, "-X", "-q", "-v", "ON_ERROR_STOP=1"],
        input=dump.stdout, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if load.returncode != 0:
        pytest.fail(f"loading Kith's schema failed:\n{load.stderr[-4000:]}")


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
