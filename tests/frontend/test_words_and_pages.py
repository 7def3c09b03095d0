"""Words shown back to people as they chose them (how soon, languages by name), character
counts on long text instead of silent cutting, the other ways to ask for help on the start
page, the accessibility statement in the required format and the cookies page."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from accounts.models import Council, User
from frontend.match_forms import MessageForm
from frontend.words import languages_said, languages_typed, urgency_said
from matching.words import language_key, language_name
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def welsh(client):
    client.cookies["kith_language"] = "cy"
    return client


# --- How soon, and languages ------------------------------------------------------------------
def test_the_words_people_chose_for_how_soon_are_shown_back():
    with translation.override("en-gb"):
        assert urgency_said("routine") == "There is no rush"
        assert urgency_said("soon") == "In the next few days"
        assert urgency_said("urgent") == "Today or tomorrow"


def test_the_need_page_says_there_is_no_rush_not_routine(client):
    council = make.council()
    need = make.need_row(council=council, urgency="routine")
    client.force_login(need.owner)
    html = client.get(reverse("need_detail", args=[need.pk])).content.decode()
    assert "There is no rush" in html and "Routine" not in html
    html = welsh(client).get(reverse("need_detail", args=[need.pk])).content.decode()
    assert "Does dim brys" in html


def test_languages_are_shown_by_name_in_the_language_of_the_page(client):
    with translation.override("en-gb"):
        assert languages_said(["en", "pl"]) == "English, Polish"
        assert languages_said(["Polish", "  ", "xx"]) == "Polish, Xx"
    with translation.override("cy"):
        assert languages_said(["en", "pl"]) == "Saesneg, Pwyleg"
    assert languages_typed(["en", "pl"]) == "English, Polish"
    with translation.override("cy"):
        assert languages_typed(["en", "Polish"]) == "Saesneg, Pwyleg"
    person = make.person()
    User.objects.filter(pk=person.pk).update(preferred_languages=["en", "pl"])
    client.force_login(person)
    html = client.get(reverse("account_home")).content.decode()
    assert "English, Polish" in html and "en, pl" not in html
    # The field to change them shows the names too.
    html = client.get(reverse("account_profile")).content.decode()
    assert 'value="English, Polish"' in html


# --- Character counts -------------------------------------------------------------------------
def _message_field_html(client) -> str:
    council = make.council()
    need = make.need_row(council=council)
    client.force_login(need.owner)
    return client.get(reverse("need_change", args=[need.pk, "details"])).content.decode()


def test_long_text_has_a_character_count_and_is_never_cut(client):
    html = _message_field_html(client)
    group = re.search(r'<div class="govuk-form-group[^"]*govuk-character-count"[^>]*>', html)
    assert group, "no character count"
    assert 'data-module="govuk-character-count"' in group.group(0)
    assert 'data-maxlength="2000"' in group.group(0)
    assert "data-i18n.characters-under-limit.other" in group.group(0)
    textarea = re.search(r"<textarea[^>]*>", html).group(0)
    assert "maxlength" not in textarea
    assert "govuk-js-character-count" in textarea
    assert re.search(r'aria-describedby="[^"]*-info"', textarea)
    # Without JavaScript the limit is still said.
    assert "You can enter up to 2,000 characters" in html


def test_the_character_count_speaks_welsh_on_welsh_pages(client):
    html = _message_field_html(welsh(client))
    group = re.search(r'<div class="govuk-form-group[^"]*govuk-character-count"[^>]*>', html)
    assert "Mae gennych %{count} nod ar ôl" in group.group(0)
    assert 'data-i18n.characters-over-limit.few="Mae gennych %{count} nod yn ormod"' in (
        group.group(0)
    )
    assert "Gallwch roi hyd at 2,000 nod" in html


def test_text_that_is_too_long_is_refused_with_a_clear_error():
    with translation.override("en-gb"):
        form = MessageForm(data={"body": "a" * 2001})
        assert not form.is_valid()
        assert form.errors["body"] == ["Keep it to 2,000 characters or fewer."]


# --- Other ways to ask, the statement and cookies ---------------------------------------------
def test_start_page_gives_the_councils_phone_and_email(client):
    council = make.council(contact_email="help@leafield.example")
    Council.objects.filter(pk=council.pk).update(settings={"contact_phone": "0113 496 0000"})
    html = client.get(reverse("home")).content.decode()
    assert "Other ways to ask for help" in html
    assert 'href="tel:01134960000"' in html and "0113 496 0000" in html
    assert 'href="mailto:help@leafield.example"' in html


def test_start_page_without_a_known_council_says_to_call_yours(client):
    make.council()
    make.council(centre=(-2.25, 53.48))
    html = client.get(reverse("home")).content.decode()
    assert "Phone your local council" in html
    assert 'href="https://www.gov.uk/find-local-council"' in html
    assert "tel:" not in html


def test_accessibility_statement_has_the_required_sections(client):
    html = client.get(reverse("accessibility")).content.decode()
    for heading in (
        "How accessible this website is",
        "Feedback and contact information",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Technical information about this website’s accessibility",
        "Compliance status",
        "Non-accessible content",
        "What we’re doing to improve accessibility",
        "Preparation of this accessibility statement",
    ):
        assert heading in html, heading
    assert "This statement was prepared on 5 December 2026" in html
    html = welsh(client).get(reverse("accessibility")).content.decode()
    assert "Y weithdrefn orfodi" in html and "5 Rhagfyr 2026" in html


@override_settings(LANGUAGE_COOKIE_NAME="kith_language")
def test_cookies_page_names_every_cookie_and_is_in_the_footer(client):
    html = client.get(reverse("cookies")).content.decode()
    assert "<title>Cookies – Kith</title>" in html
    for name in ("sessionid", "csrftoken", "kith_language", "messages"):
        assert f">{name}<" in html
    assert f'href="{reverse("cookies")}"' in client.get(reverse("privacy")).content.decode()


def test_languages_typed_in_welsh_are_understood_and_kept_by_their_english_names(client):
    """A Welsh speaker follows the hint ("Cymraeg, Saesneg"): the names are kept as the
    English ones listings are compared by, and shown back in Welsh."""
    assert [language_key(v) for v in ("Saesneg", "saesneg ", "English", "en")] == ["english"] * 4
    assert language_name("Cymraeg") == "Welsh" and language_name("Klingon") == "Klingon"
    person = make.person()
    client.force_login(person)
    welsh(client)
    form = {"display_name": "Siân P.", "languages": "Cymraeg, Saesneg, Klingon"}
    assert client.post(reverse("account_profile"), form).status_code == 302
    person.refresh_from_db()
    assert person.preferred_languages == ["Welsh", "English", "Klingon"]
    page = client.get(reverse("account_profile")).content.decode()
    assert 'value="Cymraeg, Saesneg, Klingon"' in page


def test_an_answer_sent_past_its_limit_is_refused_in_plain_words():
    from frontend.forms import AboutYouForm

    form = AboutYouForm({"display_name": "M" * 75, "languages": "", "gender": ""})
    assert not form.is_valid()
    assert form.errors["display_name"] == ["Keep it to 60 characters or fewer."]
