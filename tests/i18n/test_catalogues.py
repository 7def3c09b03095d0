"""Each room's Welsh catalogue is complete: no entry empty or fuzzy, every marked sentence in
it, and it compiles (docs/welsh.md)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

from tests.i18n.rooms import rooms

ROOT = Path(settings.BASE_DIR)
ROOMS = rooms()
OVERRIDES = ROOT / "config" / "locale_overrides" / "cy" / "LC_MESSAGES" / "django.po"


def catalogue_of(room: str) -> Path:
    return ROOT / room / "locale" / "cy" / "LC_MESSAGES" / "django.po"


def all_catalogues() -> list[Path]:
    found = [catalogue_of(room) for room in ROOMS if catalogue_of(room).exists()]
    return [*found, OVERRIDES] if OVERRIDES.exists() else found


@pytest.mark.parametrize("path", all_catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_entry_is_translated_and_not_fuzzy(path):
    catalogue = polib.pofile(str(path))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} without Welsh, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy (check and clear the mark), e.g. {fuzzy[:5]}"
    assert catalogue.metadata.get("Language") == "cy"
    assert "nplurals=4" in catalogue.metadata.get("Plural-Forms", "")


@pytest.mark.parametrize("path", all_catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_placeholders_are_kept_in_the_welsh(path):
    """A `%(name)s` or `{name}` the English has must be in the Welsh, or the page breaks."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext is installed by `make install`"
    result = subprocess.run(  # noqa: S603 - a fixed program and a catalogue of Kith's
        [msgfmt, "--check", "--check-format", "-o", os.devnull, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for entry in polib.pofile(str(path)).translated_entries():
        welsh_forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for token in set(re.findall(r"\{[a-z_]+\}", entry.msgid)):
            for welsh in welsh_forms:
                assert token in welsh, f"{token} missing from the Welsh of {entry.msgid!r}"


def test_every_marked_sentence_is_in_its_catalogue(tmp_path):
    """`make messages` run on a copy of the code finds nothing the catalogues lack: no
    sentence was marked for translation and then left out of the Welsh."""
    for room in ROOMS:
        source = ROOT / room
        target = tmp_path / room
        shutil.copytree(
            source,
            target,
            ignore=shutil.ignore_patterns("__pycache__", "*.mo", "migrations", "static"),
        )
        (target / "locale" / "cy" / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    result = subprocess.run(  # noqa: S603 - Kith's own manage.py
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "makemessages",
            "-l",
            "cy",
            "--no-location",
            "--no-obsolete",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    missing: dict[str, list[str]] = {}
    for room in ROOMS:
        fresh_path = tmp_path / room / "locale" / "cy" / "LC_MESSAGES" / "django.po"
        if not fresh_path.exists():
            continue
        fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(fresh_path)) if e.msgid}
        kept_path = catalogue_of(room)
        kept = (
            {(e.msgctxt, e.msgid) for e in polib.pofile(str(kept_path)) if not e.obsolete}
            if kept_path.exists()
            else set()
        )
        lacking = sorted(msgid for _ctx, msgid in fresh - kept)
        if lacking:
            missing[room] = lacking
    assert not missing, "run `make messages` and translate: " + "; ".join(
        f"{room}: {len(ids)} new, e.g. {ids[:3]}" for room, ids in missing.items()
    )
