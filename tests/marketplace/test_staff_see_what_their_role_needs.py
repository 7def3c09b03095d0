"""Council staff see a person's listings as far as their role needs: a moderator reads a
listing's words, kind, times and area, not the home it starts from; nobody on the staff reads
a person's unsent draft. Those who may read people's records (the safeguarding lead, a council
admin) see the exact place, and each such read is audited."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import StaffMembership
from core.audit import AuditEvent
from marketplace import selectors
from marketplace.models import Need
from places.geo import postcode_sector
from tests.kit.world import OWNER_POSTCODE, build_world

pytestmark = pytest.mark.django_db

Role = StaffMembership.Role


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_postcode_sector():
    assert postcode_sector("ls9 8qj") == "LS9 8"
    assert postcode_sector("SW1A1AA") == "SW1A 1"
    assert postcode_sector("nonsense") == ""
    assert postcode_sector("") == ""


def test_a_moderator_reads_a_waiting_need_without_its_exact_place():
    world = build_world()
    need = world.pending_need
    body = _api(world.moderator).get(f"/api/v1/needs/{need.pk}/").json()
    assert body["title"] == need.title
    assert "location" not in body and "postcode" not in body
    assert "approx_location" in body
    assert not AuditEvent.objects.filter(verb="need.viewed", actor=world.moderator).exists()


def test_a_council_admin_and_the_safeguarding_lead_read_the_exact_place_audited():
    world = build_world()
    need = world.pending_need
    for reader in (world.admin, world.lead):
        body = _api(reader).get(f"/api/v1/needs/{need.pk}/").json()
        assert body["postcode"] == need.postcode
        assert body["location"] == {"lat": need.location.y, "lon": need.location.x}
        assert AuditEvent.objects.filter(verb="need.viewed", actor=reader).count() == 1


def test_a_moderator_reads_a_waiting_offer_without_its_exact_place():
    world = build_world()
    body = _api(world.moderator).get(f"/api/v1/offers/{world.pending_offer.pk}/").json()
    assert "location" not in body and "postcode" not in body


@pytest.mark.parametrize("reader", ["moderator", "lead", "admin"])
def test_no_member_of_staff_reads_an_unsent_draft(reader):
    world = build_world()
    user = getattr(world, reader)
    draft = world.draft_need
    assert _api(user).get(f"/api/v1/needs/{draft.pk}/").status_code == 404
    assert not selectors.needs_visible_to(user=user).filter(pk=draft.pk).exists()
    # The owner still has it.
    assert _api(world.owner).get(f"/api/v1/needs/{draft.pk}/").status_code == 200


def _console(user) -> Client:
    client = Client()
    client.force_login(user)  # with both factors (tests/conftest.py)
    return client


def test_the_moderation_page_shows_a_moderator_the_postcode_sector_only():
    world = build_world()
    need = world.pending_need
    Need.objects.filter(pk=need.pk).update(postcode=OWNER_POSTCODE)
    need.refresh_from_db()
    url = f"/staff/moderation/need/{need.pk}/"
    page = _console(world.moderator).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert need.title in html
    assert f"Postcode sector {postcode_sector(need.postcode)}" in html
    assert need.postcode not in html
    admin_page = _console(world.admin).get(url).content.decode()
    assert need.postcode in admin_page


@pytest.mark.parametrize("reader", ["moderator", "admin"])
def test_the_moderation_page_of_a_draft_is_not_found(reader):
    world = build_world()
    page = _console(getattr(world, reader)).get(f"/staff/moderation/need/{world.draft_need.pk}/")
    assert page.status_code == 404
