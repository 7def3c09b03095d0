"""What a person asking for help sees of a suggested helper: first name and initial (so two
Bernards differ), the checks the council holds for them, their languages, since when they have
helped on Kith and how many people — and never where they live."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import Match
from matching.profiles import profiles_for_offers, short_name
from tests.kit import factories as make
from trust.models import HelperCheck

pytestmark = pytest.mark.django_db


def test_short_name_keeps_the_first_name_and_one_initial():
    assert short_name("Bernard Hughes") == "Bernard H."
    assert short_name("  bernard   de la mare ") == "bernard M."
    assert short_name("Bernard") == "Bernard"
    assert short_name("") == ""


def _bernard(*, family: str, postcode: str, moderator, befriending, **offer):
    helper = make.resident(postcode=postcode, name=f"Bernard {family}")
    return make.resident_offer(helper=helper, category=befriending, moderator=moderator, **offer)


def test_profiles_tell_two_bernards_apart_and_say_what_the_council_checked(
    citizen, befriending, moderator, django_assert_num_queries
):
    hughes = _bernard(
        family="Hughes", postcode="LS2 2BB", moderator=moderator, befriending=befriending
    )
    khan = _bernard(
        family="Khan",
        postcode="LS3 3DD",
        moderator=moderator,
        befriending=befriending,
        languages=["pl", "English"],
    )
    make.record_check(actor=moderator, helper=hughes.helper, kind=HelperCheck.Kind.ID)
    make.record_check(
        actor=moderator, helper=khan.helper, kind=HelperCheck.Kind.DBS_ENHANCED_BARRED
    )
    # Khan has helped Margaret (a match done) and is helping someone else now.
    done = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    Match.objects.create(
        council=done.council,
        need=done,
        offer=khan,
        proposed_by="helper",
        status="completed",
        accepted_at=timezone.now(),
        completed_at=timezone.now(),
    )
    other = make.resident(postcode="LS1 1AA", name="Edith")
    now = make.resident_need(owner=other, category=befriending, moderator=moderator)
    Match.objects.create(
        council=now.council,
        need=now,
        offer=khan,
        proposed_by="helper",
        status="accepted",
        accepted_at=timezone.now(),
    )
    offers = [hughes, khan]
    with django_assert_num_queries(1):
        profiles = profiles_for_offers(offers)
    assert profiles[hughes.pk].name == "Bernard H."
    assert profiles[hughes.pk].badges == ["ID checked"]
    assert profiles[hughes.pk].people_helped == 0
    assert profiles[khan.pk].name == "Bernard K."
    assert profiles[khan.pk].badges == ["ID checked", "DBS checked"]
    assert profiles[khan.pk].languages == ["English", "Polish"]
    assert profiles[khan.pk].people_helped_phrase == "has helped 2 people"
    assert profiles[khan.pk].helping_since == khan.published_at.date()


def test_the_need_page_shows_each_helpers_profile_and_no_address(
    client, citizen, befriending, moderator
):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    offer = _bernard(
        family="Hughes", postcode="LS2 2BB", moderator=moderator, befriending=befriending
    )
    make.record_check(actor=moderator, helper=offer.helper, kind=HelperCheck.Kind.ID)
    client.force_login(citizen)
    html = client.get(reverse("need_detail", args=[need.pk])).content.decode()
    assert "1. Bernard H." in html
    assert "Bernard Hughes" not in html
    assert "ID checked" in html and "DBS checked" not in html
    assert "Helping on Kith since" in html
    assert "Ask Bernard H. to help" in html
    assert "LS2 2BB" not in html


def test_the_match_page_shows_the_citizen_their_helpers_profile(
    client, citizen, befriending, moderator
):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    offer = _bernard(
        family="Hughes", postcode="LS2 2BB", moderator=moderator, befriending=befriending
    )
    make.record_check(
        actor=moderator, helper=offer.helper, kind=HelperCheck.Kind.DBS_ENHANCED_BARRED
    )
    match = Match.objects.create(
        council=need.council, need=need, offer=offer, proposed_by="helper", status="proposed"
    )
    client.force_login(citizen)
    html = client.get(reverse("match_detail", args=[match.pk])).content.decode()
    # Not "your helper" until both have agreed.
    assert "Helper: <strong>Bernard H.</strong>" in html and "Your helper" not in html
    assert "DBS checked" in html
    # Nor once it was declined or ran out before both agreed, for either of them.
    for ended in ("declined", "expired"):
        Match.objects.filter(pk=match.pk).update(status=ended)
        client.force_login(citizen)
        html = client.get(reverse("match_detail", args=[match.pk])).content.decode()
        assert "Helper: <strong>Bernard H.</strong>" in html and "Your helper" not in html
        client.force_login(offer.helper)
        html = client.get(reverse("match_detail", args=[match.pk])).content.decode()
        assert "Asking for help: <strong>" in html and "Helping: " not in html
    client.force_login(citizen)
    Match.objects.filter(pk=match.pk).update(status="accepted", accepted_at=timezone.now())
    html = client.get(reverse("match_detail", args=[match.pk])).content.decode()
    assert "Your helper: <strong>Bernard H.</strong>" in html
    # The helper's own view of the match shows no profile of the citizen.
    client.force_login(offer.helper)
    html = client.get(reverse("match_detail", args=[match.pk])).content.decode()
    assert "Helping: <strong>" in html
    assert "ID checked" not in html
