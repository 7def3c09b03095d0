"""Council staff reach matches, rankings and conversations through the matching API only with
two-factor authentication, as on every other staff tool: without an authenticator app they
get a 403 with the same message (and nothing is read, audited or changed); with one, 200.

The two people of a match are not staff there, so a member of staff who is also a citizen keeps
their own listings without an authenticator app. The list of matches is for everyone: without
an authenticator app a member of staff lists only the matches they are one of the two people
of, as any person does; with one, all of their council's."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from rest_framework.test import APIClient

from accounts.models import StaffMembership
from core.models import AuditEvent
from matching import services
from matching.models import Match
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

MESSAGE = "Set up two-factor authentication before using staff tools."


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(db):
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


def _reads(world) -> list[str]:
    """Staff reads of things that are not theirs (the list of matches is for everyone)."""
    m = world["match"].pk
    return [
        f"/api/v1/needs/{world['need'].pk}/matches/",
        f"/api/v1/offers/{world['offer'].pk}/matches/",
        f"/api/v1/matches/{m}/",
        f"/api/v1/matches/{m}/messages/",
    ]


def _refused(response) -> bool:
    return response.status_code == 403 and response.json()["detail"] == MESSAGE


def test_staff_reads_without_two_factor_are_refused_with_the_staff_tools_message(world):
    client = client_for(world["no_mfa"])
    answers = {path: client.get(path) for path in _reads(world)}
    assert all(_refused(r) for r in answers.values()), {
        p: (r.status_code, r.content[:120]) for p, r in answers.items()
    }
    # Nothing was read: no audited staff read of the conversation.
    assert not AuditEvent.objects.filter(verb="messages.read_by_staff").exists()


def test_the_list_of_matches_without_two_factor_leaves_out_the_councils(world):
    response = client_for(world["no_mfa"]).get("/api/v1/matches/")
    assert response.status_code == 200, response.content
    assert response.json() == []


def test_staff_reads_with_two_factor_succeed(world):
    client = client_for(world["mfa"])
    answers = {path: client.get(path).status_code for path in _reads(world)}
    assert set(answers.values()) == {200}, answers
    listed = client.get("/api/v1/matches/").json()
    assert [(m["id"], m["your_role"]) for m in listed] == [(world["match"].pk, "staff")]
    messages = client.get(f"/api/v1/matches/{world['match'].pk}/messages/").json()
    assert [m["body"] for m in messages] == ["Thursday at ten?"]
    assert AuditEvent.objects.filter(verb="messages.read_by_staff").count() == 2


def test_staff_without_two_factor_cannot_propose_a_match(world):
    payload = {"need_id": world["spare_need"].pk, "offer_id": world["spare_offer"].pk}
    response = client_for(world["no_mfa"]).post("/api/v1/matches/", payload, format="json")
    assert _refused(response)
    assert not Match.objects.filter(need=world["spare_need"]).exists()
    response = client_for(world["mfa"]).post("/api/v1/matches/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["proposed_by"] == Match.ProposedBy.STAFF


@pytest.mark.parametrize("action", ["accept", "decline", "cancel", "start", "complete"])
def test_staff_match_actions_need_two_factor(world, action):
    path = f"/api/v1/matches/{world['match'].pk}/{action}/"
    assert _refused(client_for(world["no_mfa"]).post(path, {}, format="json"))
    world["match"].refresh_from_db()
    assert world["match"].status == Match.Status.ACCEPTED


@pytest.mark.parametrize("action, status", [("cancel", 200), ("complete", 200), ("start", 400)])
def test_staff_match_actions_with_two_factor_reach_the_rules(world, action, status):
    path = f"/api/v1/matches/{world['match'].pk}/{action}/"
    response = client_for(world["mfa"]).post(path, {}, format="json")
    assert response.status_code == status, response.content


def test_enrolling_an_authenticator_opens_the_staff_reads(world):
    staff = world["no_mfa"]
    path = f"/api/v1/matches/{world['match'].pk}/messages/"
    assert client_for(staff).get(path).status_code == 403
    TOTP.activate(staff, generate_totp_secret())
    assert client_for(staff).get(path).status_code == 200


def test_staff_of_another_council_still_get_not_found_not_forbidden(world):
    away = make.staff(
        council=make.council(centre=(-2.25, 53.48)), mfa=False, lives_here=True, with_home=False
    )
    client = client_for(away)
    m = world["match"].pk
    for path in (
        f"/api/v1/needs/{world['need'].pk}/matches/",
        f"/api/v1/offers/{world['offer'].pk}/matches/",
        f"/api/v1/matches/{m}/",
        f"/api/v1/matches/{m}/messages/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/api/v1/matches/{m}/cancel/", {}, format="json").status_code == 404


def test_staff_member_who_is_one_of_the_people_keeps_their_own_match(world):
    """Their own need and match are theirs as a citizen, not as staff."""
    council = world["council"]
    own = make.staff(council=council, mfa=False, lives_here=True, with_home=False)
    need = make.need_row(council=council, owner=own, at=make.point_at(0, -300))
    offer = make.offer_row(council=council, at=make.point_at(200, -300))
    match = services.match_request(citizen=own, need_id=need.pk, offer_id=offer.pk)
    client = client_for(own)
    assert client.get(f"/api/v1/needs/{need.pk}/matches/").status_code == 200
    # Their own match is listed, as to any citizen; the council's other match is not.
    listed = client.get("/api/v1/matches/")
    assert listed.status_code == 200, listed.content
    assert [(m["id"], m["your_role"]) for m in listed.json()] == [(match.pk, "citizen")]
    # Another person's match is still a staff read: 403 for it and its conversation.
    other = world["match"].pk
    assert _refused(client.get(f"/api/v1/matches/{other}/"))
    assert _refused(client.get(f"/api/v1/matches/{other}/messages/"))
    response = client.get(f"/api/v1/matches/{match.pk}/")
    assert response.status_code == 200
    assert response.json()["your_role"] == "citizen"
    assert client.get(f"/api/v1/matches/{match.pk}/messages/").status_code == 200
    response = client.post(f"/api/v1/matches/{match.pk}/cancel/", {}, format="json")
    assert response.status_code == 200, response.content
    # With an authenticator app, the list holds the council's matches too, each in its role.
    TOTP.activate(own, generate_totp_secret())
    roles = {m["id"]: m["your_role"] for m in client_for(own).get("/api/v1/matches/").json()}
    assert roles == {match.pk: "citizen", other: "staff"}
