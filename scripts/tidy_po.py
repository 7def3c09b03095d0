"""Gives every Welsh catalogue (`<room>/locale/cy/LC_MESSAGES/django.po`) Kith's header after
`makemessages`: not fuzzy (a fuzzy header is skipped when compiling), the language named, and
no template boilerplate. Run by `make messages`."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER_COMMENT = (
    "# Kith in Welsh (Cymraeg): the words of one room of the service.\n"
    "# Reviewed by the council's Welsh language officer; see docs/welsh.md.\n"
)


def tidy(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition('msgid ""\nmsgstr ""\n')
    if not sep:
        return False
    head = HEADER_COMMENT
    rest = re.sub(
        r'"Project-Id-Version: [^"]*\\n"', r'"Project-Id-Version: Kith\\n"', rest, count=1
    )
    rest = re.sub(r'"Language: [^"]*\\n"', r'"Language: cy\\n"', rest, count=1)
    rest = re.sub(
        r'"Language-Team: [^"]*\\n"', r'"Language-Team: Welsh <cy@li.org>\\n"', rest, count=1
    )
    rest = re.sub(r'"POT-Creation-Date: [^"]*\\n"\n', "", rest, count=1)
    tidied = head + sep + rest
    if tidied != text:
        path.write_text(tidied, encoding="utf-8")
        return True
    return False


def catalogues() -> list[Path]:
    return sorted(
        p
        for p in ROOT.glob("*/locale/cy/LC_MESSAGES/django.po")
        if not p.is_relative_to(ROOT / ".venv")
    )


if __name__ == "__main__":
    changed = [str(p.relative_to(ROOT)) for p in catalogues() if tidy(p)]
    sys.stdout.write("".join(f"tidied {name}\n" for name in changed))
