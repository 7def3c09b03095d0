"""Translated words looked up once per language and message.

Django's `gettext` finds the active language and then walks the merged catalogues and their
fallbacks on every call; an English message, which has no entry of its own, walks them all.
Words said thousands of times in one go (a round explaining tens of thousands of proposals in
English and Welsh, each list of suggestions) pay that on each call. A message's translation in
a language never changes while the process runs, so these ask Django once for each (language,
message) and keep the answer. They take the same arguments as Django's and `makemessages`
finds their messages as it finds Django's (`from core.i18n import gettext as _`). The kept
answers are dropped whenever the settings that choose the catalogues change (tests)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation


# Each kept answer is asked of Django in the language of its key, so an answer is never kept
# under another language's key.
@lru_cache(maxsize=4096)
def _gettext(language: str | None, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


@lru_cache(maxsize=4096)
def _ngettext(language: str | None, singular: str, plural: str, number: int) -> str:
    with translation.override(language):
        return translation.ngettext(singular, plural, number)


@lru_cache(maxsize=1024)
def _pgettext(language: str | None, context: str, message: str) -> str:
    with translation.override(language):
        return translation.pgettext(context, message)


_speaking = threading.local()


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """`translation.override(language)` for a block that says many words in that one
    language: these functions then read the language from here instead of asking Django for
    it at every word. Nothing inside the block may switch language itself."""
    before = getattr(_speaking, "language", None)
    with translation.override(language):
        _speaking.language = translation.get_language()
        try:
            yield
        finally:
            _speaking.language = before


def _language() -> str | None:
    return getattr(_speaking, "language", None) or translation.get_language()


def gettext(message: str) -> str:
    """`django.utils.translation.gettext`, kept per language."""
    return _gettext(_language(), message)


def ngettext(singular: str, plural: str, number: int) -> str:
    """`django.utils.translation.ngettext`, kept per language."""
    return _ngettext(_language(), singular, plural, number)


def pgettext(context: str, message: str) -> str:
    """`django.utils.translation.pgettext`, kept per language."""
    return _pgettext(_language(), context, message)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: object) -> None:
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS"}:
        for cached in (_gettext, _ngettext, _pgettext):
            cached.cache_clear()
