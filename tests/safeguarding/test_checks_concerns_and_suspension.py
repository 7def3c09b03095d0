"""Staff services: helper checks and their expiry, safeguarding concerns, suspension and
reinstatement, people search and reads — each writing its audit row in the same transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from marketplace import selectors as marketplace_selectors
from marketplace import services as marketplace_services
from marketplace.models import Need, Offer
from matching import services as matching_services
from matching.models import Match
from safeguarding import checks as safeguarding_checks
from safeguarding import people as safeguarding_people
from safeguarding import suspension as safeguarding_suspension
from safeguarding.tasks import helper_checks_enforce_expiry
from tests.kit import factories as make
from trust import checks as trust_checks
from trust import concerns as trust_concerns
from trust.checks import helper_verification_level
from trust.models import ConcernNote, HelperCheck, SafeguardingConcern

pytestmark = pytest.mark.django_db
today = timezone.localdate


def verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))


# --- Helper checks ---------------------------------------------------------------------------
def test_recording_a_dbs_check_keeps_only_the_last_four_characters(moderator, helper):
    check = trust_checks.helper_check_record(
        actor=moderator,
        helper_id=helper.pk,
        kind=HelperCheck.Kind.DBS_ENHANCED_BARRED,
        issued_on=today() - dt.timedelta(days=3),
        expires_on=today() + dt.timedelta(days=3 * 365),
        certificate_last4="12 ab",
    )
    check.refresh_from_db()
    assert check.certificate_last4 == "12AB"
    assert check.recorded_by == moderator
    assert helper_verification_level(user=helper) == 2
    event = AuditEvent.objects.get(verb="helper_check.recorded")
    assert event.actor_id == moderator.pk and event.council_id == helper.council_id
    assert event.data["person_id"] == helper.pk
    assert "12AB" not in str(event.data)


@pytest.mark.parametrize("number", ["001234567890", "0012 3456 7890", "12345"])
def test_a_whole_certificate_number_is_refused_and_nothing_is_saved(moderator, helper, number):
    with pytest.raises(ApplicationError) as exc:
        trust_checks.helper_check_record(
            actor=moderator,
            helper_id=helper.pk,
            kind=HelperCheck.Kind.DBS_ENHANCED_BARRED,
            issued_on=today(),
            expires_on=today() + dt.timedelta(days=365),
            certificate_last4=number,
        )
    assert "last 4 characters" in exc.value.message
    assert "never stores a whole certificate number" in exc.value.message
    assert not HelperCheck.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("kind", "issued", "expires", "last4", "message"),
    [
        ("dbs_enhanced_barred", 0, 365, "", "last 4 characters of the DBS"),
        ("dbs_enhanced_barred", 0, None, "1234", "must be renewed"),
        ("id", 5, 365, "", "cannot be in the future"),
        ("id", -10, -1, "", "already expired"),
        ("id", 0, 365, "1234", "has no certificate number"),
        ("passport", 0, 365, "", "kind of check"),
    ],
)
def test_check_input_errors_are_plain(moderator, helper, kind, issued, expires, last4, message):
    with pytest.raises(ApplicationError) as exc:
        trust_checks.helper_check_record(
            actor=moderator,
            helper_id=helper.pk,
            kind=kind,
            issued_on=today() + dt.timedelta(days=issued),
            expires_on=None if expires is None else today() + dt.timedelta(days=expires),
            certificate_last4=last4,
        )
    assert message in exc.value.message
    assert not HelperCheck.objects.exists()


def test_checks_only_for_people_of_the_staff_members_council(moderator, away_council):
    stranger = make.person(council=away_council)
    with pytest.raises(NotFound):
        make.record_check(actor=moderator, helper=stranger)


def test_safeguarding_lead_cannot_record_checks(safeguarding_lead, helper):
    with pytest.raises(ApplicationError) as exc:
        make.record_check(actor=safeguarding_lead, helper=helper)
    assert exc.value.code == "forbidden"


def test_expiring_checks_lists_the_next_30_days_of_own_council_only(
    moderator, helper, away_admin, away_council
):
    soon = make.record_check(actor=moderator, helper=helper, days_left=10)
    make.record_check(actor=moderator, helper=helper, kind="dbs_enhanced_barred", days_left=200)
    far_helper = make.person(council=away_council)
    make.record_check(actor=away_admin, helper=far_helper, days_left=5)
    expiring = list(trust_checks.helper_checks_expiring(council=helper.council))
    assert expiring == [soon]
    # Once renewed, it is no longer listed.
    make.record_check(actor=moderator, helper=helper, days_left=400)
    assert list(trust_checks.helper_checks_expiring(council=helper.council)) == []


def test_levels_unlock_categories():
    by_level = {
        u.level: {c.slug for c in u.categories} for u in marketplace_selectors.categories_by_level()
    }
    assert "dog-walking" in by_level[0]
    assert "gardening" in by_level[1]
    assert {"shopping", "lifts", "personal-care"} <= by_level[2]


def test_daily_task_pauses_offers_the_helper_no_longer_qualifies_for(
    moderator, helper, home_council, django_capture_on_commit_callbacks
):
    make.record_check(actor=moderator, helper=helper, days_left=20)  # ID check
    gardening = make.offer(helper=helper, category_slug="gardening")
    walking = make.offer(helper=helper, category_slug="dog-walking")
    for offer in (gardening, walking):
        marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    mail.outbox.clear()

    # Still valid today: nothing changes.
    assert helper_checks_enforce_expiry() == 0
    # Three weeks later the ID check has expired.
    with django_capture_on_commit_callbacks(execute=True):
        assert safeguarding_checks.offers_pause_unqualified(on=today() + dt.timedelta(days=21)) == 1
    gardening.refresh_from_db()
    walking.refresh_from_db()
    assert gardening.status == Offer.Status.PAUSED
    assert walking.status == Offer.Status.OPEN  # dog walking needs no check
    event = AuditEvent.objects.get(verb="offer.paused_check_lapsed")
    assert event.target_id == gardening.pk and event.council_id == home_council.pk
    assert mail.outbox[0].to == [helper.email]
    assert "paused" in mail.outbox[0].body
    # Running again does nothing more.
    assert safeguarding_checks.offers_pause_unqualified(on=today() + dt.timedelta(days=21)) == 0


def test_revoking_a_check_pauses_offers_at_once(moderator, helper):
    check = make.record_check(actor=moderator, helper=helper)
    offer = make.offer(helper=helper, category_slug="gardening")
    marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    safeguarding_checks.helper_check_revoke(
        actor=moderator, check_id=check.pk, reason="Recorded in error"
    )
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PAUSED
    assert helper_verification_level(user=helper) == 0
    assert verbs()[-2:] == ["helper_check.revoked", "offer.paused_check_lapsed"]


# --- Safeguarding concerns -------------------------------------------------------------------
def test_concern_lifecycle(moderator, safeguarding_lead, citizen):
    concern = trust_concerns.concern_raise(
        actor=moderator,
        about_id=citizen.pk,
        summary="Seemed distressed on a visit",
        priority="high",
        note="The helper reported bruising.",
    )
    assert concern.status == SafeguardingConcern.Status.OPEN
    trust_concerns.concern_assign(
        actor=safeguarding_lead,
        concern_id=concern.pk,
        owner_id=safeguarding_lead.pk,
        priority="urgent",
    )
    trust_concerns.concern_add_note(
        actor=safeguarding_lead, concern_id=concern.pk, body="Called her."
    )
    with pytest.raises(ApplicationError):
        trust_concerns.concern_close(
            actor=safeguarding_lead, concern_id=concern.pk, outcome="", note="x"
        )
    trust_concerns.concern_close(
        actor=safeguarding_lead,
        concern_id=concern.pk,
        outcome=SafeguardingConcern.Outcome.REFERRED,
        note="Referred to adult social care.",
    )
    concern.refresh_from_db()
    assert concern.status == SafeguardingConcern.Status.CLOSED
    assert concern.owner == safeguarding_lead and concern.priority == "urgent"
    assert concern.closed_at is not None
    assert [n.body for n in concern.notes.all()] == [
        "The helper reported bruising.",
        "Called her.",
        "Referred to adult social care.",
    ]
    assert verbs() == [
        "concern.raised",
        "concern.assigned",
        "concern.note_added",
        "concern.closed",
    ]
    with pytest.raises(ApplicationError):
        trust_concerns.concern_close(
            actor=safeguarding_lead, concern_id=concern.pk, outcome="advice_given", note="again"
        )


def test_moderator_may_raise_but_not_handle_concerns(moderator, citizen):
    concern = trust_concerns.concern_raise(
        actor=moderator, about_id=citizen.pk, summary="Odd messages", priority="low"
    )
    with pytest.raises(ApplicationError):
        trust_concerns.concern_add_note(actor=moderator, concern_id=concern.pk, body="note")


def test_concerns_of_another_council_are_not_found(safeguarding_lead, away_admin, away_council):
    other = make.person(council=away_council)
    concern = trust_concerns.concern_raise(
        actor=away_admin, about_id=other.pk, summary="Away concern", priority="low"
    )
    with pytest.raises(NotFound):
        trust_concerns.concern_add_note(actor=safeguarding_lead, concern_id=concern.pk, body="x")
    assert trust_concerns.concerns_for_council(council=safeguarding_lead.council) == []


def test_concerns_queue_is_most_urgent_first(safeguarding_lead, citizen):
    low = trust_concerns.concern_raise(
        actor=safeguarding_lead, about_id=citizen.pk, summary="a", priority="low"
    )
    urgent = trust_concerns.concern_raise(
        actor=safeguarding_lead, about_id=citizen.pk, summary="b", priority="urgent"
    )
    medium = trust_concerns.concern_raise(
        actor=safeguarding_lead, about_id=citizen.pk, summary="c", priority="medium"
    )
    assert trust_concerns.concerns_for_council(council=citizen.council) == [urgent, medium, low]


def test_the_database_refuses_to_change_or_delete_a_concern_note(safeguarding_lead, citizen):
    concern = trust_concerns.concern_raise(
        actor=safeguarding_lead, about_id=citizen.pk, summary="s", priority="low", note="first"
    )
    note = concern.notes.get()
    for sql in (
        "UPDATE accounts_concernnote SET body = 'changed' WHERE id = %s",
        "DELETE FROM accounts_concernnote WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [note.pk])
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        ConcernNote.objects.filter(pk=note.pk).update(body="changed")
    assert ConcernNote.objects.get(pk=note.pk).body == "first"


def test_closed_concern_must_have_an_outcome_in_the_database(safeguarding_lead, citizen):
    concern = trust_concerns.concern_raise(
        actor=safeguarding_lead, about_id=citizen.pk, summary="s", priority="low"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        SafeguardingConcern.objects.filter(pk=concern.pk).update(status="closed")


# --- Suspension ------------------------------------------------------------------------------
def test_suspension_withdraws_listings_ends_matches_and_tells_the_other_person_neutrally(
    safeguarding_lead, moderator, citizen, helper, home_council, django_capture_on_commit_callbacks
):
    need = make.need(owner=citizen)
    marketplace_services.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    helper_need = make.need(owner=helper, title="Help with my garden", category_slug="dog-walking")
    offer = make.offer(helper=helper)
    marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    match = matching_services.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    matching_services.match_accept(user=citizen, match_id=match.pk)
    need.refresh_from_db()
    assert need.status == Need.Status.MATCHED
    concern = trust_concerns.concern_raise(
        actor=safeguarding_lead, about_id=helper.pk, summary="Asked for money", priority="urgent"
    )
    mail.outbox.clear()
    helper_browser = Client()
    helper_browser.force_login(helper)

    with django_capture_on_commit_callbacks(execute=True):
        result = safeguarding_suspension.person_suspend(
            actor=safeguarding_lead,
            person_id=helper.pk,
            reason="Asked a citizen for money",
            concern_id=concern.pk,
        )

    helper.refresh_from_db()
    assert helper.is_suspended
    assert (result.needs_closed, result.offers_closed, result.matches_ended) == (1, 1, 1)
    offer.refresh_from_db()
    helper_need.refresh_from_db()
    match.refresh_from_db()
    need.refresh_from_db()
    assert offer.status == Offer.Status.CLOSED
    assert helper_need.status == Need.Status.CLOSED
    assert helper_need.closed_reason == Need.ClosedReason.WITHDRAWN
    assert match.status == Match.Status.CANCELLED and match.ended_by == safeguarding_lead
    assert need.status == Need.Status.OPEN  # the citizen can be matched again
    [message] = [m for m in mail.outbox if m.to == [citizen.email]]
    assert "This match has ended" in message.body
    assert "money" not in message.body and "suspend" not in message.body.lower()
    # The suspended person is told too, without the reason staff typed.
    [own] = [m for m in mail.outbox if m.to == [helper.email]]
    assert "suspended" in own.subject and "money" not in own.body
    assert len(mail.outbox) == 2
    event = AuditEvent.objects.get(verb="person.suspended")
    assert event.target_type == "person" and event.target_id == helper.pk
    # The words are on the suspension, not in the append-only audit row.
    assert (event.data["reason_given"], event.data["reason_length"]) == (True, 25)
    assert "money" not in str(event.data)
    assert helper.suspensions.get().reason == "Asked a citizen for money"
    assert event.data["concern_id"] == concern.pk
    assert {"match.cancelled", "need.withdrawn", "offer.closed", "person.sessions_ended"} <= set(
        verbs()
    )
    # Signed out at once.
    assert result.sessions_ended == 1
    assert "_auth_user_id" not in helper_browser.session

    # A suspended person cannot record new listings (the marketplace refuses them).
    with pytest.raises(ApplicationError):
        make.offer(helper=helper)

    trust_concerns.concern_close(
        actor=safeguarding_lead,
        concern_id=concern.pk,
        outcome=SafeguardingConcern.Outcome.PERSON_SUSPENDED,
        note="Suspended.",
    )
    safeguarding_suspension.person_reinstate(
        actor=safeguarding_lead, person_id=helper.pk, note="Cleared by police"
    )
    helper.refresh_from_db()
    assert not helper.is_suspended
    assert verbs()[-1] == "person.reinstated"


def test_suspension_needs_a_reason_and_a_role_that_allows_it(moderator, safeguarding_lead, citizen):
    with pytest.raises(ApplicationError):
        safeguarding_suspension.person_suspend(
            actor=safeguarding_lead, person_id=citizen.pk, reason=" "
        )
    with pytest.raises(ApplicationError) as exc:
        safeguarding_suspension.person_suspend(actor=moderator, person_id=citizen.pk, reason="x")
    assert exc.value.code == "forbidden"
    citizen.refresh_from_db()
    assert not citizen.is_suspended
    assert not AuditEvent.objects.exists()


def test_suspension_of_someone_in_another_council_is_not_found(safeguarding_lead, away_council):
    other = make.person(council=away_council)
    with pytest.raises(NotFound):
        safeguarding_suspension.person_suspend(
            actor=safeguarding_lead, person_id=other.pk, reason="x"
        )


def test_suspended_staff_lose_their_powers(safeguarding_lead, council_admin, citizen):
    safeguarding_suspension.person_suspend(
        actor=council_admin, person_id=safeguarding_lead.pk, reason="Left"
    )
    safeguarding_lead.refresh_from_db()
    with pytest.raises(NotFound):
        safeguarding_suspension.person_suspend(
            actor=safeguarding_lead, person_id=citizen.pk, reason="x"
        )


# --- People ----------------------------------------------------------------------------------
def test_people_search_finds_own_council_only_and_is_audited(
    safeguarding_lead, citizen, away_council
):
    make.person(council=away_council, display_name="Margaret Elsewhere")
    found = safeguarding_people.people_search(actor=safeguarding_lead, query="margaret")
    assert found == [citizen]
    by_email = safeguarding_people.people_search(
        actor=safeguarding_lead, query=citizen.email[:8].upper()
    )
    assert citizen in by_email
    event = AuditEvent.objects.filter(verb="people.searched").first()
    assert event.data["query"] in ("margaret", citizen.email[:8].upper())
    with pytest.raises(ApplicationError):
        safeguarding_people.people_search(actor=safeguarding_lead, query="m")


def test_viewing_a_person_writes_person_viewed(safeguarding_lead, citizen, away_council):
    record = safeguarding_people.person_view(actor=safeguarding_lead, person_id=citizen.pk)
    assert record.person == citizen
    event = AuditEvent.objects.get(verb="person.viewed")
    assert (event.actor_id, event.target_id, event.council_id) == (
        safeguarding_lead.pk,
        citizen.pk,
        citizen.council_id,
    )
    other = make.person(council=away_council)
    with pytest.raises(NotFound):
        safeguarding_people.person_view(actor=safeguarding_lead, person_id=other.pk)
    assert AuditEvent.objects.filter(verb="person.viewed").count() == 1


def test_moderators_cannot_search_people(moderator):
    with pytest.raises(ApplicationError):
        safeguarding_people.people_search(actor=moderator, query="anyone")


def test_people_search_finds_a_person_by_phone_however_it_is_written(
    safeguarding_lead, home_council, away_council
):
    """People who are not online have no email: staff find them by their phone number."""
    edna = make.person(council=home_council, display_name="Edna", phone="07700 900123")
    make.person(council=away_council, display_name="Edna Elsewhere", phone="07700900123")
    for written in ("07700 900123", "+44 7700 900123", "(07700) 900-123"):
        assert safeguarding_people.people_search(actor=safeguarding_lead, query=written) == [edna]
    # Part of a number is not a search for a number.
    assert safeguarding_people.people_search(actor=safeguarding_lead, query="900123") == []
