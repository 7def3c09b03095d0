"""Needs and offers through the services: creation, places, lifecycles, edits and expiry."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from marketplace import services
from marketplace.models import Need, NeedSlot, Offer, OfferSlot
from places.geo import NOT_AVAILABLE_MESSAGE, approximate_point
from tests.kit import factories as make
from trust.models import HelperCheck

pytestmark = pytest.mark.django_db


# --- Places ----------------------------------------------------------------------------------
def test_need_from_postcode_gets_council_and_approximate_location(citizen, home_council):
    need = make.need(owner=citizen, point=None, postcode="ls11aa")
    assert need.postcode == "LS1 1AA"
    assert need.council == home_council
    assert need.location.equals_exact(Point(-1.55, 53.80, srid=4326), 1e-9)
    assert need.approx_location.equals(approximate_point(need.location))
    assert not need.approx_location.equals_exact(need.location, 1e-6)


def test_need_without_place_uses_the_owners_home(citizen):
    need = make.need(owner=citizen, point=None)
    assert need.postcode == "LS1 1AA"


def test_point_outside_every_council_is_refused_with_nothing_saved(citizen, away_council):
    with pytest.raises(ApplicationError) as err:
        make.need(owner=citizen, lon=2.35, lat=48.85)  # Paris
    assert err.value.message == NOT_AVAILABLE_MESSAGE == "Kith is not available in your area yet."
    with pytest.raises(ApplicationError, match="not available in your area"):
        make.offer(helper=citizen, lon=-3.0, lat=55.9)
    assert Need.objects.count() == 0
    assert Offer.objects.count() == 0
    assert NeedSlot.objects.count() == 0 and OfferSlot.objects.count() == 0


def test_unknown_postcode_is_refused(citizen):
    with pytest.raises(ApplicationError, match="could not find the postcode LS9 9ZZ"):
        make.need(owner=citizen, point=None, postcode="LS9 9ZZ")
    assert Need.objects.count() == 0


def test_other_council_place_goes_to_that_council(citizen, away_council):
    need = make.need(owner=citizen, lon=-0.11, lat=51.51)
    assert need.council == away_council


# --- Availability ----------------------------------------------------------------------------
def test_slot_ending_before_it_starts_is_refused(citizen):
    with pytest.raises(ApplicationError, match="end time \\(09:00\\) must be after"):
        make.need(owner=citizen, slots=[(2, dt.time(10), dt.time(9))])
    assert Need.objects.count() == 0


def test_overlapping_duplicate_slots_are_refused(helper):
    with pytest.raises(ApplicationError, match="overlap"):
        make.offer(
            helper=helper,
            slots=[(1, dt.time(9), dt.time(12)), (1, dt.time(11), dt.time(13))],
        )
    assert Offer.objects.count() == 0


def test_slots_are_saved_sorted(helper):
    offer = make.offer(
        helper=helper, slots=[(3, dt.time(14), dt.time(16)), (1, dt.time(9), dt.time(10))]
    )
    assert [(s.weekday, s.start) for s in offer.slots.all()] == [(1, dt.time(9)), (3, dt.time(14))]


def test_one_off_need_requires_a_window_in_order(citizen):
    start = timezone.now() + dt.timedelta(days=2)
    with pytest.raises(ApplicationError, match="give the start and end"):
        make.need(owner=citizen, timing=Need.Timing.ONE_OFF, starts_at=start)
    with pytest.raises(ApplicationError, match="must be after its start"):
        make.need(owner=citizen, timing=Need.Timing.ONE_OFF, starts_at=start, ends_at=start)
    need = make.need(
        owner=citizen,
        timing=Need.Timing.ONE_OFF,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )
    assert need.expires_at == start + dt.timedelta(hours=2)


# --- Offers: radius, lifecycle ---------------------------------------------------------------
def test_radius_is_capped_by_the_council(helper, home_council):
    home_council.max_travel_radius_m = 5000
    home_council.save()
    with pytest.raises(ApplicationError, match="no further than 5 km"):
        make.offer(helper=helper, radius_m=5001)
    assert Offer.objects.count() == 0
    assert make.offer(helper=helper, radius_m=5000).radius_m == 5000


def test_offer_lifecycle_pause_resume_close(helper, moderator):
    offer = make.offer(helper=helper)
    assert offer.status == Offer.Status.PENDING_REVIEW
    with pytest.raises(ApplicationError, match="waiting for review and cannot become paused"):
        services.offer_pause(actor=helper, offer=offer)
    services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    assert services.offer_pause(actor=helper, offer=offer).status == Offer.Status.PAUSED
    with pytest.raises(ApplicationError, match="paused and cannot become paused"):
        services.offer_pause(actor=helper, offer=offer)
    assert services.offer_resume(actor=helper, offer=offer).status == Offer.Status.OPEN
    assert services.offer_close(actor=helper, offer=offer).status == Offer.Status.CLOSED
    with pytest.raises(ApplicationError, match="This offer is closed, not paused"):
        services.offer_resume(actor=helper, offer=offer)


def test_only_the_helper_can_pause_their_offer(helper, citizen):
    offer = make.offer(helper=helper)
    with pytest.raises(NotFound):
        services.offer_close(actor=citizen, offer=offer)


# --- Needs: lifecycle ------------------------------------------------------------------------
def test_need_draft_submit_review_open(citizen, moderator):
    need = make.need(owner=citizen, submit=False)
    assert need.status == Need.Status.DRAFT
    need = services.need_submit(actor=citizen, need=need)
    assert need.status == Need.Status.PENDING_REVIEW
    with pytest.raises(ApplicationError, match="not a draft"):
        services.need_submit(actor=citizen, need=need)
    need = services.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    assert need.status == Need.Status.OPEN
    assert need.published_at is not None


def test_need_withdraw_and_refused_transitions(citizen, moderator):
    need = make.need(owner=citizen)
    services.need_withdraw(actor=citizen, need=need)
    need.refresh_from_db()
    assert (need.status, need.closed_reason) == ("closed", "withdrawn")
    with pytest.raises(ApplicationError, match="closed and cannot become closed"):
        services.need_withdraw(actor=citizen, need=need)
    with pytest.raises(ApplicationError, match="not waiting for review"):
        services.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    with pytest.raises(ApplicationError, match="can no longer be changed"):
        services.need_update(actor=citizen, need=need, version=need.version, data={"title": "x"})


def test_matched_need_cannot_be_rejected_or_edited(citizen, moderator):
    from marketplace import lifecycle

    need = make.need(owner=citizen)
    services.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    need.refresh_from_db()
    lifecycle.need_transition(need=need, to=Need.Status.MATCHED)
    with pytest.raises(ApplicationError, match="matched and cannot become closed \\(rejected\\)"):
        services.moderation_reject(
            actor=moderator, kind="need", listing_id=need.pk, reason="Not allowed"
        )
    with pytest.raises(ApplicationError, match="can no longer be changed"):
        services.need_update(actor=citizen, need=need, version=need.version, data={"title": "x"})


def test_someone_else_cannot_withdraw_a_need(citizen, other_citizen):
    need = make.need(owner=citizen)
    with pytest.raises(NotFound):
        services.need_withdraw(actor=other_citizen, need=need)


def test_expire_stale_needs(citizen, moderator):
    fresh = make.need(owner=citizen)
    stale = make.need(owner=citizen)
    matched = make.need(owner=citizen)
    services.moderation_approve(actor=moderator, kind="need", listing_id=matched.pk)
    matched.refresh_from_db()
    from marketplace import lifecycle

    lifecycle.need_transition(need=matched, to=Need.Status.MATCHED)
    past = timezone.now() - dt.timedelta(minutes=1)
    Need.objects.filter(pk__in=[stale.pk, matched.pk]).update(expires_at=past)
    assert services.need_expire_stale() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    matched.refresh_from_db()
    assert (stale.status, stale.closed_reason) == ("closed", "expired")
    assert fresh.status == Need.Status.PENDING_REVIEW
    assert matched.status == Need.Status.MATCHED
    assert AuditEvent.objects.filter(verb="need.expired", target_id=stale.pk).exists()
    assert services.need_expire_stale() == 0


def test_weekly_need_expires_after_ninety_days(citizen):
    need = make.need(owner=citizen)
    expected = timezone.now() + services.WEEKLY_NEED_LIFETIME
    assert abs((need.expires_at - expected).total_seconds()) < 60


# --- Edits and versions ----------------------------------------------------------------------
def test_edit_bumps_version_and_refuses_a_stale_one(citizen):
    need = make.need(owner=citizen)
    assert need.version == 1
    updated = services.need_update(
        actor=citizen, need=need, version=1, data={"title": "Walk my dog on Mondays"}
    )
    assert updated.version == 2
    with pytest.raises(ApplicationError, match="Someone changed this since you opened it"):
        services.need_update(actor=citizen, need=need, version=1, data={"title": "Lost update"})
    need.refresh_from_db()
    assert need.title == "Walk my dog on Mondays"


def test_offer_edit_refuses_a_stale_version(helper):
    offer = make.offer(helper=helper)
    services.offer_update(actor=helper, offer=offer, version=1, data={"capacity": 2})
    with pytest.raises(ApplicationError) as err:
        services.offer_update(actor=helper, offer=offer, version=1, data={"capacity": 3})
    assert err.value.code == "stale_version"
    offer.refresh_from_db()
    assert (offer.capacity, offer.version) == (2, 2)


def test_offer_edit_respects_radius_cap_and_slots(helper):
    offer = make.offer(helper=helper)
    with pytest.raises(ApplicationError, match="no further than 8 km"):
        services.offer_update(actor=helper, offer=offer, version=1, data={"radius_m": 9000})
    with pytest.raises(ApplicationError, match="overlap"):
        services.offer_update(
            actor=helper,
            offer=offer,
            version=1,
            data={"slots": [(4, dt.time(9), dt.time(12)), (4, dt.time(9), dt.time(10))]},
        )
    offer.refresh_from_db()
    assert offer.version == 1
    assert offer.slots.count() == 1


def test_editing_an_open_need_sends_it_back_to_review(citizen, moderator):
    need = make.need(owner=citizen)
    services.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    need = services.need_update(
        actor=citizen, need=need, version=1, data={"description": "Now a different dog."}
    )
    assert need.status == Need.Status.PENDING_REVIEW
    need = services.need_update(actor=citizen, need=need, version=2, data={"urgency": "soon"})
    assert need.status == Need.Status.PENDING_REVIEW


def test_moving_a_need_out_of_area_is_refused(citizen):
    need = make.need(owner=citizen)
    with pytest.raises(ApplicationError, match="not available in your area"):
        services.need_update(
            actor=citizen, need=need, version=1, data={"point": Point(2.35, 48.85, srid=4326)}
        )
    need.refresh_from_db()
    assert need.version == 1


# --- Contact details -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Ring me on 07700 900 123",
        "call 07700900123 after six",
        "+44 (0)7700 900123",
        "0113 496 0000 is my landline",
        "oh seven seven double oh nine double oh one two three",
        "zero seven seven zero zero, nine zero zero, one two three",
        "email jo.bloggs@example.com",
        "jo at gmail dot com",
        "jo [at] example [dot] org",
        "jo(at)hotmail.co.uk",
    ],
)
def test_contact_details_in_public_text_are_refused(citizen, helper, text):
    with pytest.raises(ApplicationError, match="use|Kith messages") as err:
        make.need(owner=citizen, description=f"Please help. {text}")
    assert err.value.code == "contact_details"
    with pytest.raises(ApplicationError, match="Kith messages"):
        make.offer(helper=helper, title=text[:80])
    assert Need.objects.count() == 0 and Offer.objects.count() == 0


@pytest.mark.parametrize(
    "text",
    [
        "Hedge at 12 High Street",
        "Come to 12 High Street, the blue door",
        "Pop round to 14 Oak Road",
        "I live at 3a, Mill Lane",
        "Dewch i 5 Heol y Bont",
        "Near YY1 3SU",
        "postcode ls1 1aa",
    ],
)
def test_an_address_in_public_text_is_refused(citizen, helper, text):
    """The need's postcode places it roughly; its words must not place it exactly."""
    with pytest.raises(ApplicationError, match="postcodes") as err:
        make.need(owner=citizen, description=f"Please help. {text}")
    assert err.value.code == "address"
    with pytest.raises(ApplicationError, match="postcodes"):
        make.offer(helper=helper, title=text[:80])
    assert Need.objects.count() == 0 and Offer.objects.count() == 0


@pytest.mark.parametrize(
    "text",
    [
        "Mondays 10:00-12:00, about 3 hours a week",
        "A hot meal for one or two people, nine times out of ten vegetarian",
        "Meet at the shop. Then we walk to the park",
        "Lift to St James hospital ward 12 at 10.30 on 3 March",
        "I am 87 and live at number 14",
        "A1 4pm, then 2 miles down the road",
        "2 dogs on the road, walk 3 times around the Park",
        "I live alone near High Street",
    ],
)
def test_ordinary_text_is_not_mistaken_for_contact_details(citizen, text):
    assert make.need(owner=citizen, description=text).description == text


def test_contact_details_refused_on_edit(citizen):
    need = make.need(owner=citizen)
    with pytest.raises(ApplicationError, match="Kith messages"):
        services.need_update(
            actor=citizen, need=need, version=1, data={"title": "text 07700 900123"}
        )


# --- Recorded on someone's behalf ------------------------------------------------------------
def test_staff_record_a_need_on_behalf_with_consent(citizen, moderator):
    need = make.need(
        owner=citizen,
        recorded_by=moderator,
        consent_given=True,
        consent_note="Agreed on the phone",
    )
    assert need.recorded_by == moderator
    assert need.consent_recorded_at is not None
    assert need.status == Need.Status.OPEN  # staff have seen it already
    event = AuditEvent.objects.get(verb="need.recorded_on_behalf")
    assert event.actor_id == moderator.pk and event.council_id == need.council_id
    # The note stays on the need (erasure reaches it); the audit row only says there was one.
    assert event.data["consent_note_given"] is True
    assert "phone" not in str(event.data)


def test_recording_on_behalf_requires_consent(citizen, moderator):
    with pytest.raises(ApplicationError, match="agreed to you adding this need"):
        make.need(owner=citizen, recorded_by=moderator, consent_given=False)
    assert Need.objects.count() == 0


def test_staff_of_another_council_cannot_record_here(citizen, away_moderator):
    with pytest.raises(ApplicationError, match="own council's area"):
        make.need(owner=citizen, recorded_by=away_moderator, consent_given=True)


def test_suspended_people_cannot_create(citizen):
    citizen.suspended_at = timezone.now()
    citizen.save()
    with pytest.raises(ApplicationError, match="suspended"):
        make.need(owner=citizen)


def test_category_switched_off_is_refused(citizen, council_admin):
    services.category_set_enabled(actor=council_admin, category=make.category(), enabled=False)
    with pytest.raises(ApplicationError, match="does not offer dog walking"):
        make.need(owner=citizen)
    services.category_set_enabled(actor=council_admin, category=make.category(), enabled=True)
    assert make.need(owner=citizen).pk
    assert AuditEvent.objects.filter(verb="category.disabled").count() == 1


def test_only_council_admins_switch_categories(moderator):
    with pytest.raises(NotFound):
        services.category_set_enabled(actor=moderator, category=make.category(), enabled=False)


def test_helper_check_model_used_for_auto_approval(helper, home_council):
    home_council.auto_approve_verified_helpers = True
    home_council.save()
    make.check(user=helper, council=home_council, kind=HelperCheck.Kind.ID)
    assert make.offer(helper=helper).status == Offer.Status.OPEN


# --- Food ------------------------------------------------------------------------------------
def test_food_is_kept_for_meals_alone(citizen, helper):
    """Food is asked, shown and matched for meals only. Answers given before the kind of
    help changed (a request's steps, an offer changed to another kind) are not kept where
    nobody can see or remove them; made-up kinds of food are still refused."""
    meal = make.need(owner=citizen, category_slug="hot-meals", dietary_requirements=["halal"])
    shopping = make.need(
        owner=citizen, category_slug="shopping", dietary_requirements=["vegetarian", "halal"]
    )
    assert (meal.dietary_requirements, shopping.dietary_requirements) == (["halal"], [])
    with pytest.raises(ApplicationError) as err:
        make.need(owner=citizen, category_slug="shopping", dietary_requirements=["carnivore"])
    assert err.value.code == "dietary"
    cook = make.offer(helper=helper, category_slug="hot-meals", dietary_capabilities=["vegan"])
    assert cook.dietary_capabilities == ["vegan"]
    changed = services.offer_update(
        actor=helper, offer=cook, version=1, data={"category": make.category("shopping")}
    )
    assert changed.dietary_capabilities == []
    cook.refresh_from_db()
    assert cook.dietary_capabilities == []
    unchanged = services.need_update(
        actor=citizen, need=shopping, version=1, data={"dietary_requirements": ["vegan"]}
    )
    assert unchanged.dietary_requirements == []


def test_each_language_is_kept_once_whatever_its_capitals(citizen):
    need = make.need(owner=citizen, languages=["English", "ENGLISH", " english ", "Polish", ""])
    assert need.languages == ["English", "Polish"]
