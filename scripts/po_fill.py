"""Fills Welsh translations into a catalogue from a JSON file of {"English": "Cymraeg"} (a
plural entry takes a list of four forms: one, two, few/other, many), without touching entries
the file does not name. For translators working outside a PO editor:

    .venv/bin/python scripts/po_fill.py frontend/locale/cy/LC_MESSAGES/django.po words.json
    .venv/bin/python scripts/po_fill.py --missing frontend/locale/cy/LC_MESSAGES/django.po

`--missing` prints, as JSON, the entries still untranslated or fuzzy. An entry with a context
(`pgettext`) is named "context\u0004English", as gettext itself names it.
"""

from __future__ import annotations

import json
import sys

import polib


def key(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid


def missing(path: str) -> dict[str, str]:
    catalogue = polib.pofile(path)
    return {
        key(entry): ""
        for entry in catalogue
        if not entry.obsolete and (not entry.translated() or "fuzzy" in entry.flags)
    }


def fill(path: str, words: dict[str, str | list[str]]) -> int:
    catalogue = polib.pofile(path, wrapwidth=79)
    filled = 0
    for entry in catalogue:
        welsh = words.get(key(entry), words.get(entry.msgid))
        if welsh is None or entry.obsolete:
            continue
        if entry.msgid_plural:
            forms = welsh if isinstance(welsh, list) else [welsh] * 4
            entry.msgstr_plural = dict(enumerate(forms))
        else:
            entry.msgstr = welsh if isinstance(welsh, str) else welsh[0]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = None
        filled += 1
    catalogue.save(path)
    return filled


if __name__ == "__main__":
    if sys.argv[1] == "--missing":
        json.dump(missing(sys.argv[2]), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        with open(sys.argv[2], encoding="utf-8") as f:
            count = fill(sys.argv[1], json.load(f))
        sys.stdout.write(f"{count} entries filled\n")
