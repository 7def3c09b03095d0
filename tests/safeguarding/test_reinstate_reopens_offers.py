"""Lifting a suspension can reopen the offers it closed (issue 14, point 19): the suspension
records which listed offers it closed, and staff reinstating the person choose which of them
open again, in one step — except one whose kind of help needs a check the helper no longer
holds, which stays closed and is named."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from marketplace import services as marketplace_services
from marketplace.models import Offer
from safeguarding import suspension as safeguarding_suspension
from tests.kit import factories as make
from trust.models import HelperCheck, Suspension

pytestmark = pytest.mark.django_db

SHOPPING = "Shopping for neighbours"  # needs an enhanced DBS check
WALKS = "Dog walks near the park"  # needs no check


@pytest.fixture
def dbs_check(moderator, helper):
    return make.record_check(
        actor=moderator, helper=helper, kind=HelperCheck.Kind.DBS_ENHANCED_BARRED
    )


@pytest.fixture
def offers(moderator, helper, dbs_check):
    """Two listed offers of the helper: dog walks and shopping."""
    walks = make.open_offer(helper=helper, moderator=moderator, title=WALKS)
    shopping = make.open_offer(
        helper=helper, moderator=moderator, title=SHOPPING, category_slug="shopping"
    )
    return walks, shopping


def suspend(lead, person) -> Suspension:
    safeguarding_suspension.person_suspend(actor=lead, person_id=person.pk, reason="Worry")
    return Suspension.objects.get(person=person, reinstated_at__isnull=True)


def statuses(*offers: Offer) -> list[str]:
    return [Offer.objects.get(pk=offer.pk).status for offer in offers]


def reinstated_event() -> AuditEvent:
    return AuditEvent.objects.get(verb="person.reinstated")


# --- The service -----------------------------------------------------------------------------
def test_suspension_records_the_listed_offers_it_closes(safeguarding_lead, moderator, helper):
    walks = make.open_offer(helper=helper, moderator=moderator)
    paused = make.open_offer(helper=helper, moderator=moderator, title="Evening walks")
    marketplace_services.offer_pause(actor=helper, offer=paused)
    waiting = make.offer(helper=helper, title="Never reviewed")  # never listed
    gone = make.open_offer(helper=helper, moderator=moderator, title="Closed before")
    marketplace_services.offer_close(actor=helper, offer=gone)

    suspension = suspend(safeguarding_lead, helper)

    assert statuses(walks, paused, waiting) == [Offer.Status.CLOSED] * 3
    assert suspension.closed_offer_ids == [walks.pk, paused.pk]


def test_reinstating_with_both_offers_reopens_both(safeguarding_lead, helper, offers):
    walks, shopping = offers
    suspend(safeguarding_lead, helper)

    result = safeguarding_suspension.person_reinstate(
        actor=safeguarding_lead,
        person_id=helper.pk,
        note="Cleared",
        reopen_offer_ids=[walks.pk, shopping.pk],
    )

    helper.refresh_from_db()
    assert not helper.is_suspended
    assert statuses(walks, shopping) == [Offer.Status.OPEN, Offer.Status.OPEN]
    assert [o.pk for o in result.offers_reopened] == [walks.pk, shopping.pk]
    assert result.offers_not_reopened == []
    event = reinstated_event()
    assert event.data["offers_reopened"] == [walks.pk, shopping.pk]
    assert event.data["offers_not_reopened"] == []
    reopened = AuditEvent.objects.filter(verb="offer.reopened").order_by("id")
    assert [e.target_id for e in reopened] == [walks.pk, shopping.pk]


def test_reinstating_with_one_offer_reopens_only_that_one(safeguarding_lead, helper, offers):
    walks, shopping = offers
    suspend(safeguarding_lead, helper)

    result = safeguarding_suspension.person_reinstate(
        actor=safeguarding_lead, person_id=helper.pk, note="Cleared", reopen_offer_ids=[walks.pk]
    )

    assert statuses(walks, shopping) == [Offer.Status.OPEN, Offer.Status.CLOSED]
    assert [o.pk for o in result.offers_reopened] == [walks.pk]
    assert reinstated_event().data["offers_reopened"] == [walks.pk]


def test_reinstating_without_choosing_reopens_nothing(safeguarding_lead, helper, offers):
    suspend(safeguarding_lead, helper)
    result = safeguarding_suspension.person_reinstate(
        actor=safeguarding_lead, person_id=helper.pk, note="Cleared"
    )
    assert statuses(*offers) == [Offer.Status.CLOSED] * 2
    assert result.offers_reopened == [] and result.person == helper
    assert reinstated_event().data["offers_reopened"] == []


def test_an_offer_needing_a_check_that_has_lapsed_stays_closed_and_says_why(
    safeguarding_lead, helper, offers, dbs_check
):
    walks, shopping = offers
    suspend(safeguarding_lead, helper)
    # While they were suspended, the DBS check ran out.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    HelperCheck.objects.filter(pk=dbs_check.pk).update(expires_on=yesterday)

    result = safeguarding_suspension.person_reinstate(
        actor=safeguarding_lead,
        person_id=helper.pk,
        note="Cleared",
        reopen_offer_ids=[walks.pk, shopping.pk],
    )

    assert statuses(walks, shopping) == [Offer.Status.OPEN, Offer.Status.CLOSED]
    assert [o.pk for o in result.offers_reopened] == [walks.pk]
    [left] = result.offers_not_reopened
    assert left.offer.pk == shopping.pk
    assert "DBS" in left.why and "no longer holds" in left.why
    event = reinstated_event()
    assert (event.data["offers_reopened"], event.data["offers_not_reopened"]) == (
        [walks.pk],
        [shopping.pk],
    )


def test_an_offer_whose_words_changed_while_paused_goes_back_to_review(
    safeguarding_lead, moderator, helper
):
    offer = make.open_offer(helper=helper, moderator=moderator)
    marketplace_services.offer_pause(actor=helper, offer=offer)
    offer.refresh_from_db()
    marketplace_services.offer_update(
        actor=helper,
        offer=offer,
        version=offer.version,
        data={"description": "I can walk two dogs at once now, any size."},
    )
    suspend(safeguarding_lead, helper)

    safeguarding_suspension.person_reinstate(
        actor=safeguarding_lead, person_id=helper.pk, note="Cleared", reopen_offer_ids=[offer.pk]
    )

    assert statuses(offer) == [Offer.Status.PENDING_REVIEW]


def test_staff_of_another_council_cannot_reinstate_or_reopen(
    safeguarding_lead, away_admin, moderator, helper, offers
):
    suspend(safeguarding_lead, helper)
    ids = [offer.pk for offer in offers]
    with pytest.raises(NotFound):
        safeguarding_suspension.person_reinstate(
            actor=away_admin, person_id=helper.pk, note="x", reopen_offer_ids=ids
        )
    with pytest.raises(NotFound):
        safeguarding_suspension.offers_to_reopen(actor=away_admin, person_id=helper.pk)
    # A moderator of the same council may not lift suspensions either.
    with pytest.raises(ApplicationError) as exc:
        safeguarding_suspension.person_reinstate(
            actor=moderator, person_id=helper.pk, note="x", reopen_offer_ids=ids
        )
    assert exc.value.code == "forbidden"
    helper.refresh_from_db()
    assert helper.is_suspended
    assert statuses(*offers) == [Offer.Status.CLOSED] * 2
    assert not AuditEvent.objects.filter(verb__in=["person.reinstated", "offer.reopened"]).exists()


def test_an_offer_the_suspension_did_not_close_is_refused_and_nothing_is_saved(
    safeguarding_lead, moderator, helper, citizen, offers
):
    walks, _ = offers
    someone_elses = make.open_offer(helper=citizen, moderator=moderator)
    suspend(safeguarding_lead, helper)

    with pytest.raises(ApplicationError) as exc:
        safeguarding_suspension.person_reinstate(
            actor=safeguarding_lead,
            person_id=helper.pk,
            note="Cleared",
            reopen_offer_ids=[walks.pk, someone_elses.pk],
        )

    assert exc.value.code == "not_closed_by_suspension"
    helper.refresh_from_db()
    assert helper.is_suspended
    assert statuses(*offers) == [Offer.Status.CLOSED] * 2
    assert Suspension.objects.get(person=helper).reinstated_at is None
    assert not AuditEvent.objects.filter(verb__in=["person.reinstated", "offer.reopened"]).exists()


def test_a_failure_after_reopening_saves_nothing(safeguarding_lead, helper, offers, monkeypatch):
    suspend(safeguarding_lead, helper)
    record = safeguarding_suspension.audit_record

    def failing(**kwargs):
        if kwargs["verb"] == "person.reinstated":
            raise RuntimeError("audit log unavailable")
        return record(**kwargs)

    monkeypatch.setattr(safeguarding_suspension, "audit_record", failing)
    with pytest.raises(RuntimeError):
        safeguarding_suspension.person_reinstate(
            actor=safeguarding_lead,
            person_id=helper.pk,
            note="Cleared",
            reopen_offer_ids=[offer.pk for offer in offers],
        )

    helper.refresh_from_db()
    assert helper.is_suspended
    assert statuses(*offers) == [Offer.Status.CLOSED] * 2
    assert not AuditEvent.objects.filter(verb="offer.reopened").exists()


# --- The person's page -----------------------------------------------------------------------
def test_the_page_lists_the_closed_offers_ticked_and_reopens_the_two_ticked(
    client, safeguarding_lead, helper, offers
):
    walks, shopping = offers
    suspend(safeguarding_lead, helper)
    client.force_login(safeguarding_lead)
    url = reverse("staff:person", args=[helper.pk])

    body = client.get(url).content.decode()
    boxes = re.findall(r'<input[^>]*name="reopen_offers"[^>]*>', body)
    assert len(boxes) == 2
    assert all('type="checkbox"' in box and "checked" in box for box in boxes)
    assert {f'value="{walks.pk}"', f'value="{shopping.pk}"'} == {
        re.search(r'value="\d+"', box).group() for box in boxes
    }
    assert f"{WALKS} (Dog walking)" in body and f"{SHOPPING} (Shopping and errands)" in body

    response = client.post(
        reverse("staff:person_reinstate", args=[helper.pk]),
        {"note": "Police found no case", "reopen_offers": [walks.pk, shopping.pk]},
    )

    assert response.status_code == 302
    helper.refresh_from_db()
    assert not helper.is_suspended
    assert statuses(walks, shopping) == [Offer.Status.OPEN, Offer.Status.OPEN]
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == "Harry Helper is reinstated. 2 offers reopened."


def test_the_page_says_which_offer_could_not_reopen(
    client, safeguarding_lead, helper, offers, dbs_check
):
    walks, shopping = offers
    suspend(safeguarding_lead, helper)
    HelperCheck.objects.filter(pk=dbs_check.pk).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    client.force_login(safeguarding_lead)

    response = client.post(
        reverse("staff:person_reinstate", args=[helper.pk]),
        {"note": "Cleared", "reopen_offers": [walks.pk, shopping.pk]},
        follow=True,
    )

    body = response.content.decode()
    assert "1 offer reopened." in body
    assert f"“{SHOPPING}” could not reopen" in body
    assert statuses(walks, shopping) == [Offer.Status.OPEN, Offer.Status.CLOSED]
