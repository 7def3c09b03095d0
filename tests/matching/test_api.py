"""The matching API: who may see what (a role × object matrix), rankings, match actions,
messages and their privacy, reports, feedback, alert preferences and unsubscribe.

Council staff reach matches, rankings and conversations through the matching API only with
two-factor authentication, as on every other staff tool: without an authenticator app they
get a 403 with the same message (and nothing is read, audited or changed); with one, 200.
The two people of a match are not staff there, so a member of staff who is also a citizen
keeps their own listings without an authenticator app. The list of matches is for everyone:
without an authenticator app a member of staff lists only the matches they are one of the two
people of, as any person does; with one, all of their council's."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from rest_framework.test import APIClient

from accounts.models import StaffMembership
from accounts.permissions import STAFF_MFA_MESSAGE
from core.models import AuditEvent
from matching import services
from matching.models import AlertPreference, Match, StaffConversationRead
from tests.kit import factories as make
from trust.models import Report

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.default_format = "json"  # the API reads JSON bodies only
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def world(mcouncil):
    need = make.need_row(council=mcouncil, slots=[(1, (18, 0), (20, 0))])
    offer = make.offer_row(
        council=mcouncil, at=make.point_at(1500, 0), slots=[(1, (17, 0), (21, 0))]
    )
    away = make.council()
    return {
        "council": mcouncil,
        "need": need,
        "offer": offer,
        "citizen": need.owner,
        "helper": offer.helper,
        "stranger": make.person(council=mcouncil),
        "staff": make.staff(council=mcouncil, lives_here=True, with_home=False),
        "away_staff": make.staff(council=away, lives_here=True, with_home=False),
    }


@pytest.mark.parametrize(
    "who, need_status, offer_status",
    [
        ("citizen", 200, 404),
        ("helper", 404, 200),
        ("staff", 200, 200),
        ("stranger", 404, 404),
        ("away_staff", 404, 404),
        (None, 401, 401),
    ],
)
def test_ranking_endpoints_matrix(world, who, need_status, offer_status):
    client = client_for(world[who] if who else None)
    assert client.get(f"/api/v1/needs/{world['need'].pk}/matches/").status_code == need_status
    assert client.get(f"/api/v1/offers/{world['offer'].pk}/matches/").status_code == offer_status


def test_need_ranking_shows_band_approx_point_and_public_name_only(world):
    response = client_for(world["citizen"]).get(f"/api/v1/needs/{world['need'].pk}/matches/")
    [row] = response.json()
    offer = world["offer"]
    assert row["offer_id"] == offer.pk
    assert row["helper_name"] == offer.helper.public_name
    assert set(row["helper"]) == {"name", "checks", "languages", "helping_since", "people_helped"}
    assert row["helper"]["people_helped"] == 0
    assert row["distance_band"] == "about 1 to 2 km away"
    assert row["distance_label"] == "about 1 to 2 km away"
    assert row["approx_location"] == {
        "lon": round(offer.approx_location.x, 5),
        "lat": round(offer.approx_location.y, 5),
    }
    assert row["explanation"].startswith("about 1 to 2 km away · free Tuesday evening, your only")
    assert set(row["components"]) >= {"proximity", "availability", "reliability"}
    body = response.content.decode()
    assert offer.helper.email not in body
    assert f"{offer.location.x:.6f}"[:9] not in body


def test_bands_are_said_in_the_language_of_the_request(world):
    """`distance_label` is the band in Welsh when the request asks for Welsh, like the
    explanation; `distance_band` keeps its English, which clients compare with."""
    client = client_for(world["citizen"])
    [pair] = client.get(
        f"/api/v1/needs/{world['need'].pk}/matches/", HTTP_ACCEPT_LANGUAGE="cy"
    ).json()
    assert pair["distance_band"] == "about 1 to 2 km away"
    assert pair["distance_label"] == "tua 1 i 2 km i ffwrdd"
    assert pair["explanation"].startswith("tua 1 i 2 km i ffwrdd")
    [need] = (
        client_for(world["helper"])
        .get(f"/api/v1/offers/{world['offer'].pk}/matches/", HTTP_ACCEPT_LANGUAGE="cy")
        .json()
    )
    assert (need["distance_band"], need["distance_label"]) == (
        "about 1 to 2 km away",
        "tua 1 i 2 km i ffwrdd",
    )


def test_offer_ranking_for_the_helper(world):
    response = client_for(world["helper"]).get(
        f"/api/v1/offers/{world['offer'].pk}/matches/?limit=3"
    )
    [row] = response.json()
    assert row["need_id"] == world["need"].pk
    assert row["person_name"] == world["citizen"].public_name


def test_propose_accept_message_complete_feedback_through_the_api(world):
    helper, citizen = client_for(world["helper"]), client_for(world["citizen"])
    created = helper.post(
        "/api/v1/matches/", {"need_id": world["need"].pk, "offer_id": world["offer"].pk}
    )
    assert created.status_code == 201, created.json()
    match_id = created.json()["id"]
    assert created.json()["your_role"] == "helper"
    assert created.json()["other_person"] == world["citizen"].public_name
    # Messages wait until the match is accepted.
    early = helper.post(f"/api/v1/matches/{match_id}/messages/", {"body": "Hello"})
    assert early.status_code == 400
    assert "once both of you have accepted" in early.json()["detail"]
    assert citizen.get(f"/api/v1/matches/{match_id}/").json()["waiting_for_you"] is True
    in_welsh = citizen.get(f"/api/v1/matches/{match_id}/", HTTP_ACCEPT_LANGUAGE="cy").json()
    assert (in_welsh["distance_band"], in_welsh["distance_label"]) == (
        "about 1 to 2 km away",
        "tua 1 i 2 km i ffwrdd",
    )
    accepted = citizen.post(f"/api/v1/matches/{match_id}/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    sent = helper.post(f"/api/v1/matches/{match_id}/messages/", {"body": "Hello Margaret"})
    assert sent.status_code == 201
    listed = citizen.get(f"/api/v1/matches/{match_id}/messages/").json()["results"]
    assert [(m["body"], m["is_mine"]) for m in listed] == [("Hello Margaret", False)]
    assert citizen.post(f"/api/v1/matches/{match_id}/complete/").json()["status"] == "completed"
    fb = citizen.post(f"/api/v1/matches/{match_id}/feedback/", {"rating": 5, "comment": "Lovely"})
    assert fb.status_code == 201
    again = citizen.post(f"/api/v1/matches/{match_id}/feedback/", {"rating": 4})
    assert again.status_code == 400
    bad = helper.post(f"/api/v1/matches/{match_id}/feedback/", {"rating": 9})
    assert bad.status_code == 400


def test_a_message_staff_sent_for_the_person_says_so_without_naming_staff(world):
    match = services.match_offer_help(
        helper=world["helper"], need_id=world["need"].pk, offer_id=world["offer"].pk
    )
    services.match_accept(user=world["citizen"], match_id=match.pk)
    staff = world["staff"]
    staff.display_name = "Sam Lead"
    staff.save(update_fields=["display_name"])
    services.message_send(
        user=world["citizen"], match_id=match.pk, body="Ten suits her.", sent_for_by=staff
    )
    services.message_send(user=world["helper"], match_id=match.pk, body="See you then.")
    for who in ("helper", "citizen"):
        response = client_for(world[who]).get(f"/api/v1/matches/{match.pk}/messages/")
        listed = response.json()["results"]
        assert [(m["body"], m["sender_name"], m["sent_by_council"]) for m in listed] == [
            ("Ten suits her.", world["citizen"].public_name, True),
            ("See you then.", world["helper"].public_name, False),
        ]
        assert staff.email not in response.content.decode()
        assert "Sam Lead" not in response.content.decode()


def test_refused_transition_is_a_clear_400(world):
    match = services.match_offer_help(
        helper=world["helper"], need_id=world["need"].pk, offer_id=world["offer"].pk
    )
    response = client_for(world["citizen"]).post(f"/api/v1/matches/{match.pk}/complete/")
    assert response.status_code == 400
    assert response.json()["detail"] == "This match has not been agreed yet."
    declined = client_for(world["citizen"]).post(
        f"/api/v1/matches/{match.pk}/decline/", {"reason": "Not now"}
    )
    assert declined.json()["decline_reason"] == "Not now"


def _accepted_match(world):
    match = services.match_offer_help(
        helper=world["helper"], need_id=world["need"].pk, offer_id=world["offer"].pk
    )
    services.match_accept(user=world["citizen"], match_id=match.pk)
    services.message_send(
        user=world["citizen"], match_id=match.pk, body="My number is 0113 496 0000"
    )
    return match


@pytest.mark.parametrize("who", ["stranger", "away_staff"])
def test_message_privacy_outsiders_get_404(world, who):
    match = _accepted_match(world)
    client = client_for(world[who])
    assert client.get(f"/api/v1/matches/{match.pk}/").status_code == 404
    assert client.get(f"/api/v1/matches/{match.pk}/messages/").status_code == 404
    assert client.post(f"/api/v1/matches/{match.pk}/messages/", {"body": "hi"}).status_code == 404
    message = match.messages.get()
    assert client.post(f"/api/v1/messages/{message.pk}/report/", {"reason": "x"}).status_code == 404
    assert client.post(f"/api/v1/matches/{match.pk}/cancel/").status_code == 404


WHY = "?reason=A report says the helper asked for money"


def test_only_the_safeguarding_lead_reads_messages_saying_why_and_each_read_is_audited(world):
    match = _accepted_match(world)
    url = f"/api/v1/matches/{match.pk}/messages/"
    # A moderator moderates listings: a private conversation is not theirs to read.
    refused = client_for(world["staff"]).get(url + WHY)
    assert refused.status_code == 403 and "safeguarding lead" in refused.json()["detail"]
    lead = make.staff(council=world["council"], role=StaffMembership.Role.SAFEGUARDING_LEAD)
    staff = client_for(lead)
    no_reason = staff.get(url)
    assert no_reason.status_code == 400 and "Say why" in no_reason.json()["detail"]
    assert not StaffConversationRead.objects.exists()
    for _ in range(2):
        response = staff.get(url + WHY)
        assert response.status_code == 200
        assert response.json()["results"][0]["body"] == "My number is 0113 496 0000"
    reads = AuditEvent.objects.filter(verb="messages.read_by_staff", target_id=match.pk)
    assert reads.count() == 2
    assert {e.actor_id for e in reads} == {lead.pk}
    recorded = StaffConversationRead.objects.filter(match=match, staff=lead)
    assert [r.reason for r in recorded] == ["A report says the helper asked for money"] * 2
    assert {e.data["read"] for e in reads} == {r.pk for r in recorded}
    # Staff read, but do not write into, a conversation.
    assert staff.post(url, {"body": "x"}).status_code == 404
    # The two people reading their own conversation is not audited as a staff read.
    client_for(world["helper"]).get(f"/api/v1/matches/{match.pk}/messages/")
    assert reads.count() == 2


def test_a_message_can_be_reported_by_the_other_person(world):
    match = _accepted_match(world)
    message = match.messages.get()
    response = client_for(world["helper"]).post(
        f"/api/v1/messages/{message.pk}/report/", {"reason": "Asked me for money"}
    )
    assert response.status_code == 201
    report = Report.objects.get(pk=response.json()["id"])
    assert report.target_type == "message" and report.target_id == message.pk
    assert report.council == world["council"]
    assert AuditEvent.objects.filter(verb="message.reported").count() == 1


def test_match_list_shows_only_your_matches(world):
    match = _accepted_match(world)
    assert [
        m["id"] for m in client_for(world["helper"]).get("/api/v1/matches/").json()["results"]
    ] == [match.pk]
    assert client_for(world["stranger"]).get("/api/v1/matches/").json()["results"] == []
    assert client_for(world["away_staff"]).get("/api/v1/matches/").json()["results"] == []
    assert [
        m["id"] for m in client_for(world["staff"]).get("/api/v1/matches/").json()["results"]
    ] == [match.pk]


def test_staff_propose_and_other_council_staff_cannot(world):
    payload = {"need_id": world["need"].pk, "offer_id": world["offer"].pk}
    assert client_for(world["away_staff"]).post("/api/v1/matches/", payload).status_code == 404
    assert client_for(world["stranger"]).post("/api/v1/matches/", payload).status_code == 404
    response = client_for(world["staff"]).post("/api/v1/matches/", payload)
    assert response.status_code == 201
    assert response.json()["proposed_by"] == "staff"


def test_alert_preferences_and_anonymous_unsubscribe(world):
    helper = client_for(world["helper"])
    assert helper.get("/api/v1/me/alerts/").json()["opted_in"] is False
    response = helper.put(
        "/api/v1/me/alerts/",
        {"opted_in": True, "quiet_start": "21:00", "quiet_end": "08:00", "daily_cap": 2},
        format="json",
    )
    assert response.status_code == 200 and response.json()["daily_cap"] == 2
    half = helper.put(
        "/api/v1/me/alerts/", {"opted_in": True, "quiet_start": "21:00"}, format="json"
    )
    assert half.status_code == 400 and "quiet hours" in half.json()["detail"]
    token = AlertPreference.objects.get(user=world["helper"]).unsubscribe_token
    anonymous = client_for(None)
    assert anonymous.post("/api/v1/alerts/unsubscribe/not-a-token/").status_code == 404
    assert anonymous.get(f"/api/v1/alerts/unsubscribe/{token}/").status_code == 200
    assert AlertPreference.objects.get(user=world["helper"]).opted_in is False


def test_schema_documents_the_matching_endpoints(world):
    response = client_for(world["staff"]).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/needs/{id}/matches/",
        "/api/v1/offers/{id}/matches/",
        "/api/v1/matches/{id}/accept/",
        "/api/v1/matches/{id}/messages/",
        "/api/v1/messages/{id}/report/",
        "/api/v1/me/alerts/",
    ):
        assert path in paths, path


@pytest.mark.parametrize("who, expected", [("staff", 201), ("away_staff", 201), ("citizen", 404)])
def test_staff_run_a_round_for_their_own_council_only(world, who, expected):
    response = client_for(world[who]).post("/api/v1/staff/rounds/")
    assert response.status_code == expected
    if who == "away_staff":
        assert response.json()["summary"]["needs"] == 0  # their council has no listings
    if who == "staff":
        body = response.json()
        assert body["summary"]["optimal"]["needs_met"] == 1
        [proposal] = body["proposals"]
        assert proposal["helper_name"] == world["helper"].public_name
        round_id = body["id"]
        away = client_for(world["away_staff"])
        assert away.get(f"/api/v1/staff/rounds/{round_id}/").status_code == 404
        assert away.post(f"/api/v1/staff/rounds/{round_id}/apply/").status_code == 404
        applied = client_for(world["staff"]).post(f"/api/v1/staff/rounds/{round_id}/apply/")
        assert applied.json() == {"sent": 1, "not_sent": 0, "skipped": 0}
        again = client_for(world["staff"]).post(f"/api/v1/staff/rounds/{round_id}/discard/")
        assert again.status_code == 400


def test_rounds_need_the_matching_rounds_capability(world, mcouncil):
    """Staff whose role lacks `matching_rounds` (a safeguarding lead) cannot run, read, send
    or discard a round of their own council: 404, as for anyone who is not staff."""
    from accounts.models import StaffMembership
    from matching.models import Round

    lead = make.staff(
        council=mcouncil,
        role=StaffMembership.Role.SAFEGUARDING_LEAD,
        lives_here=True,
        with_home=False,
    )
    assert client_for(lead).post("/api/v1/staff/rounds/").status_code == 404
    assert not Round.objects.exists()
    round_id = client_for(world["staff"]).post("/api/v1/staff/rounds/").json()["id"]
    for method, url in (
        ("get", f"/api/v1/staff/rounds/{round_id}/"),
        ("post", f"/api/v1/staff/rounds/{round_id}/apply/"),
        ("post", f"/api/v1/staff/rounds/{round_id}/discard/"),
    ):
        assert getattr(client_for(lead), method)(url).status_code == 404, url
    assert Round.objects.get(pk=round_id).status == Round.Status.PROPOSED
    admin = make.staff(
        council=mcouncil, role=StaffMembership.Role.COUNCIL_ADMIN, lives_here=True, with_home=False
    )
    assert client_for(admin).get(f"/api/v1/staff/rounds/{round_id}/").status_code == 200


def test_rounds_refuse_staff_without_two_factor_authentication(mcouncil):
    from accounts.models import StaffMembership
    from matching.models import Round

    admin = make.staff(
        council=mcouncil,
        role=StaffMembership.Role.COUNCIL_ADMIN,
        mfa=False,
        lives_here=True,
        with_home=False,
    )
    response = client_for(admin).post("/api/v1/staff/rounds/")
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]
    assert not Round.objects.exists()


# --- Staff need two-factor authentication for the matching API ---------------------------------
MESSAGE = STAFF_MFA_MESSAGE


@pytest.fixture
def staff_world(db):
    council = make.council()
    need = make.need_row(council=council)
    offer = make.offer_row(council=council, at=make.point_at(800, 0))
    match = services.match_request(citizen=need.owner, need_id=need.pk, offer_id=offer.pk)
    services.match_accept(user=offer.helper, match_id=match.pk)
    services.message_send(user=need.owner, match_id=match.pk, body="Thursday at ten?")
    spare_need = make.need_row(council=council, at=make.point_at(0, 300))
    spare_offer = make.offer_row(council=council, at=make.point_at(300, 300))
    return {
        "council": council,
        "need": need,
        "offer": offer,
        "match": match,
        "spare_need": spare_need,
        "spare_offer": spare_offer,
        "no_mfa": make.staff(
            council=council,
            role=StaffMembership.Role.COUNCIL_ADMIN,
            mfa=False,
            lives_here=True,
            with_home=False,
        ),
        "mfa": make.staff(
            council=council,
            role=StaffMembership.Role.COUNCIL_ADMIN,
            lives_here=True,
            with_home=False,
        ),
    }


def _reads(staff_world) -> list[str]:
    """Staff reads of things that are not theirs (the list of matches is for everyone)."""
    m = staff_world["match"].pk
    return [
        f"/api/v1/needs/{staff_world['need'].pk}/matches/",
        f"/api/v1/offers/{staff_world['offer'].pk}/matches/",
        f"/api/v1/matches/{m}/",
        f"/api/v1/matches/{m}/messages/?reason=Checking a report about this match",
    ]


def _refused(response) -> bool:
    return response.status_code == 403 and response.json()["detail"] == MESSAGE


def test_staff_reads_without_two_factor_are_refused_with_the_staff_tools_message(staff_world):
    client = client_for(staff_world["no_mfa"])
    answers = {path: client.get(path) for path in _reads(staff_world)}
    assert all(_refused(r) for r in answers.values()), {
        p: (r.status_code, r.content[:120]) for p, r in answers.items()
    }
    # Nothing was read: no audited staff read of the conversation.
    assert not AuditEvent.objects.filter(verb="messages.read_by_staff").exists()


def test_the_list_of_matches_without_two_factor_leaves_out_the_councils(staff_world):
    response = client_for(staff_world["no_mfa"]).get("/api/v1/matches/")
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


def test_staff_reads_with_two_factor_succeed(staff_world):
    client = client_for(staff_world["mfa"])
    answers = {path: client.get(path).status_code for path in _reads(staff_world)}
    assert set(answers.values()) == {200}, answers
    listed = client.get("/api/v1/matches/").json()["results"]
    assert [(m["id"], m["your_role"]) for m in listed] == [(staff_world["match"].pk, "staff")]
    messages = client.get(f"/api/v1/matches/{staff_world['match'].pk}/messages/" + WHY).json()
    assert [m["body"] for m in messages["results"]] == ["Thursday at ten?"]
    assert AuditEvent.objects.filter(verb="messages.read_by_staff").count() == 2


def test_staff_without_two_factor_cannot_propose_a_match(staff_world):
    payload = {"need_id": staff_world["spare_need"].pk, "offer_id": staff_world["spare_offer"].pk}
    response = client_for(staff_world["no_mfa"]).post("/api/v1/matches/", payload, format="json")
    assert _refused(response)
    assert not Match.objects.filter(need=staff_world["spare_need"]).exists()
    response = client_for(staff_world["mfa"]).post("/api/v1/matches/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["proposed_by"] == Match.ProposedBy.STAFF


@pytest.mark.parametrize("action", ["accept", "decline", "cancel", "start", "complete"])
def test_staff_match_actions_need_two_factor(staff_world, action):
    path = f"/api/v1/matches/{staff_world['match'].pk}/{action}/"
    assert _refused(client_for(staff_world["no_mfa"]).post(path, {}, format="json"))
    staff_world["match"].refresh_from_db()
    assert staff_world["match"].status == Match.Status.ACCEPTED


@pytest.mark.parametrize("action, status", [("cancel", 200), ("complete", 200), ("start", 400)])
def test_staff_match_actions_with_two_factor_reach_the_rules(staff_world, action, status):
    path = f"/api/v1/matches/{staff_world['match'].pk}/{action}/"
    response = client_for(staff_world["mfa"]).post(path, {}, format="json")
    assert response.status_code == status, response.content


def test_the_staff_reads_open_to_a_session_that_used_the_authenticator(staff_world):
    staff = staff_world["no_mfa"]
    path = f"/api/v1/matches/{staff_world['match'].pk}/messages/" + WHY
    assert client_for(staff).get(path).status_code == 403
    TOTP.activate(staff, generate_totp_secret())
    # An authenticator on the account is not enough (docs/adr/0007) ...
    assert client_for(staff).get(path).status_code == 403
    # ... a session that used it is (force_login records the code: tests/conftest.py).
    client = APIClient()
    client.force_login(staff)
    assert client.get(path).status_code == 200


def test_staff_of_another_council_still_get_not_found_not_forbidden(staff_world):
    away = make.staff(
        council=make.council(centre=(-2.25, 53.48)), mfa=False, lives_here=True, with_home=False
    )
    client = client_for(away)
    m = staff_world["match"].pk
    for path in (
        f"/api/v1/needs/{staff_world['need'].pk}/matches/",
        f"/api/v1/offers/{staff_world['offer'].pk}/matches/",
        f"/api/v1/matches/{m}/",
        f"/api/v1/matches/{m}/messages/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/api/v1/matches/{m}/cancel/", {}, format="json").status_code == 404


def test_staff_member_who_is_one_of_the_people_keeps_their_own_match(staff_world):
    """Their own need and match are theirs as a citizen, not as staff."""
    council = staff_world["council"]
    own = make.staff(council=council, mfa=False, lives_here=True, with_home=False)
    need = make.need_row(council=council, owner=own, at=make.point_at(0, -300))
    offer = make.offer_row(council=council, at=make.point_at(200, -300))
    match = services.match_request(citizen=own, need_id=need.pk, offer_id=offer.pk)
    client = client_for(own)
    assert client.get(f"/api/v1/needs/{need.pk}/matches/").status_code == 200
    # Their own match is listed, as to any citizen; the council's other match is not.
    listed = client.get("/api/v1/matches/")
    assert listed.status_code == 200, listed.content
    assert [(m["id"], m["your_role"]) for m in listed.json()["results"]] == [(match.pk, "citizen")]
    # Another person's match is still a staff read: 403 for it and its conversation.
    other = staff_world["match"].pk
    assert _refused(client.get(f"/api/v1/matches/{other}/"))
    assert _refused(client.get(f"/api/v1/matches/{other}/messages/"))
    response = client.get(f"/api/v1/matches/{match.pk}/")
    assert response.status_code == 200
    assert response.json()["your_role"] == "citizen"
    assert client.get(f"/api/v1/matches/{match.pk}/messages/").status_code == 200
    response = client.post(f"/api/v1/matches/{match.pk}/cancel/", {}, format="json")
    assert response.status_code == 200, response.content
    # Signed in with an authenticator app, the list holds the council's matches too, each in
    # its role (force_login records the code: tests/conftest.py).
    TOTP.activate(own, generate_totp_secret())
    with_code = APIClient()
    with_code.force_login(own)
    listed = with_code.get("/api/v1/matches/").json()["results"]
    roles = {m["id"]: m["your_role"] for m in listed}
    assert roles == {match.pk: "citizen", other: "staff"}
