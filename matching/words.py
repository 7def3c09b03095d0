"""The words of a suggestion's explanation, in the reader's language: languages by name,
distance bands, times of day, and lists joined with "and" and "or" (in Welsh with the mutation
the joining word asks for). `matching.scoring` decides what to say; this module says it.
Listings are compared by `language_key`, which stays English whatever the page's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache

from django.utils import translation
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.i18n import gettext as _
from core.i18n import pgettext
from marketplace.availability import as_slots, overlapping_slots

# Listings may store ISO 639-1 codes ("pl") or names ("Polish"); people read names.
LANGUAGE_NAMES = {
    "ar": "Arabic", "bn": "Bengali", "cy": "Welsh", "de": "German", "en": "English",
    "es": "Spanish", "fa": "Persian", "fr": "French", "gd": "Gaelic", "gu": "Gujarati",
    "hi": "Hindi", "it": "Italian", "ku": "Kurdish", "lt": "Lithuanian", "pa": "Punjabi",
    "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "so": "Somali",
    "ta": "Tamil", "ti": "Tigrinya", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu",
    "zh": "Chinese",
}  # fmt: skip


def language_name(value: str) -> str:
    """A language's English name, from a code ("pl"), its English name or its Welsh one
    ("Pwyleg"): people type names in the language they read the page in. Anything else is
    kept as typed, with a capital."""
    value = value.strip()
    low = value.lower()
    return LANGUAGE_NAMES.get(low) or _welsh_names().get(low) or value[:1].upper() + value[1:]


@cache
def _welsh_names() -> dict[str, str]:
    """Each language's Welsh name in lower case (from Kith's Welsh catalogue) -> its English
    name."""
    with translation.override("cy"):
        return {str(word).lower(): name for name, word in LANGUAGE_WORDS.items()}


def language_key(value: str) -> str:
    """What two listings' languages are compared by: the name, in lower case."""
    return language_name(value).lower()


# The names people read, in the language of the page (`language_name` stays English: it is
# what listings are compared by).
LANGUAGE_WORDS = {
    "Arabic": gettext_lazy("Arabic"),
    "Bengali": gettext_lazy("Bengali"),
    "Welsh": gettext_lazy("Welsh"),
    "German": gettext_lazy("German"),
    "English": gettext_lazy("English"),
    "Spanish": gettext_lazy("Spanish"),
    "Persian": gettext_lazy("Persian"),
    "French": gettext_lazy("French"),
    "Gaelic": gettext_lazy("Gaelic"),
    "Gujarati": gettext_lazy("Gujarati"),
    "Hindi": gettext_lazy("Hindi"),
    "Italian": gettext_lazy("Italian"),
    "Kurdish": gettext_lazy("Kurdish"),
    "Lithuanian": gettext_lazy("Lithuanian"),
    "Punjabi": gettext_lazy("Punjabi"),
    "Polish": gettext_lazy("Polish"),
    "Portuguese": gettext_lazy("Portuguese"),
    "Romanian": gettext_lazy("Romanian"),
    "Russian": gettext_lazy("Russian"),
    "Somali": gettext_lazy("Somali"),
    "Tamil": gettext_lazy("Tamil"),
    "Tigrinya": gettext_lazy("Tigrinya"),
    "Turkish": gettext_lazy("Turkish"),
    "Ukrainian": gettext_lazy("Ukrainian"),
    "Urdu": gettext_lazy("Urdu"),
    "Chinese": gettext_lazy("Chinese"),
}


def language_said(name: str) -> str:
    """A language's name (`language_name`) in the language of the page."""
    # Each entry's message is its key: looked up through the kept translations.
    return _(name) if name in LANGUAGE_WORDS else name


# Welsh joins "and" (a, ac) and "or" (neu) with a mutation of the word that follows: the
# English is untouched.
_VOWELS = "aeiouwyâêîôûŵŷ"
_ASPIRATE = {"c": "ch", "p": "ph", "t": "th"}
_SOFT: tuple[tuple[str, str], ...] = (
    ("ll", "l"),
    ("rh", "r"),
    ("p", "b"),
    ("t", "d"),
    ("c", "g"),
    ("b", "f"),
    ("d", "dd"),
)
_SOFT += (("g", ""), ("m", "f"))


def _welsh() -> bool:
    return (translation.get_language() or "").startswith("cy")


def _mutate(word: str, table) -> str:
    low = word.lower()
    if low[:2] in ("ch", "ph", "th", "dd", "ff"):
        return word
    for radical, mutated in table:
        if low.startswith(radical):
            rest = word[len(radical) :]
            if word[:1].isupper():
                return (
                    (mutated[:1].upper() + mutated[1:] + rest)
                    if mutated
                    else rest[:1].upper() + rest[1:]
                )
            return mutated + rest
    return word


def said_after(words: str) -> str:
    """Words put in a sentence after "on", "to" or "of" ("the visit on Tuesday 8 December",
    "your offer of befriending"). Welsh says them after "ar", "i" or "o", which take the soft
    mutation, and writes a day's "dydd" in lower case inside a sentence: "ar ddydd Mawrth",
    "o gyfeillio". English is returned as it is."""
    if not _welsh() or not words:
        return words
    if words.startswith("Dydd "):
        words = "d" + words[1:]
    return _mutate(words, _SOFT)


def and_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    head, last = ", ".join(items[:-1]), items[-1]
    if _welsh() and last[:1].lower() in _VOWELS:
        return pgettext("before a vowel", "%(items)s and %(last)s") % {"items": head, "last": last}
    if _welsh():
        last = _mutate(last, tuple(_ASPIRATE.items()))
    return _("%(items)s and %(last)s") % {"items": head, "last": last}


def or_list(items: list[str]) -> str:
    said = items[0] if items else ""
    for item in items[1:]:
        said = _("%(items)s or %(last)s") % {
            "items": said,
            "last": _mutate(item, _SOFT) if _welsh() else item,
        }
    return said


def _part_of_day(t: dt.time) -> str:
    if t.hour < 12:
        return "morning"
    if t.hour < 17:
        return "afternoon"
    return "evening"


# Each weekday in each part of the day ("Tuesday" in "Tuesday evening"): Welsh names the
# two together ("nos Fawrth").
_DAY_IN_PART = {
    "morning": (
        pgettext_lazy("morning", "Monday"),
        pgettext_lazy("morning", "Tuesday"),
        pgettext_lazy("morning", "Wednesday"),
        pgettext_lazy("morning", "Thursday"),
        pgettext_lazy("morning", "Friday"),
        pgettext_lazy("morning", "Saturday"),
        pgettext_lazy("morning", "Sunday"),
    ),
    "afternoon": (
        pgettext_lazy("afternoon", "Monday"),
        pgettext_lazy("afternoon", "Tuesday"),
        pgettext_lazy("afternoon", "Wednesday"),
        pgettext_lazy("afternoon", "Thursday"),
        pgettext_lazy("afternoon", "Friday"),
        pgettext_lazy("afternoon", "Saturday"),
        pgettext_lazy("afternoon", "Sunday"),
    ),
    "evening": (
        pgettext_lazy("evening", "Monday"),
        pgettext_lazy("evening", "Tuesday"),
        pgettext_lazy("evening", "Wednesday"),
        pgettext_lazy("evening", "Thursday"),
        pgettext_lazy("evening", "Friday"),
        pgettext_lazy("evening", "Saturday"),
        pgettext_lazy("evening", "Sunday"),
    ),
}
_ONE_DAY = {
    "morning": gettext_lazy("%(day)s morning"),
    "afternoon": gettext_lazy("%(day)s afternoon"),
    "evening": gettext_lazy("%(day)s evening"),
}
_DAYS = {
    "morning": gettext_lazy("%(days)s mornings"),
    "afternoon": gettext_lazy("%(days)s afternoons"),
    "evening": gettext_lazy("%(days)s evenings"),
}


def _when(covered: Sequence) -> str:
    """'Tuesday and Thursday evenings, Saturday morning': the days and parts of the day."""
    by_part: dict[str, list[int]] = {}
    for slot in sorted(covered):
        days = by_part.setdefault(_part_of_day(slot.start), [])
        if slot.weekday not in days:
            days.append(slot.weekday)
    phrases = []
    for part, days in by_part.items():
        names = [str(_DAY_IN_PART[part][day]) for day in days]
        if len(names) > 1:
            phrases.append(str(_DAYS[part]) % {"days": and_list(names)})
        else:
            phrases.append(str(_ONE_DAY[part]) % {"day": names[0]})
    return and_list(phrases)


def times_phrase(*, need_slots: Sequence, offer_slots: Sequence, viewer: str) -> str:
    """'free Tuesday and Thursday evenings, 2 of your 3 times' (viewer "need"), or with
    'their' for a helper looking at a need."""
    need = as_slots(need_slots)
    if not need or not offer_slots:
        return _("times to be arranged")
    covered = overlapping_slots(need, offer_slots)
    if not covered:
        return _("no shared times")
    said = {"when": _when(covered), "covered": len(covered), "count": len(need)}
    if viewer == "need":
        if len(need) == 1:
            return _("free %(when)s, your only time") % said
        if len(covered) == len(need) == 2:
            return _("free %(when)s, both your times") % said
        if len(covered) == len(need):
            return _("free %(when)s, all %(count)s of your times") % said
        return _("free %(when)s, %(covered)s of your %(count)s times") % said
    if len(need) == 1:
        return _("free %(when)s, their only time") % said
    if len(covered) == len(need) == 2:
        return _("free %(when)s, both their times") % said
    if len(covered) == len(need):
        return _("free %(when)s, all %(count)s of their times") % said
    return _("free %(when)s, %(covered)s of their %(count)s times") % said


def few_times_phrase(*, need_slots: Sequence, offer_slots: Sequence, viewer: str) -> str:
    """The times when they count against: 'free for only 1 of your 3 times (Tuesday
    evening)'."""
    need = as_slots(need_slots)
    covered = overlapping_slots(need, offer_slots)
    if not covered:
        return _("no shared times")
    if len(covered) < len(need):
        said = {"covered": len(covered), "count": len(need), "when": _when(covered)}
        if viewer == "need":
            return _("free for only %(covered)s of your %(count)s times (%(when)s)") % said
        return _("free for only %(covered)s of their %(count)s times (%(when)s)") % said
    if viewer == "need":
        if len(need) == 1:
            return _("free for only part of your time")
        return _("free for only part of your times")
    if len(need) == 1:
        return _("free for only part of their time")
    return _("free for only part of their times")
