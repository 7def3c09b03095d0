"""A need a moderator turned down can be changed by its owner and sent again, through the same
step that sends a new need; a need's place can be changed with the checks it was made with;
and no refusal about a place asks for a map pin that no page has."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from marketplace import lifecycle, services
from marketplace.models import Need
from marketplace.selectors import review_queue_needs
from places.geo import approximate_point
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

REASON = "Please say which day of the week suits you."


def rejected(need: Need, moderator) -> Need:
    return services.moderation_reject(
        actor=moderator, kind="need", listing_id=need.pk, reason=REASON
    )


def test_a_rejected_need_is_changed_and_sent_again_to_the_review_queue(citizen, moderator):
    need = rejected(make.need(owner=citizen), moderator)
    assert need.status == Need.Status.CLOSED and need.rejection_reason == REASON
    assert lifecycle.need_may_change(need) and lifecycle.need_may_send_again(need)
    assert need not in review_queue_needs(staff=moderator)

    changed = services.need_update(
        actor=citizen,
        need=need,
        version=need.version,
        data={"description": "A friendly spaniel. Tuesdays suit me best."},
    )
    assert changed.status == Need.Status.CLOSED  # still turned down until it is sent

    sent = services.need_submit(actor=citizen, need=changed, version=changed.version)
    assert sent.status == Need.Status.PENDING_REVIEW
    assert sent.closed_reason == "" and sent.rejection_reason == ""
    assert sent.expires_at > timezone.now()
    sent.refresh_from_db()
    assert (sent.status, sent.rejection_reason) == (Need.Status.PENDING_REVIEW, "")
    assert AuditEvent.objects.filter(
        verb="need.sent_again", target_type="need", target_id=str(need.pk), actor=citizen
    ).exists()
    assert list(review_queue_needs(staff=moderator)) == [sent]

    approved = services.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    assert approved.status == Need.Status.OPEN and approved.published_at is not None


def test_sent_again_where_the_council_publishes_the_person_straight_away_it_opens(
    citizen, moderator, home_council
):
    need = rejected(make.need(owner=citizen), moderator)
    home_council.auto_approve_verified_helpers = True
    home_council.save(update_fields=["auto_approve_verified_helpers"])
    make.record_check(actor=moderator, helper=citizen)
    sent = services.need_submit(actor=citizen, need=need, version=need.version)
    assert sent.status == Need.Status.OPEN and sent.published_at is not None
    assert AuditEvent.objects.filter(verb="need.published", target_id=str(need.pk)).exists()


def test_a_one_off_need_whose_time_has_passed_must_get_a_new_date_first(citizen, moderator):
    zone = timezone.get_current_timezone()
    day = timezone.localdate() + dt.timedelta(days=3)
    need = rejected(
        make.need(
            owner=citizen,
            slots=[],
            timing=Need.Timing.ONE_OFF,
            starts_at=dt.datetime.combine(day, dt.time(10), tzinfo=zone),
            ends_at=dt.datetime.combine(day, dt.time(12), tzinfo=zone),
        ),
        moderator,
    )
    past = timezone.now() - dt.timedelta(days=2)
    Need.objects.filter(pk=need.pk).update(starts_at=past - dt.timedelta(hours=2), ends_at=past)
    need.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        services.need_submit(actor=citizen, need=need, version=need.version)
    assert refused.value.code == "window_past"
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED and need.rejection_reason == REASON

    later = timezone.now() + dt.timedelta(days=4)
    need = services.need_update(
        actor=citizen,
        need=need,
        version=need.version,
        data={"starts_at": later, "ends_at": later + dt.timedelta(hours=2)},
    )
    sent = services.need_submit(actor=citizen, need=need, version=need.version)
    assert sent.status == Need.Status.PENDING_REVIEW and sent.expires_at == sent.ends_at


def test_only_a_rejected_need_of_ones_own_can_be_sent_again(citizen, other_citizen, moderator):
    need = rejected(make.need(owner=citizen), moderator)
    with pytest.raises(NotFound):
        services.need_submit(actor=other_citizen, need=need)
    with pytest.raises(ApplicationError, match="Someone changed this"):
        services.need_submit(actor=citizen, need=need, version=need.version - 1)

    withdrawn = services.need_withdraw(actor=citizen, need=make.need(owner=citizen))
    assert not lifecycle.need_may_change(withdrawn)
    with pytest.raises(ApplicationError) as refused:
        services.need_submit(actor=citizen, need=withdrawn)
    assert refused.value.code == "invalid_transition"
    with pytest.raises(ApplicationError) as refused:
        services.need_update(
            actor=citizen, need=withdrawn, version=withdrawn.version, data={"title": "Again"}
        )
    assert refused.value.code == "not_editable"
    # Only sending it again leaves "closed": nothing else reopens a turned-down need.
    with pytest.raises(ApplicationError):
        lifecycle.need_transition(need=need, to=Need.Status.PENDING_REVIEW)


def test_a_needs_postcode_changes_with_the_checks_it_was_made_with(citizen, moderator):
    make.PostcodeFactory(postcode="LS3 3DD", location=Point(-1.60, 53.79, srid=4326))
    make.PostcodeFactory(postcode="SW1A 1AA", location=Point(-0.14, 51.50, srid=4326))
    need = make.resident_need(
        owner=citizen, category=make.category("befriending"), moderator=moderator
    )
    with pytest.raises(ApplicationError) as refused:
        services.need_update(
            actor=citizen, need=need, version=need.version, data={"postcode": "SW1A 1AA"}
        )
    assert refused.value.code == "not_available"
    need = services.need_update(
        actor=citizen, need=need, version=need.version, data={"postcode": "ls33dd"}
    )
    need.refresh_from_db()
    assert need.postcode == "LS3 3DD"
    assert (need.location.x, need.location.y) == pytest.approx((-1.60, 53.79))
    expected = approximate_point(Point(-1.60, 53.79, srid=4326))
    assert (need.approx_location.x, need.approx_location.y) == pytest.approx(
        (expected.x, expected.y)
    )
    assert need.status == Need.Status.OPEN  # the same council: no review again


def test_the_check_of_a_needs_place_is_the_one_need_create_makes(citizen):
    make.PostcodeFactory(postcode="SW1A 1AA", location=Point(-0.14, 51.50, srid=4326))
    assert services.place_check(postcode="LS1 1AA") == citizen.council
    for postcode, code in (
        ("SW1A 1AA", "not_available"),
        ("LS9 9ZZ", "postcode_unknown"),
        ("not one", "postcode_invalid"),
    ):
        with pytest.raises(ApplicationError) as refused:
            services.place_check(postcode=postcode)
        assert refused.value.code == code


def test_no_refusal_about_a_place_asks_for_a_map_pin(citizen):
    stranger = make.person(with_home=False)
    refusals = []
    for kwargs in ({"owner": stranger, "point": None}, {"owner": citizen, "postcode": "LS9 9ZZ"}):
        with pytest.raises(ApplicationError) as refused:
            make.need(**kwargs)
        refusals.append(refused.value.message)
    assert refusals[0] == "Enter a postcode."
    assert refusals[1].startswith("We could not find the postcode LS9 9ZZ.")
    assert not any("pin" in message or "map" in message for message in refusals)
