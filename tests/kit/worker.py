"""A real Celery worker, in its own process, consuming from Redis (database 15) and using the
test database: what runs in production, not the in-process (eager) mode of the other tests."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery import Celery
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:6379/15"
# Several test runs can share this machine's Redis: each run's worker has its own queue and
# name, so one run never consumes another's tasks.
QUEUE = f"kith-test-{os.getpid()}"
WORKER_NAME = f"kith-test-{os.getpid()}@{socket.gethostname()}"


def _database_url(settings_dict: dict) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgis://{auth}@{host}:{port}/{settings_dict['NAME']}"


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session", autouse=True)
def redis_on_loopback(tmp_path_factory):
    """The Redis these tests use. A fresh CI machine has the package (scripts/kith.sh system)
    but, without systemd, no running server: start one for the session then."""
    if _redis_answers():
        yield
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("These tests need Redis on 127.0.0.1:6379: apt-get install redis-server")
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(  # noqa: S603 – fixed arguments
        [binary, "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not _redis_answers():
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("redis-server did not start on 127.0.0.1:6379")
            time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def producer():
    """A Celery client of the same broker, as the web process is in production."""
    app = Celery("kith-test-producer", broker=BROKER)
    app.conf.task_default_queue = QUEUE
    yield app
    app.close()


@pytest.fixture(scope="module")
def worker_process(django_db_setup, django_db_blocker, tmp_path_factory, producer):
    from django.db import connection

    redis.Redis.from_url(BROKER).delete(QUEUE)
    mail_dir = tmp_path_factory.mktemp("mail")
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        KITH_FIELD_KEY=Fernet.generate_key().decode(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=_database_url(connection.settings_dict),
        DATABASE_CONN_MAX_AGE="0",
        CELERY_BROKER_URL=BROKER,
        CELERY_TASK_ALWAYS_EAGER="false",
        # What the worker's own tasks enqueue (a notification to send) stays on this run's queue.
        CELERY_TASK_DEFAULT_QUEUE=QUEUE,
        KITH_CELERY_ROUTES="off",  # not to the shared alerts queue no test worker consumes
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(mail_dir),
        KITH_SITE_NAME="Kith",
    )
    with log_path.open("w") as log:
        proc = subprocess.Popen(  # noqa: S603 – fixed arguments
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--loglevel", "INFO", "--pool", "solo", "--queues", QUEUE,
                "--hostname", WORKER_NAME,
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"the worker exited:\n{log_path.read_text()}")
            if producer.control.ping(timeout=0.5, destination=[WORKER_NAME]):
                break
        else:
            pytest.fail(f"the worker did not answer within 60 s:\n{log_path.read_text()}")
        yield {"process": proc, "mail_dir": mail_dir, "log": log_path, "queue": QUEUE}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
