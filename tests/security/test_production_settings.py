"""Production settings pass Django's deployment checklist and meet the ASVS level 2 bar."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def _production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KITH_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        KITH_FIELD_KEY=Fernet.generate_key().decode(),
        DJANGO_ALLOWED_HOSTS="kith.council.example",
        KITH_MAP_TILE_URL="https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
    )
    return env


def _manage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 – fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean():
    # Every deployment (security) check, warnings included, passes under production settings.
    security = _manage("check", "--deploy", "--tag", "security", "--fail-level", "WARNING")
    assert security.returncode == 0, security.stdout + security.stderr
    assert "no issues" in security.stdout
    # And the full deployment check finds no errors in any app.
    full = _manage("check", "--deploy")
    assert full.returncode == 0, full.stdout + full.stderr


def test_production_values():
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ["
        "'SECURE_HSTS_SECONDS','SECURE_HSTS_INCLUDE_SUBDOMAINS','SESSION_COOKIE_SECURE',"
        "'CSRF_COOKIE_SECURE','SESSION_COOKIE_HTTPONLY','SECURE_SSL_REDIRECT','DEBUG',"
        "'X_FRAME_OPTIONS','SECURE_REFERRER_POLICY','CELERY_TASK_ALWAYS_EAGER']} | "
        "{'CSP': s.CONTENT_SECURITY_POLICY['DIRECTIVES']}, default=str))"
    )
    result = subprocess.run(  # noqa: S603 – a fixed script, run by the test itself
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["DEBUG"] is False
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
    assert "https://*.tile.openstreetmap.org" in values["CSP"]["img-src"]
    assert not any("unsafe" in v for vs in values["CSP"].values() for v in vs)


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def _start(**overrides: str) -> subprocess.CompletedProcess:
    env = {**_production_env(), **overrides}
    return subprocess.run(  # noqa: S603 – a fixed script, run by the test itself
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_with_the_development_secret_key():
    from config.settings.base import DEVELOPMENT_SECRET_KEY

    result = _start(DJANGO_SECRET_KEY=DEVELOPMENT_SECRET_KEY)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr and "development" in result.stderr


def test_production_refuses_to_start_with_a_short_secret_key():
    result = _start(DJANGO_SECRET_KEY="short-and-guessable")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_when_any_host_is_allowed():
    for hosts in ("*", "kith.council.example,*"):
        result = _start(DJANGO_ALLOWED_HOSTS=hosts)
        assert result.returncode != 0, hosts
        assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_serves_the_api_as_json_only():
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES']))"
    )
    result = subprocess.run(  # noqa: S603 – a fixed script, run by the test itself
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    renderers = json.loads(result.stdout.strip().splitlines()[-1])
    assert renderers == ["rest_framework.renderers.JSONRenderer"]
