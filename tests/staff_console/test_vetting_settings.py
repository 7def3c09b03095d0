"""A council admin sets when check expiry warnings go out, the renewal window and the DBS
re-check interval, and asks more of a kind of help's helpers than Kith does — never less."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from arrangements.models import Arrangement
from core.audit import AuditEvent
from core.errors import ApplicationError
from marketplace import services as marketplace_services
from marketplace.models import Category, CategoryRequirement, Offer
from marketplace.vetting import kith_requirements_of, requirements_of
from matching import services as matching_services
from notifications.models import Notification
from safeguarding.models import MatchHold
from tests.kit import factories as make
from trust.models import HelperCheck
from trust.vetting import vetting_settings

pytestmark = pytest.mark.django_db
K = HelperCheck.Kind


def test_the_page_shows_what_kith_asks_of_each_kind_of_help(client, council_admin):
    client.force_login(council_admin)
    page = client.get(reverse("staff:vetting_settings")).content.decode()
    assert "Vetting settings" in page and "Light personal care" in page
    assert "Enhanced DBS with adults&#x27; barred list" in page


def test_settings_are_saved_and_audited_and_nonsense_is_refused(
    client, council_admin, home_council
):
    client.force_login(council_admin)
    url = reverse("staff:vetting_settings")
    bad = client.post(url, {"warn_days": "soon", "renewal_window_days": "60",
                            "recheck_every_days": "365"})  # fmt: skip
    assert bad.status_code == 400 and "separated by commas" in bad.content.decode()
    out_of_range = client.post(
        url, {"warn_days": "0", "renewal_window_days": "60", "recheck_every_days": "365"}
    )
    assert out_of_range.status_code == 400
    assert "each between 1 and 180" in out_of_range.content.decode()
    ok = client.post(
        url, {"warn_days": "45, 14, 3", "renewal_window_days": "90", "recheck_every_days": "180"}
    )
    assert ok.status_code == 302
    home_council.refresh_from_db()
    saved = vetting_settings(home_council)
    assert saved.warn_days == (45, 14, 3) and saved.renewal_window_days == 90
    assert AuditEvent.objects.filter(verb="council.vetting_settings_changed").count() == 1


def test_a_council_adds_a_check_and_an_offer_then_needs_it(
    client, council_admin, home_council, moderator, helper
):
    befriending = Category.objects.get(slug="befriending")
    kith = kith_requirements_of(befriending)
    client.force_login(council_admin)
    response = client.post(
        reverse("staff:category_requirements", args=["befriending"]),
        {"befriending-kinds": [K.INDUCTION]},
    )
    assert response.status_code == 302
    needed = requirements_of(category=befriending, council=home_council)
    assert needed == {**kith, K.INDUCTION: 1}
    assert AuditEvent.objects.filter(verb="council.category_requirements_changed").exists()
    # A helper holding what Kith asks but not the induction cannot have an offer opened.
    for kind, count in kith.items():
        for _ in range(count):
            make.check(user=helper, council=home_council, kind=kind)
    offer = marketplace_services.offer_create(
        helper=helper, category=befriending, description="A weekly chat.", radius_m=3000
    )
    with pytest.raises(ApplicationError) as refused:
        marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    assert "Induction" in refused.value.message
    # Taking the addition away again leaves what Kith asks.
    client.post(reverse("staff:category_requirements", args=["befriending"]), {})
    assert requirements_of(category=befriending, council=home_council) == kith


def test_nothing_outside_the_list_is_accepted(client, council_admin):
    client.force_login(council_admin)
    response = client.post(
        reverse("staff:category_requirements", args=["befriending"]),
        {"befriending-kinds": ["tea-making-certificate"]},
    )
    assert response.status_code == 400
    assert client.post(reverse("staff:category_requirements", args=["nope"]), {}).status_code == 404


def _kinds_offered(page: str, slug: str) -> set[str]:
    return set(re.findall(rf'name="{slug}-kinds" type="checkbox" value="([a-z_]+)"', page))


def test_checks_a_kind_of_help_always_needs_are_not_choices(client, council_admin):
    """The legal floor and Kith's defaults (and what they include) are shown as always
    required, never as a checkbox that could look unticked."""
    client.force_login(council_admin)
    page = client.get(reverse("staff:vetting_settings")).content.decode()
    care = _kinds_offered(page, "personal-care")
    assert K.DBS_ENHANCED_BARRED not in care and K.ID not in care  # DBS includes the ID check
    assert {K.INDUCTION, K.REFERENCE} <= care
    chats = _kinds_offered(page, "befriending")
    assert K.ID not in chats and K.DBS_ENHANCED_BARRED in chats
    assert _kinds_offered(page, "dog-walking") == set(K.values)
    assert "Always required" in page and "ID check (included in the checks above)" in page
    # Posting one anyway is refused: it is not the council's to add or take away.
    response = client.post(
        reverse("staff:category_requirements", args=["befriending"]),
        {"befriending-kinds": [K.ID]},
    )
    assert response.status_code == 400
    assert not CategoryRequirement.objects.filter(council__isnull=False).exists()


def _chats_match(*, helper, citizen, moderator):
    need = make.open_need(owner=citizen, moderator=moderator, category_slug="befriending")
    offer = make.open_offer(helper=helper, moderator=moderator, category_slug="befriending")
    match = matching_services.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    matching_services.match_accept(user=citizen, match_id=match.pk)
    return offer, match


def test_adding_a_check_pauses_open_offers_that_lack_it_after_saying_how_many(
    client, council_admin, home_council, away_council, moderator, helper, citizen,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    url = reverse("staff:category_requirements", args=["befriending"])
    make.record_check(actor=moderator, helper=helper, kind=K.ID)
    offer, match = _chats_match(helper=helper, citizen=citizen, moderator=moderator)
    # A helper who holds the induction already, and another council's helper, carry on.
    inducted = make.person(council=home_council, display_name="Ivy Inducted")
    make.check(user=inducted, council=home_council, kind=K.ID)
    make.check(user=inducted, council=home_council, kind=K.INDUCTION)
    kept = make.offer_row(council=home_council, helper=inducted, cat=offer.category)
    away = make.offer_row(council=away_council, cat=offer.category)
    client.force_login(council_admin)

    # First the page says what saving does, and saves nothing.
    told = client.post(url, {"befriending-kinds": [K.INDUCTION]})
    assert told.status_code == 200
    page = told.content.decode()
    assert "Saving this pauses 1 open offer of befriending and check-in chats" in page
    assert "Live matches held for your review: 1." in page
    assert "Save and pause 1 offer" in page
    assert not CategoryRequirement.objects.filter(council=home_council).exists()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN
    # A different choice than the one told about is told about again.
    again = client.post(
        url, {"befriending-kinds": [K.INDUCTION, K.REFERENCE], "befriending-confirmed": "induction"}
    )
    assert again.status_code == 200 and "Save and pause" in again.content.decode()
    assert not CategoryRequirement.objects.filter(council=home_council).exists()

    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(
            url, {"befriending-kinds": [K.INDUCTION], "befriending-confirmed": "induction"}
        )
    assert saved.status_code == 302
    for listing in (offer, kept, away):
        listing.refresh_from_db()
    assert offer.status == Offer.Status.PAUSED
    assert kept.status == Offer.Status.OPEN and away.status == Offer.Status.OPEN
    hold = MatchHold.objects.get(match=match, resolved_at__isnull=True)
    assert hold.why == MatchHold.Why.NOW_REQUIRED and hold.kinds == [K.INDUCTION]
    event = AuditEvent.objects.get(verb="offer.paused_check_lapsed", target_id=offer.pk)
    assert event.data == {"missing": [K.INDUCTION], "why": "now_required", "asked": [K.INDUCTION]}
    # The helper is told in words that fit: the council now asks for it; nothing lapsed.
    paused = Notification.objects.get(person=helper, template="offer_paused_check_required",
                                      channel="kith")  # fmt: skip
    assert "the council now asks for induction for this kind of help" in paused.body
    assert "expired" not in paused.body and "withdrawn" not in paused.body
    held = Notification.objects.get(person=helper, template="match_held_helper", channel="kith")
    assert "the council now asks for induction for this kind of help" in held.body
    assert "expired" not in held.body
    citizen_told = Notification.objects.get(
        person=citizen, template="match_held_citizen", channel="kith"
    )
    assert "now asks" in citizen_told.body and "induction" not in citizen_told.body
    # The match's visits are on hold meanwhile.
    arrangement = Arrangement.objects.get(match=match)
    assert arrangement.held_since is not None

    # Taking the check away again reopens nothing by itself.
    assert client.post(url, {}).status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PAUSED
    assert MatchHold.objects.filter(match=match, resolved_at__isnull=True).exists()


def test_adding_a_check_no_open_offer_lacks_saves_at_once(client, council_admin, home_council):
    client.force_login(council_admin)
    response = client.post(
        reverse("staff:category_requirements", args=["gardening"]),
        {"gardening-kinds": [K.REFERENCE]},
    )
    assert response.status_code == 302
    assert CategoryRequirement.objects.filter(council=home_council, kind=K.REFERENCE).exists()
