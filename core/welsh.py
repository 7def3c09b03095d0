"""Words a council or Kith keeps in English and, optionally, in Welsh (a category's name, a
council's name): the one rule for which of the two a page shows."""

from __future__ import annotations

from django.utils.translation import get_language


def in_active_language(english: str, welsh: str) -> str:
    """The Welsh when the active language is Welsh and there is some; the English otherwise."""
    if welsh and (get_language() or "").startswith("cy"):
        return welsh
    return english
