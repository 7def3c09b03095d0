"""Words shown back to people as they chose them: how soon they need help in the words of the
question they answered ("There is no rush", never the staff's "Routine"), and languages by
name in the language of the page ("English, Polish", never "en, pl")."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from marketplace.models import Urgency
from matching.words import language_name, language_said

StrOrPromise = str | Promise

#: The answers to "How soon do you need help?", and the words shown back wherever the need is.
URGENCY_WORDS: dict[str, StrOrPromise] = {
    Urgency.ROUTINE: _("There is no rush"),
    Urgency.SOON: _("In the next few days"),
    Urgency.URGENT: _("Today or tomorrow"),
}


def urgency_said(value: str) -> str:
    """How soon a need's owner said they need help, in their words."""
    return str(URGENCY_WORDS.get(value, value))


def languages_said(values: Iterable[str] | None) -> str:
    """Languages (stored as codes or names) by name in the language of the page, with commas."""
    return ", ".join(language_said(language_name(v)) for v in values or () if v.strip())


def languages_typed(values: Iterable[str] | None) -> str:
    """Languages by name in the language of the page, as a text field shows them for changing
    ("en, pl" becomes "English, Polish", or "Saesneg, Pwyleg" in Welsh). What is typed back
    is read in either language (`matching.words.language_name`)."""
    return languages_said(values)
