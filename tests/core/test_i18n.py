"""The kept translations (`core.i18n`) say what Django's own functions say, in the language
active when they are called, and `speaking` leaves the language as it found it."""

from __future__ import annotations

import threading

from django.utils import translation

from core import i18n


def test_same_words_as_django_in_each_language():
    for language in ("en-gb", "cy"):
        with translation.override(language):
            assert i18n.gettext("new to Kith") == translation.gettext("new to Kith")
            for count in (1, 2, 7):
                assert i18n.ngettext(
                    "has completed %(count)s match", "has completed %(count)s matches", count
                ) == translation.ngettext(
                    "has completed %(count)s match", "has completed %(count)s matches", count
                )
            assert i18n.pgettext("evening", "Tuesday") == translation.pgettext("evening", "Tuesday")
    with translation.override("cy"):
        assert i18n.gettext("new to Kith") == "newydd i Kith"
    with translation.override("en-gb"):
        # Kept per language: the Welsh asked for first is not given to an English reader.
        assert i18n.gettext("new to Kith") == "new to Kith"


def test_speaking_switches_and_restores_the_language():
    with translation.override("en-gb"):
        with i18n.speaking("cy"):
            assert translation.get_language() == "cy"
            assert i18n.gettext("new to Kith") == "newydd i Kith"
            with i18n.speaking("en-gb"):
                assert i18n.gettext("new to Kith") == "new to Kith"
            assert i18n.gettext("new to Kith") == "newydd i Kith"
        assert translation.get_language() == "en-gb"
        assert i18n.gettext("new to Kith") == "new to Kith"


def test_speaking_is_one_threads_own():
    said = {}

    def other_thread():
        with translation.override("en-gb"):
            said["other"] = i18n.gettext("new to Kith")

    with i18n.speaking("cy"):
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        said["this"] = i18n.gettext("new to Kith")
    assert said == {"other": "new to Kith", "this": "newydd i Kith"}


def test_kept_words_are_dropped_when_the_catalogues_change(settings):
    with translation.override("cy"):
        i18n.gettext("new to Kith")
    assert i18n._gettext.cache_info().currsize > 0
    settings.LANGUAGE_CODE = "en-gb"
    assert i18n._gettext.cache_info().currsize == 0
