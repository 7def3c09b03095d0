"""Self-service erasure waits while a person is suspended or the subject of a safeguarding
concern that is not closed (UK GDPR Art. 17(3)(e)): the page says kindly to contact the
council, without saying a concern exists, and nothing is erased; "download my data" still
works; a council admin can still erase them."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from accounts.models import StaffMembership, User
from accounts.services import erased_email, is_erased
from core.errors import ApplicationError
from core.models import AuditEvent
from marketplace.models import Need
from privacy.erasure import person_erase, self_erasure_hold
from safeguarding import suspension as safeguarding_suspension
from tests.kit import factories as make
from trust import concerns as trust_concerns
from trust.models import SafeguardingConcern

pytestmark = pytest.mark.django_db

Role = StaffMembership.Role


@pytest.fixture
def world():
    council = make.CouncilFactory(name="Kindly Council", contact_email="help@kindly.example")
    lead = make.staff(council=council, role=Role.SAFEGUARDING_LEAD, lon=-1.54, lat=53.79)
    admin = make.staff(council=council, role=Role.COUNCIL_ADMIN, lon=-1.56, lat=53.81)
    person = make.person(council=council, display_name="Pat Person")
    need = make.need(owner=person)
    return {"council": council, "lead": lead, "admin": admin, "person": person, "need": need}


def _raise_concern(world) -> SafeguardingConcern:
    return trust_concerns.concern_raise(
        actor=world["lead"],
        about_id=world["person"].pk,
        summary="Asked a helper for money",
        priority=SafeguardingConcern.Priority.HIGH,
    )


def _suspend(world) -> None:
    safeguarding_suspension.person_suspend(
        actor=world["lead"], person_id=world["person"].pk, reason="Under investigation"
    )


def _fresh(person: User) -> User:
    return User.objects.get(pk=person.pk)


# --- The rule ---------------------------------------------------------------------------------
def test_no_hold_for_an_ordinary_person(world):
    assert self_erasure_hold(person=world["person"]) is None


@pytest.mark.parametrize("status", ["open", "in_progress"])
def test_a_concern_not_closed_holds_self_erasure(world, status):
    concern = _raise_concern(world)
    SafeguardingConcern.objects.filter(pk=concern.pk).update(status=status)
    message = self_erasure_hold(person=_fresh(world["person"]))
    assert message is not None
    assert "contact Kindly Council at help@kindly.example" in message
    assert "download your data" in message
    # The person is not told that a concern exists.
    assert "concern" not in message.lower() and "safeguarding" not in message.lower()


def test_a_closed_concern_does_not_hold(world):
    concern = _raise_concern(world)
    trust_concerns.concern_close(
        actor=world["lead"],
        concern_id=concern.pk,
        outcome=SafeguardingConcern.Outcome.NO_FURTHER_ACTION,
        note="Spoke to both; a misunderstanding.",
    )
    assert self_erasure_hold(person=_fresh(world["person"])) is None
    person_erase(person=_fresh(world["person"]))
    assert is_erased(_fresh(world["person"]))


@pytest.mark.parametrize("hold", ["concern", "suspended"])
def test_self_erasure_is_refused_and_changes_nothing(world, hold):
    _raise_concern(world) if hold == "concern" else _suspend(world)
    with pytest.raises(ApplicationError) as refused:
        person_erase(person=_fresh(world["person"]))
    assert refused.value.code == "erasure_on_hold"
    person = _fresh(world["person"])
    assert person.email != erased_email(person.pk) and person.display_name == "Pat Person"
    assert Need.objects.get(pk=world["need"].pk).description != ""
    assert not AuditEvent.objects.filter(verb="person.erased").exists()


@pytest.mark.parametrize("hold", ["concern", "suspended"])
def test_a_council_admin_can_still_erase(world, hold):
    _raise_concern(world) if hold == "concern" else _suspend(world)
    person_erase(person=_fresh(world["person"]), actor=world["admin"])
    assert is_erased(_fresh(world["person"]))
    event = AuditEvent.objects.get(verb="person.erased")
    assert event.data["by"] == "staff"
    # The concern stays, naming the person only by id.
    if hold == "concern":
        assert SafeguardingConcern.objects.get(about=world["person"]).summary


# --- The page -------------------------------------------------------------------------------
def test_page_under_a_concern_explains_and_offers_the_download(client, world):
    _raise_concern(world)
    client.force_login(world["person"])
    response = client.get(reverse("account_delete"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="erasure-on-hold"' in html
    assert "contact Kindly Council at help@kindly.example" in html
    assert reverse("account_download") in html
    assert "Delete my account</button>" not in html


def test_page_post_under_a_concern_erases_nothing_and_keeps_them_signed_in(client, world):
    _raise_concern(world)
    client.force_login(world["person"])
    response = client.post(reverse("account_delete"), {"confirm": "on"})
    assert response.status_code == 200
    assert 'id="erasure-on-hold"' in response.content.decode()
    assert not is_erased(_fresh(world["person"]))
    assert client.get(reverse("account_home")).status_code == 200  # still signed in


def test_download_still_works_under_a_concern(client, world):
    _raise_concern(world)
    client.force_login(world["person"])
    response = client.post(reverse("account_download"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert "Pat Person" in json.dumps(data)


def test_page_for_a_suspended_person_with_a_lingering_session(client, world):
    """Suspension ends sessions; a session that outlived it (or a suspension set from the Django
    admin) still cannot erase."""
    client.force_login(world["person"])
    User.objects.filter(pk=world["person"].pk).update(suspended_at="2026-01-01T00:00:00Z")
    response = client.post(reverse("account_delete"), {"confirm": "on"})
    assert response.status_code == 200
    assert "contact Kindly Council" in response.content.decode()
    assert not is_erased(_fresh(world["person"]))


def test_page_without_a_hold_still_erases(client, world):
    client.force_login(world["person"])
    response = client.post(reverse("account_delete"), {"confirm": "on"})
    assert response.status_code == 302
    assert is_erased(_fresh(world["person"]))
    assert client.get(reverse("account_home")).status_code == 302  # signed out


# --- The API --------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["delete", "post", "put", "patch"])
def test_the_api_offers_no_way_round_the_hold(api_client, world, method):
    """The API has no erasure endpoint: /api/v1/me/ only reads, so a person under a concern
    (or anyone) cannot erase through it."""
    _raise_concern(world)
    api_client.force_authenticate(world["person"])
    response = getattr(api_client, method)("/api/v1/me/")
    assert response.status_code == 405
    assert not is_erased(_fresh(world["person"]))
    assert api_client.get("/api/v1/me/").json()["display_name"] == "Pat Person"
