"""A display name is what other people read of a person. One typed with a phone number or an
email address in it is refused when the person saves it, and a name that holds them anyway
(saved before names were checked, or recorded by staff) is shown to others as the neutral
stand-in on every page and API answer that names the person — not only on listings."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import person_update_profile
from core.errors import ApplicationError
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

NUMBER = "07700 900456"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.default_format = "json"
    return client


@pytest.mark.parametrize(
    "name", [f"Tomasz {NUMBER}", "vic@evil.example", "Ann at gmail dot com", "+44 7700 900456"]
)
def test_a_name_with_contact_details_is_refused_and_nothing_is_saved(mcouncil, name):
    person = make.person(council=mcouncil, display_name="Tomasz K.")
    with pytest.raises(ApplicationError) as refused:
        person_update_profile(
            user=person, display_name=name, preferred_languages=["Polish"], gender=""
        )
    assert refused.value.code == "name_contact_details"
    person.refresh_from_db()
    assert (person.display_name, person.preferred_languages) == ("Tomasz K.", [])


def test_the_api_refuses_such_a_name_and_an_overlong_one_with_a_400(mcouncil):
    person = make.person(council=mcouncil, display_name="Tomasz K.")
    api = client_for(person)
    refused = api.patch("/api/v1/me/", {"display_name": f"Tomasz {NUMBER}"})
    assert refused.status_code == 400
    assert refused.json()["code"] == "name_contact_details"
    too_long = api.patch("/api/v1/me/", {"display_name": "A" * 61})
    assert too_long.status_code == 400
    assert too_long.json()["errors"][0]["field"] == "display_name"
    assert User.objects.get(pk=person.pk).display_name == "Tomasz K."
    assert api.patch("/api/v1/me/", {"display_name": "Tom K."}).status_code == 200


def test_a_name_holding_a_number_is_never_shown_to_the_other_person(mcouncil, client):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil, at=make.point_at(1500, 0))
    helper, citizen = offer.helper, need.owner
    # Saved before names were checked.
    User.objects.filter(pk=helper.pk).update(display_name=f"Tomasz {NUMBER}")
    helper.refresh_from_db()
    assert helper.public_name == f"Kith member {helper.pk}"

    helper_api, citizen_api = client_for(helper), client_for(citizen)
    # The helper's short profile on the person's suggestions: the stand-in, not "Tomasz 9.".
    ranked = citizen_api.get(f"/api/v1/needs/{need.pk}/matches/").json()
    assert [r["helper"]["name"] for r in ranked] == [f"Kith member {helper.pk}"]
    created = helper_api.post("/api/v1/matches/", {"need_id": need.pk, "offer_id": offer.pk})
    match_id = created.json()["id"]
    assert citizen_api.post(f"/api/v1/matches/{match_id}/accept/").status_code == 200
    helper_api.post(f"/api/v1/matches/{match_id}/messages/", {"body": "Hello"})

    answers = [
        citizen_api.get("/api/v1/matches/").content,
        citizen_api.get(f"/api/v1/matches/{match_id}/").content,
        citizen_api.get(f"/api/v1/matches/{match_id}/messages/").content,
        citizen_api.get(f"/api/v1/needs/{need.pk}/matches/").content,
    ]
    client.force_login(citizen)
    for page in (f"/matches/{match_id}/", "/home/", f"/needs/{need.pk}/"):
        answer = client.get(page)
        assert answer.status_code == 200, page
        answers.append(answer.content)
    for body in answers:
        assert b"900456" not in body
    assert f"Kith member {helper.pk}".encode() in answers[1]
    # The helper still sees their own name as they typed it, to change it.
    assert NUMBER in helper_api.get("/api/v1/me/").json()["display_name"]
