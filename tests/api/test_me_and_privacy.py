"""The person's own account through the API: changing their home, name and languages
(`PATCH /api/v1/me/`) and how Kith contacts them (`PUT /api/v1/me/contact/`), through the
services the account pages use; downloading their data and deleting their account
(`/api/v1/me/export/`, `/api/v1/me/erase/`, with the account pages' rules); and bodies that
are not JSON refused with 415."""

from __future__ import annotations

import pytest
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import is_erased
from config.parsers import JSON_ONLY
from config.problems import PROBLEM_CONTENT_TYPE
from notifications.models import ContactPreference
from tests.api.tokens import token_headers
from tests.kit import factories as make
from trust import concerns as trust_concerns
from trust.models import SafeguardingConcern

pytestmark = pytest.mark.django_db

HOME = "LS1 1AA"


def client_with(user, **token) -> APIClient:
    client = APIClient()
    client.default_format = "json"
    client.credentials(HTTP_AUTHORIZATION=token_headers(user, **token)["Authorization"])
    return client


@pytest.fixture
def council():
    council = make.council()
    make.PostcodeFactory(postcode=HOME, location=make.point_at(0, 0))
    return council


# --- PATCH /me/ -------------------------------------------------------------------------------
def test_a_home_set_through_the_api_brings_its_council(council):
    person = make.UserFactory()
    answer = client_with(person).patch("/api/v1/me/", {"home_postcode": "ls11aa"})
    assert answer.status_code == 200
    assert (answer.json()["home_postcode"], answer.json()["council"]) == (HOME, council.slug)
    person.refresh_from_db()
    assert person.home_location is not None
    assert person.council_id == council.pk


def test_an_unknown_postcode_is_refused_and_nothing_is_saved(council):
    person = make.UserFactory(preferred_languages=["English"])
    answer = client_with(person).patch(
        "/api/v1/me/", {"home_postcode": "ZZ9 9ZZ", "preferred_languages": ["Welsh"]}
    )
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    person.refresh_from_db()
    assert (person.home_postcode, person.home_location) == ("", None)
    assert person.preferred_languages == ["English"]


def test_name_and_languages_change_alone():
    person = make.UserFactory(display_name="Pat")
    answer = client_with(person).patch("/api/v1/me/", {"preferred_languages": ["Cymraeg "]})
    assert answer.status_code == 200
    person.refresh_from_db()
    assert (person.display_name, person.preferred_languages) == ("Pat", ["Cymraeg"])
    refused = client_with(person).patch("/api/v1/me/", {"display_name": "  "})
    assert refused.status_code == 400
    assert refused.json()["code"] in {"blank", "name_missing"}


def test_a_read_only_token_cannot_change_the_account(council):
    person = make.UserFactory()
    answer = client_with(person, scopes=("read",)).patch("/api/v1/me/", {"home_postcode": HOME})
    assert answer.status_code == 403
    person.refresh_from_db()
    assert person.home_postcode == ""


# --- JSON only --------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["multipart", "urlencoded"])
def test_a_form_body_is_a_415_that_says_to_send_json(council, form):
    person = make.UserFactory()
    client = client_with(person)
    if form == "multipart":
        answer = client.patch("/api/v1/me/", {"home_postcode": HOME}, format="multipart")
    else:
        answer = client.generic(
            "PATCH", "/api/v1/me/", "home_postcode=LS1+1AA", "application/x-www-form-urlencoded"
        )
    assert answer.status_code == 415
    assert answer["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    assert answer.json()["detail"] == str(JSON_ONLY)
    person.refresh_from_db()
    assert person.home_postcode == ""


# --- Download my data -------------------------------------------------------------------------
def test_the_download_holds_the_persons_own_data(council):
    person = make.person(display_name="Pat Person")
    need = make.need(owner=person)
    answer = client_with(person).get("/api/v1/me/export/")
    assert answer.status_code == 200
    data = answer.json()
    assert data["account"]["email"] == person.email
    assert [n["title"] for n in data["needs"]] == [need.title]


def test_nobody_downloads_without_signing_in():
    assert APIClient().get("/api/v1/me/export/").status_code == 401


# --- Delete my account ------------------------------------------------------------------------
@pytest.mark.parametrize("body", [{}, {"confirm": False}])
def test_erasure_asks_for_confirmation(body):
    person = make.person()
    answer = client_with(person).post("/api/v1/me/erase/", body)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "confirm"
    assert not is_erased(User.objects.get(pk=person.pk))


def test_erasure_deletes_the_account_and_its_tokens_stop_working():
    person = make.person()
    client = client_with(person)
    answer = client.post("/api/v1/me/erase/", {"confirm": True})
    assert answer.status_code == 200
    assert is_erased(User.objects.get(pk=person.pk))
    assert client.get("/api/v1/me/").status_code == 401


def test_erasure_waits_while_a_concern_is_open_as_on_the_account_page():
    council = make.CouncilFactory(contact_email="help@kindly.example")
    lead = make.staff(council=council, role=make.Role.SAFEGUARDING_LEAD, lon=-1.54, lat=53.79)
    person = make.person(council=council)
    trust_concerns.concern_raise(
        actor=lead,
        about_id=person.pk,
        summary="Asked a helper for money",
        priority=SafeguardingConcern.Priority.HIGH,
    )
    answer = client_with(person).post("/api/v1/me/erase/", {"confirm": True})
    assert answer.status_code == 400
    assert answer.json()["code"] == "erasure_on_hold"
    assert "help@kindly.example" in answer.json()["detail"]
    assert not is_erased(User.objects.get(pk=person.pk))


def test_a_read_only_token_cannot_erase():
    person = make.person()
    answer = client_with(person, scopes=("read",)).post("/api/v1/me/erase/", {"confirm": True})
    assert answer.status_code == 403
    assert not is_erased(User.objects.get(pk=person.pk))


# --- How Kith contacts the person -------------------------------------------------------------
def test_contact_preferences_are_saved_through_the_pages_service():
    person = make.UserFactory()
    client = client_with(person)
    chosen = {
        "by_email": True,
        "by_sms": False,
        "by_letter": True,
        "postal_address": "1 High Street\nLeeds\nLS1 1AA",
        "quiet_start": "21:00",
        "quiet_end": "08:00",
        "language": "cy",
    }
    answer = client.put("/api/v1/me/contact/", chosen)
    assert answer.status_code == 200
    read = client.get("/api/v1/me/contact/").json()
    assert read == answer.json()
    assert (read["by_letter"], read["quiet_start"], read["language"]) == (True, "21:00", "cy")
    pref = ContactPreference.objects.get(person=person)
    assert pref.postal_address.endswith("LS1 1AA")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"by_sms": True}, "mobile_required"),
        ({"by_letter": True}, "address_required"),
        ({"quiet_start": "21:00"}, "quiet_hours"),
    ],
)
def test_contact_preferences_are_checked_as_on_the_page(change, code):
    person = make.UserFactory()
    body = {"by_email": True, "by_sms": False, "by_letter": False, **change}
    answer = client_with(person).put("/api/v1/me/contact/", body)
    assert answer.status_code == 400
    assert answer.json()["code"] == code
    assert not ContactPreference.objects.filter(person=person).exists()


def test_an_application_acting_for_a_person_cannot_erase_them():
    """An OAuth application with `write` may change the person's data, never delete them."""
    person = make.person()
    client = APIClient()
    client.force_authenticate(person, token=AccessToken(user=person, scope="read write"))
    answer = client.post("/api/v1/me/erase/", {"confirm": True}, format="json")
    assert answer.status_code == 403
    assert "account pages" in answer.json()["detail"]
    assert not is_erased(User.objects.get(pk=person.pk))
