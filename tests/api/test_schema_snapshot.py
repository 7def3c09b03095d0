"""The published schema is kept in the repository (`docs/api/openapi.json`) and every change
to it has an entry in `docs/api-changelog.md`: a change that would break clients cannot land
unnoticed. `make schema` rewrites the snapshot and prints the fingerprint to name."""

from __future__ import annotations

import json
import re

import pytest

from config.schema import CHANGELOG, SNAPSHOT, canonical, fingerprint

pytestmark = pytest.mark.django_db

ENTRY = re.compile(r"^### .*\bschema ([0-9a-f]{12})\b", re.M)


def live_schema(client) -> dict:
    response = client.get("/api/v1/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return json.loads(response.content)


def newest_entry_fingerprint() -> str | None:
    found = ENTRY.search(CHANGELOG.read_text(encoding="utf-8"))
    return found.group(1) if found else None


def differences(live: dict, snapshot: dict) -> list[str]:
    """Which operations and components differ, to say where to look."""
    found = []
    for section in ("paths", "components"):
        inner_live, inner_snapshot = live.get(section, {}), snapshot.get(section, {})
        for key in sorted(set(inner_live) | set(inner_snapshot)):
            if section == "components":
                a, b = inner_live.get(key, {}), inner_snapshot.get(key, {})
                found += [
                    f"{section}/{key}/{name}"
                    for name in sorted(set(a) | set(b))
                    if a.get(name) != b.get(name)
                ]
            elif inner_live.get(key) != inner_snapshot.get(key):
                found.append(f"{section}/{key}")
    found += [key for key in ("info", "openapi") if live.get(key) != snapshot.get(key)]
    return found


def test_the_live_schema_is_the_snapshot(client):
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    live = live_schema(client)
    changed = differences(live, snapshot)
    assert canonical(live) == canonical(snapshot), (
        "The API schema changed: run `make schema`, and add an entry to docs/api-changelog.md "
        "naming its fingerprint (say whether the change breaks clients: see the deprecation "
        "policy there). Changed: " + ", ".join(changed)
    )


def test_the_snapshot_is_written_in_its_canonical_form():
    text = SNAPSHOT.read_text(encoding="utf-8")
    assert text == canonical(json.loads(text)), "Rewrite it with `make schema`."


def test_the_newest_changelog_entry_names_the_snapshot():
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert newest_entry_fingerprint() == fingerprint(snapshot), (
        f"Add an entry to docs/api-changelog.md for schema {fingerprint(snapshot)}."
    )


def test_a_changed_schema_has_another_fingerprint():
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    changed = json.loads(json.dumps(snapshot))
    changed["paths"].pop(next(iter(changed["paths"])))
    assert fingerprint(changed) != fingerprint(snapshot)
    assert canonical(changed) != canonical(snapshot)
