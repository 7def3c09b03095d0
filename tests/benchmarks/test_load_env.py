"""`make bench-load` runs gunicorn with production settings in the environment
`benchmarks.load_http._server_env` makes: those settings must load there (they refuse, for
instance, a missing or development field key), with Redis up or down."""

from __future__ import annotations

import subprocess
import sys

import pytest

from benchmarks.load_http import ROOT, _server_env


@pytest.mark.parametrize("redis_down", [False, True])
def test_production_settings_load_in_the_load_runs_environment(redis_down):
    env = _server_env(redis_down=redis_down)
    done = subprocess.run(  # noqa: S603 - our interpreter, our manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
