"""mypy over Kith with a recorded baseline of the errors that are still to be fixed.

Some rooms type-check clean and must stay so; the others have errors that were there when
type checking began. Those are recorded in `scripts/mypy_baseline.txt`, one line per error
(`path: [code] message`, without the line number, so editing a file does not move them).
The baseline may only shrink:

    python scripts/mypy_baseline.py            # fails on any error not in the baseline
    python scripts/mypy_baseline.py --update   # drops the errors that are gone; adds none
    python scripts/mypy_baseline.py --record   # records the errors as they are now

`make lint` runs the first. When errors have been fixed it says so, and `--update` removes
them from the baseline, so that they cannot come back unnoticed. `--record` is for when
errors move without changing (a module split in two): the diff of the baseline file shows
what was accepted, and it refuses any error in a room that checks clean (`CLEAN_ROOMS`).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scripts" / "mypy_baseline.txt"
# Rooms with no error at all: nothing in them may ever be written into the baseline.
CLEAN_ROOMS = (
    "core",
    "places",
    "accounts",
    "trust",
    "matching",
    "partners",
    "notifications",
    "arrangements",
    "privacy",
    "demo",
    "config",
    "scripts",
)

_ERROR = re.compile(
    r"^(?P<path>[^:\s]+\.py):\d+(?::\d+)?: error: (?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)
_LINE_NUMBER = re.compile(r"\bline \d+\b")
_HEADER = """\
# mypy errors not yet fixed, one line per error: path: [code] message (no line numbers).
# It may only shrink: `python scripts/mypy_baseline.py --update` after fixing some.
"""


def mypy_output() -> str:
    """mypy over the whole project (its files and exclusions are in pyproject.toml)."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", ".", "--no-error-summary", "--no-color-output"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1) or result.stderr.strip():
        # 2 is mypy's own failure (bad configuration, a crash): never read as "no errors".
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"mypy did not run to the end (exit status {result.returncode}).")
    return result.stdout


def parse(output: str) -> tuple[Counter[str], dict[str, list[str]]]:
    """The errors as baseline keys (counted: a file can have the same error twice), and for
    each key the lines mypy printed, so a new error is shown with its line number."""
    keys: Counter[str] = Counter()
    shown: dict[str, list[str]] = {}
    for line in output.splitlines():
        found = _ERROR.match(line.strip())
        if not found:
            continue  # notes, and the context lines of an error
        message = _LINE_NUMBER.sub("line N", found["message"])
        key = f"{found['path']}: [{found['code'] or 'misc'}] {message}"
        keys[key] += 1
        shown.setdefault(key, []).append(line.strip())
    return keys, shown


def read_baseline() -> Counter[str]:
    if not BASELINE.exists():
        return Counter()
    lines = BASELINE.read_text(encoding="utf-8").splitlines()
    return Counter(line for line in lines if line.strip() and not line.startswith("#"))


def write_baseline(keys: Counter[str]) -> None:
    body = "".join(f"{key}\n" for key in sorted(keys.elements()))
    BASELINE.write_text(_HEADER + body, encoding="utf-8")


def _errors(count: int) -> str:
    return f"{count} error" if count == 1 else f"{count} errors"


def in_clean_room(key: str) -> bool:
    return key.split("/", 1)[0].split(":", 1)[0] in CLEAN_ROOMS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--update", action="store_true", help="drop fixed errors from the baseline")
    mode.add_argument("--record", action="store_true", help="record the errors as they are now")
    args = parser.parse_args(argv)

    current, shown = parse(mypy_output())
    baseline = read_baseline()
    new = current - baseline
    fixed = baseline - current

    if args.record:
        refused = sorted(key for key in current if in_clean_room(key))
        if refused:
            print("These rooms check clean and must stay so; fix these errors instead:")
            print("\n".join(f"  {line}" for key in refused for line in shown[key]))
            return 1
        write_baseline(current)
        print(f"Recorded {_errors(sum(current.values()))} in {BASELINE.relative_to(ROOT)}.")
        return 0

    if args.update:
        kept = baseline & current
        write_baseline(kept)
        removed = sum(baseline.values()) - sum(kept.values())
        print(f"Removed {_errors(removed)} now fixed; {sum(kept.values())} remain in the baseline.")
    elif fixed:
        print(
            f"{_errors(sum(fixed.values()))} of the baseline fixed: shrink it with "
            "`python scripts/mypy_baseline.py --update`."
        )
        print("\n".join(f"  fixed: {key}" for key in sorted(fixed)))

    if new:
        print(f"mypy: {_errors(sum(new.values()))} not in the baseline:")
        for key in sorted(new):
            # The lines mypy printed for this key; the last `new[key]` of them are the extra.
            print("\n".join(f"  {line}" for line in shown[key][-new[key] :]))
        return 1
    print(f"mypy: nothing new ({_errors(sum(current.values()))} left, all in the baseline).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
