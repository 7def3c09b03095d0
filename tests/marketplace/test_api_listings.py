"""The marketplace API end to end: needs, offers, browsing, categories, staff decisions."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.models import StaffMembership
from core.models import AuditEvent
from marketplace.models import Need, Offer
from tests.kit import factories as make
from trust.models import Report

pytestmark = pytest.mark.django_db

NEED_BODY = {
    "category": "dog-walking",
    "title": "Walk my spaniel",
    "description": "He is friendly and likes the park.",
    "location": {"lat": 53.80, "lon": -1.55},
    "slots": [{"weekday": 0, "start": "09:00", "end": "11:00"}],
    "languages": ["en"],
}
OFFER_BODY = {
    "category": "dog-walking",
    "description": "I walk my own dog every morning.",
    "postcode": "LS2 7HY",
    "radius_m": 3000,
    "slots": [{"weekday": 0, "start": "08:00", "end": "12:00"}],
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.default_format = "json"  # the API reads JSON bodies only
    client.force_authenticate(user)
    return client


def test_create_read_update_withdraw_need(citizen):
    api = client_for(citizen)
    created = api.post("/api/v1/needs/", NEED_BODY, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "pending_review"
    assert body["location"] == {"lat": 53.8, "lon": -1.55}
    assert body["slots"] == [{"weekday": 0, "start": "09:00", "end": "11:00"}]
    pk = body["id"]
    assert api.get(f"/api/v1/needs/{pk}/").json()["title"] == "Walk my spaniel"
    patched = api.patch(f"/api/v1/needs/{pk}/", {"version": 1, "urgency": "soon"}, format="json")
    assert patched.status_code == 200
    assert (patched.json()["urgency"], patched.json()["version"]) == ("soon", 2)
    stale = api.patch(f"/api/v1/needs/{pk}/", {"version": 1, "title": "Lost"}, format="json")
    assert stale.status_code == 409
    assert "Someone changed this" in stale.json()["detail"]
    listed = api.get("/api/v1/needs/").json()
    assert [row["id"] for row in listed["results"]] == [pk]
    withdrawn = api.post(f"/api/v1/needs/{pk}/withdraw/")
    assert (withdrawn.json()["status"], withdrawn.json()["closed_reason"]) == (
        "closed",
        "withdrawn",
    )
    again = api.post(f"/api/v1/needs/{pk}/withdraw/")
    assert again.status_code == 400
    assert "cannot become closed" in again.json()["detail"]


def test_draft_then_submit(citizen):
    api = client_for(citizen)
    pk = api.post("/api/v1/needs/", {**NEED_BODY, "submit": False}, format="json").json()["id"]
    assert Need.objects.get(pk=pk).status == "draft"
    assert api.post(f"/api/v1/needs/{pk}/submit/").json()["status"] == "pending_review"


def test_out_of_area_refused_with_nothing_saved(citizen):
    response = client_for(citizen).post(
        "/api/v1/needs/", {**NEED_BODY, "location": {"lat": 48.85, "lon": 2.35}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Kith is not available in your area yet."
    assert Need.objects.count() == 0


def test_contact_details_get_a_clear_message(citizen):
    response = client_for(citizen).post(
        "/api/v1/needs/",
        {**NEED_BODY, "description": "text me on 07700 900 123"},
        format="json",
    )
    assert response.status_code == 400
    assert "Kith messages" in response.json()["detail"]


def test_bad_slots_get_a_clear_message(helper):
    body = {
        **OFFER_BODY,
        "slots": [
            {"weekday": 2, "start": "10:00", "end": "12:00"},
            {"weekday": 2, "start": "11:00", "end": "13:00"},
        ],
    }
    response = client_for(helper).post("/api/v1/offers/", body, format="json")
    assert response.status_code == 400
    assert "overlap" in response.json()["detail"]
    assert Offer.objects.count() == 0


def test_radius_over_the_council_cap(helper):
    response = client_for(helper).post(
        "/api/v1/offers/", {**OFFER_BODY, "radius_m": 9000}, format="json"
    )
    assert response.status_code == 400
    assert "no further than 8 km" in response.json()["detail"]


@pytest.mark.parametrize(
    "patch",
    [
        {"title": "x" * 81},
        {"description": "x" * 2001},
        {"location": {"lat": 91, "lon": 0}},
        {"location": {"lat": "NaN", "lon": 0}},
        {"slots": [{"weekday": 7, "start": "09:00", "end": "10:00"}]},
        {"slots": [{"weekday": 1, "start": "25:00", "end": "10:00"}]},
        {"helpers_wanted": 11},
        {"category": "no-such-thing"},
        {"languages": ["x" * 36]},
        {"dietary_requirements": ["carnivore"]},
        {"title": "nul\x00byte"},
        {"starts_at": "not a date"},
        {"timing": "one_off"},
        {"urgency": "yesterday"},
    ],
)
def test_bad_input_is_a_400_not_a_crash(citizen, patch):
    response = client_for(citizen).post("/api/v1/needs/", {**NEED_BODY, **patch}, format="json")
    assert response.status_code == 400
    assert Need.objects.count() == 0


def test_offer_lifecycle_over_the_api(helper, moderator):
    api = client_for(helper)
    pk = api.post("/api/v1/offers/", OFFER_BODY, format="json").json()["id"]
    assert api.post(f"/api/v1/offers/{pk}/pause/").status_code == 400
    staff = client_for(moderator)
    assert staff.post(f"/api/v1/staff/offers/{pk}/approve/").json()["status"] == "open"
    assert api.post(f"/api/v1/offers/{pk}/pause/").json()["status"] == "paused"
    assert api.post(f"/api/v1/offers/{pk}/resume/").json()["status"] == "open"
    patched = api.patch(f"/api/v1/offers/{pk}/", {"version": 1, "capacity": 3}, format="json")
    assert patched.json()["capacity"] == 3
    assert api.post(f"/api/v1/offers/{pk}/close/").json()["status"] == "closed"


def test_browse_needs_near_me_with_bands_filters_and_pages(helper, moderator, home_council):
    owners = [make.person(council=home_council) for _ in range(3)]
    near = make.open_need(owner=owners[0], moderator=moderator, lon=-1.561, lat=53.811)
    far = make.open_need(owner=owners[1], moderator=moderator, lon=-1.48, lat=53.77)
    chat = make.open_need(
        owner=owners[2],
        moderator=moderator,
        lon=-1.57,
        lat=53.815,
        category_slug="befriending",
        title="A weekly chat",
    )
    api = client_for(helper)
    page = api.get("/api/v1/needs/near/").json()
    assert page["count"] == 3
    ids = [row["id"] for row in page["results"]]
    assert ids == [near.pk, chat.pk, far.pk]
    assert page["results"][0]["distance_band"] == "less than 1 km away"
    assert page["results"][2]["distance_band"] == "about 5 to 10 km away"
    assert page["results"][2]["distance_label"] == "about 5 to 10 km away"
    welsh = api.get("/api/v1/needs/near/", HTTP_ACCEPT_LANGUAGE="cy").json()["results"]
    assert [(row["distance_band"], row["distance_label"]) for row in welsh[::2]] == [
        ("less than 1 km away", "llai nag 1 km i ffwrdd"),
        ("about 5 to 10 km away", "tua 5 i 10 km i ffwrdd"),
    ]
    only_chats = api.get("/api/v1/needs/near/?category=befriending").json()
    assert [row["id"] for row in only_chats["results"]] == [chat.pk]
    close = api.get("/api/v1/needs/near/?max_distance_m=3000").json()
    assert {row["id"] for row in close["results"]} == {near.pk, chat.pk}
    paged = api.get("/api/v1/needs/near/?page_size=2&page=2").json()
    assert [row["id"] for row in paged["results"]] == [far.pk]
    assert api.get("/api/v1/needs/near/?category=nope").status_code == 400
    assert api.get("/api/v1/needs/near/?max_distance_m=abc").status_code == 400
    # A page past the last is a mistake in the request, named like any other.
    beyond = api.get("/api/v1/needs/near/?page=99")
    assert beyond.status_code == 400
    assert [e["field"] for e in beyond.json()["errors"]] == ["page"]


def test_browse_refuses_an_origin_sent_by_the_client(helper, moderator, citizen):
    """Distances are from the person's stored home: an origin in the query is not a parameter
    of the operation, and saying so beats answering as if it had been used."""
    make.open_need(owner=citizen, moderator=moderator)
    api = client_for(helper)
    spoofed = api.get("/api/v1/needs/near/?lat=53.9&lon=-1.2&origin=53.9,-1.2")
    assert spoofed.status_code == 400
    assert sorted(e["field"] for e in spoofed.json()["errors"]) == ["lat", "lon", "origin"]


def test_offers_near_me(citizen, helper, moderator):
    offer = make.open_offer(helper=helper, moderator=moderator)
    rows = client_for(citizen).get("/api/v1/offers/near/").json()["results"]
    assert [row["id"] for row in rows] == [offer.pk]
    assert rows[0]["reach_band"] == "travels up to about 3 km"
    assert "radius_m" not in rows[0]


def test_categories_show_council_switches(citizen, council_admin):
    api = client_for(council_admin)
    switched = api.post("/api/v1/staff/categories/gardening/", {"enabled": False}, format="json")
    assert switched.json() == {"slug": "gardening", "enabled": False}
    rows = {row["slug"]: row for row in client_for(citizen).get("/api/v1/categories/").json()}
    assert rows["gardening"]["enabled"] is False
    assert rows["personal-care"]["required_level"] == 2
    assert rows["personal-care"]["is_regulated_activity"] is True
    assert rows["hot-meals"]["is_meal"] is True
    assert len(rows) == 10
    assert api.post("/api/v1/staff/categories/nope/", {"enabled": False}).status_code == 404


def test_staff_review_queue_and_decisions(citizen, helper, moderator):
    need = make.need(owner=citizen)
    offer = make.offer(helper=helper)
    staff = client_for(moderator)
    queue = staff.get("/api/v1/staff/review/needs/").json()
    assert [row["id"] for row in queue["results"]] == [need.pk]
    assert "location" not in queue["results"][0]
    assert [r["id"] for r in staff.get("/api/v1/staff/review/offers/").json()["results"]] == [
        offer.pk
    ]
    rejected = staff.post(
        f"/api/v1/staff/needs/{need.pk}/reject/",
        {"reason": "Please say what time of day."},
        format="json",
    )
    assert rejected.json()["status"] == "closed"
    mine = client_for(citizen).get(f"/api/v1/needs/{need.pk}/").json()
    assert mine["rejection_reason"] == "Please say what time of day."
    assert staff.post(f"/api/v1/staff/needs/{need.pk}/reject/", {}).status_code == 400
    assert AuditEvent.objects.filter(verb="need.rejected", actor_id=moderator.pk).count() == 1


def test_staff_see_exact_location_and_the_read_is_audited(citizen, council_admin):
    need = make.need(owner=citizen)
    body = client_for(council_admin).get(f"/api/v1/needs/{need.pk}/").json()
    assert body["location"] == {"lat": 53.8, "lon": -1.55}
    assert AuditEvent.objects.filter(verb="need.viewed", actor_id=council_admin.pk).count() == 1


def test_staff_without_mfa_are_refused(citizen, home_council):
    no_mfa = make.staff(council=home_council, mfa=False)
    response = client_for(no_mfa).get("/api/v1/staff/review/needs/")
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]


def test_staff_record_a_need_on_behalf(citizen, moderator, away_council):
    body = {**NEED_BODY, "owner_id": citizen.pk, "consent_given": True, "consent_note": "Phone"}
    response = client_for(moderator).post("/api/v1/staff/needs/", body, format="json")
    assert response.status_code == 201, response.json()
    need = Need.objects.get()
    assert (need.owner, need.recorded_by, need.status) == (citizen, moderator, "open")
    no_consent = client_for(moderator).post(
        "/api/v1/staff/needs/", {**body, "consent_given": False}, format="json"
    )
    assert no_consent.status_code == 400
    stranger = make.person(council=away_council)
    elsewhere = client_for(moderator).post(
        "/api/v1/staff/needs/", {**body, "owner_id": stranger.pk}, format="json"
    )
    assert elsewhere.status_code == 400
    assert Need.objects.count() == 1


def test_reports_and_blocks_over_the_api(citizen, other_citizen, moderator):
    need = make.open_need(owner=citizen, moderator=moderator)
    api = client_for(other_citizen)
    made = api.post(
        "/api/v1/reports/",
        {"target_type": "need", "target_id": need.pk, "reason": "Odd"},
        format="json",
    )
    assert made.status_code == 201
    report = Report.objects.get()
    staff = client_for(moderator)
    listed = staff.get("/api/v1/staff/reports/").json()["results"]
    assert [row["id"] for row in listed] == [report.pk]
    decided = staff.post(
        f"/api/v1/staff/reports/{report.pk}/decide/", {"upheld": False}, format="json"
    )
    assert decided.json()["status"] == "dismissed"
    blocked = api.post("/api/v1/blocks/", {"person_id": citizen.pk}, format="json")
    assert blocked.status_code == 201
    assert blocked.json()["person_name"] == "Margaret"
    assert api.get(f"/api/v1/needs/{need.pk}/").status_code == 404
    assert api.get("/api/v1/blocks/").json()["count"] == 1
    assert api.delete(f"/api/v1/blocks/{citizen.pk}/").status_code == 204
    assert api.get(f"/api/v1/needs/{need.pk}/").status_code == 200


def test_one_off_need_over_the_api(citizen):
    start = dt.datetime(2030, 5, 1, 10, tzinfo=dt.UTC)
    body = {
        **NEED_BODY,
        "timing": "one_off",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
        "slots": [],
    }
    response = client_for(citizen).post("/api/v1/needs/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["expires_at"].startswith("2030-05-01")


def test_schema_documents_every_marketplace_endpoint(api_client):
    schema = api_client.get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).json()
    paths = schema["paths"]
    for path in [
        "/api/v1/needs/",
        "/api/v1/needs/{id}/",
        "/api/v1/needs/near/",
        "/api/v1/offers/{id}/pause/",
        "/api/v1/staff/review/needs/",
        "/api/v1/staff/needs/{id}/reject/",
        "/api/v1/reports/",
        "/api/v1/blocks/",
        "/api/v1/staff/categories/{slug}/",
    ]:
        assert path in paths, path
    create = paths["/api/v1/needs/"]["post"]
    assert "NeedCreateInput" in str(create["requestBody"])
    public = schema["components"]["schemas"]["NeedPublicOutput"]["properties"]
    assert "location" not in public and "postcode" not in public
    assert StaffMembership  # roles are exercised in the permission matrix


def test_a_display_name_holding_contact_details_is_not_shown(citizen, helper, moderator):
    citizen.display_name = "Maggie 07700 900123"
    citizen.save()
    need = make.open_need(owner=citizen, moderator=moderator)
    body = client_for(helper).get(f"/api/v1/needs/{need.pk}/").json()
    assert body["owner_name"] == f"Kith member {citizen.pk}"


def test_error_answers_are_documented(api_client):
    schema = api_client.get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).json()
    patch = schema["paths"]["/api/v1/needs/{id}/"]["patch"]["responses"]
    assert {"200", "400", "401", "404", "409"} <= set(patch)


@pytest.mark.parametrize("slug", ["dog\x00walking", "DOG-WALKING", "x" * 41, 7])
def test_odd_category_values_are_a_400(helper, slug):
    body = {**OFFER_BODY, "category": slug}
    assert client_for(helper).post("/api/v1/offers/", body, format="json").status_code == 400
    assert client_for(helper).get("/api/v1/offers/near/", {"category": slug}).status_code == 400
