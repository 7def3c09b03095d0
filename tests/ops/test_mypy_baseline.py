"""The mypy baseline (`scripts/mypy_baseline.py`) that `make lint` runs: errors are compared
without their line numbers, a new one fails, a fixed one is reported and `--update` drops it
without ever adding one, and `--record` refuses errors in a room that checks clean.

mypy itself is not run here (`make lint` does); its output is given."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_spec = importlib.util.spec_from_file_location("mypy_baseline", ROOT / "scripts/mypy_baseline.py")
assert _spec is not None and _spec.loader is not None
baseline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(baseline)

OLD = "staff_console/forms.py:10: error: Missing return statement  [return]\n"
MOVED = "staff_console/forms.py:42: error: Missing return statement  [return]\n"
OTHER = 'frontend/forms.py:7: error: "Model" has no attribute "owner"  [attr-defined]\n'
CLEAN = "core/audit.py:3: error: Incompatible types in assignment  [assignment]\n"


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    """Runs the script's main() against a given mypy output and a baseline file of its own."""
    monkeypatch.setattr(baseline, "BASELINE", tmp_path / "mypy_baseline.txt")
    monkeypatch.setattr(baseline, "ROOT", tmp_path)

    def run(output: str, *args: str) -> tuple[int, str]:
        monkeypatch.setattr(baseline, "mypy_output", lambda: output)
        status = baseline.main(list(args))
        return status, capsys.readouterr().out

    return run


def recorded() -> list[str]:
    text = baseline.BASELINE.read_text()
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_keys_leave_out_line_numbers_and_count_repeats():
    keys, shown = baseline.parse(OLD + MOVED + "staff_console/forms.py:3: note: See line 9\n")
    assert keys == {"staff_console/forms.py: [return] Missing return statement": 2}
    assert shown["staff_console/forms.py: [return] Missing return statement"] == [
        OLD.strip(),
        MOVED.strip(),
    ]
    keys, _ = baseline.parse('x/a.py:1: error: Name "y" already defined on line 12  [no-redef]')
    assert list(keys) == ['x/a.py: [no-redef] Name "y" already defined on line N']


def test_an_error_that_moved_lines_is_not_new_and_a_new_one_fails(run):
    assert run(OLD, "--record")[0] == 0
    assert run(MOVED) == (0, "mypy: nothing new (1 error left, all in the baseline).\n")
    status, out = run(MOVED + OTHER)
    assert status == 1
    assert OTHER.strip() in out
    # The same error once more in the same file is new too.
    status, out = run(OLD + MOVED)
    assert status == 1
    assert MOVED.strip() in out


def test_fixed_errors_are_named_and_update_drops_them_without_adding_any(run):
    run(OLD + OTHER, "--record")
    status, out = run(OLD)
    assert status == 0
    assert "1 error of the baseline fixed" in out
    assert "fixed: frontend/forms.py: [attr-defined]" in out
    assert len(recorded()) == 2  # reported, not yet dropped

    status, _ = run(OLD + CLEAN, "--update")
    assert status == 1  # the new error still fails
    assert recorded() == ["staff_console/forms.py: [return] Missing return statement"]


def test_record_refuses_errors_in_a_room_that_checks_clean(run):
    status, out = run(OLD + CLEAN, "--record")
    assert status == 1
    assert CLEAN.strip() in out
    assert not baseline.BASELINE.exists()
