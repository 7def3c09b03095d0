"""Every page in Welsh: each page of the authorization matrix, opened by a person who may see
it, is rendered in English and in Welsh, and nothing it shows may be the same English in both
— except what people wrote themselves (names, titles, messages) and words that do not change
(Kith, DBS, numbers, postcodes). This is the test that fails when a sentence was never marked
for translation, wherever it lives (docs/welsh.md)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models

from accounts.models import User
from accounts.services import web_profile_set_role
from matching.profiles import short_name
from notifications.models import ContactPreference
from tests.kit import factories as make
from tests.security.test_url_matrix import (
    _values,
    world,  # noqa: F401 - the matrix's people and objects, used as a fixture here
)
from tests.security.url_classification import CLASSIFICATION, PUBLIC, concrete

# The first of these that may open a page opens it.
VIEWERS = (
    "owner",
    "helper",
    "council_admin",
    "safeguarding_lead",
    "moderator",
    "referrer",
    "other_citizen",
)
SAME_IN_BOTH = {
    "Kith",
    "Beta",
    "DBS",
    "ID",
    "CSV",
    "JSON",
    "GOV.UK",
    "English",
    "Cymraeg",
    "TOTP",
    # The names of Kith's cookies, on the cookies page.
    "sessionid",
    "csrftoken",
    "kith_language",
}
WORD = re.compile(r"[A-Za-z][A-Za-z’']+")
SKIPPED_PREFIXES = ("api/", "django-admin/", "notify/", "metrics", "healthz", "oruk/")
# Web addresses shown on a page (a feed's address to copy) are not words in any language.
ADDRESS = re.compile(r"\bhttps?://\S*|(?<![\w/])/[\w.-]+(?:/[\w.-]*)*")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._raw = 0

    def handle_starttag(self, tag, attrs):
        # A text box's content is the value being edited (the council's English checklist on
        # the English field), not the page's words.
        if tag in {"script", "style", "template", "textarea"}:
            self._raw += 1
        for name, value in attrs:
            if name in {"alt", "title", "aria-label", "placeholder"} and value:
                self.nodes.append(" ".join(value.split()))

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template", "textarea"} and self._raw:
            self._raw -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._raw:
            self.nodes.append(text)


def shown_text(html: str) -> list[str]:
    reader = _Text()
    reader.feed(html)
    reader.close()
    return reader.nodes


def people_wrote() -> list[str]:
    """Every text stored in the database (names, titles, messages, councils, organisations):
    what people wrote stays in the language they wrote it."""
    values: set[str] = set()
    for model in apps.get_models():
        if model._meta.label == "marketplace.Category":
            continue  # Kith's own kinds of help: named in Welsh too (`Category.name_cy`)
        # Free text only: a field with choices holds codes ("email", "need"), not words.
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.EmailField))
            and not f.choices
        ]
        if fields:
            for row in model.objects.values_list(*fields):
                values.update(v.strip() for v in row if isinstance(v, str) and len(v.strip()) > 2)
    # Names as others see them: first name and initial ("Bea S.").
    values.update(short_name(name) for name in User.objects.values_list("display_name", flat=True))
    return sorted(values, key=len, reverse=True)


POSTCODE_PART = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?(?: ?\d[A-Z]{2})?\b")


def english_left(node: str, own_words: list[str]) -> str:
    for same in sorted(SAME_IN_BOTH, key=len, reverse=True):
        node = re.sub(rf"\b{re.escape(same)}\b", " ", node)
    node = POSTCODE_PART.sub(" ", node)  # postcodes and their districts ("LS1")
    node = ADDRESS.sub(" ", node)
    for text in own_words:
        if text in node:
            node = node.replace(text, " ")
    return node if WORD.search(node) else ""


def _pages(matrix) -> list[tuple[str, str | None]]:
    pages = []
    for route, access in sorted(CLASSIFICATION.items()):
        if route.startswith(SKIPPED_PREFIXES) or "(?P<" in route:
            continue
        if access.anonymous == PUBLIC and "<" not in route:
            pages.append((concrete(route), None))
            continue
        for role in VIEWERS:
            expected = access.roles.get(role)
            if expected == 200 or (isinstance(expected, tuple) and expected == (200,)):
                pages.append((concrete(route, _values(route, matrix)), role))
                break
    return pages


def _get(client, path: str, *, language: str):
    client.cookies["kith_language"] = language
    return client.get(path)


@pytest.mark.django_db
def test_every_page_is_all_welsh_in_welsh(client, world):  # noqa: F811
    own_words = people_wrote()
    untranslated: dict[str, list[str]] = {}
    opened = 0
    for path, role in _pages(world):
        client.logout()
        if role:
            client.force_login(world["people"][role])
        english = _get(client, path, language="en-gb")
        welsh = _get(client, path, language="cy")
        if english.status_code != 200 or "text/html" not in english.get("Content-Type", ""):
            continue
        assert welsh.status_code == 200, path
        assert welsh["Content-Language"] == "cy", path
        opened += 1
        in_english = set(shown_text(english.content.decode()))
        left = [
            english_left(node, own_words)
            for node in shown_text(welsh.content.decode())
            if node in in_english
        ]
        left = sorted({node for node in left if node})
        if left:
            untranslated[f"{path} ({role or 'anyone'})"] = left
    assert opened > 40, f"only {opened} pages opened: the matrix's world has changed"
    assert not untranslated, "English on Welsh pages:\n" + "\n".join(
        f"{page}: {nodes[:6]}" for page, nodes in sorted(untranslated.items())
    )


@pytest.mark.django_db
def test_the_switch_remembers_the_choice_and_returns_to_the_page(client):
    response = client.get("/language/cy/?next=/privacy/")
    assert response.status_code == 302 and response["Location"] == "/privacy/"
    assert response.cookies["kith_language"].value == "cy"
    page = client.get("/privacy/")
    assert page["Content-Language"] == "cy"
    assert '<html lang="cy"' in page.content.decode()
    assert "English" in page.content.decode()  # the way back
    client.get("/language/en-gb/?next=/privacy/")
    assert client.get("/privacy/")["Content-Language"] == "en-gb"


@pytest.mark.django_db
def test_the_switch_goes_nowhere_but_kith_and_ignores_unknown_languages(client):
    response = client.get("/language/cy/?next=https://evil.example/")
    assert response["Location"] == "/"
    response = client.get("/language/xx/?next=/privacy/")
    assert "kith_language" not in response.cookies


@pytest.mark.django_db
def test_a_person_written_to_in_welsh_sees_welsh_pages(client):
    council = make.council()
    person = make.person(council=council)
    client.force_login(person)
    assert client.get("/privacy/")["Content-Language"] == "en-gb"
    ContactPreference.objects.create(person=person, language="cy")
    assert client.get("/privacy/")["Content-Language"] == "cy"
    client.cookies["kith_language"] = "en-gb"  # the switch wins
    assert client.get("/privacy/")["Content-Language"] == "en-gb"


@pytest.mark.django_db
def test_a_welsh_first_council_speaks_welsh_unless_the_person_chose_english(client):
    council = make.council()
    council.settings = {**council.settings, "welsh_first": True}
    council.save(update_fields=["settings"])
    person = make.person(council=council)
    client.force_login(person)
    assert client.get("/privacy/")["Content-Language"] == "cy"
    ContactPreference.objects.create(person=person, language="en")
    assert client.get("/privacy/")["Content-Language"] == "en-gb"


@pytest.mark.django_db
def test_the_api_answers_in_welsh_when_asked(client):
    """Refusals of the API, its framework's own included, in the language the caller asks
    for (Accept-Language), in English otherwise."""
    person = make.person(council=make.council())
    client.force_login(person)
    english = client.post("/api/v1/needs/", {}, content_type="application/json").json()
    welsh = client.post(
        "/api/v1/needs/", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="cy"
    ).json()
    assert "This field is required." in str(english)
    assert "Mae angen llenwi’r maes hwn." in str(welsh) and "This field" not in str(welsh)


@pytest.mark.django_db
@pytest.mark.parametrize("first_question", ["/needs/new/category/", "/offers/new/category/"])
def test_the_kinds_of_help_are_named_in_welsh(client, first_question):
    """Kith's own kinds of help have Welsh names and descriptions: the first question of
    asking for help and of offering it shows them on a Welsh page."""
    person = make.person(council=make.council())
    web_profile_set_role(user=person, role="both", onboarded=True)
    client.force_login(person)
    client.cookies["kith_language"] = "cy"
    page = client.get(first_question).content.decode()
    assert "Cyfeillio a sgyrsiau i gadw mewn cysylltiad" in page
    assert "Befriending and check-in chats" not in page
    client.cookies["kith_language"] = "en-gb"
    assert "Befriending and check-in chats" in client.get(first_question).content.decode()
