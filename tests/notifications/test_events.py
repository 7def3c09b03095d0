"""Every event tells the right people, on the right channels, with a link to the page where
they act: one row of the table per event, each driven through the real service that makes
the decision (eager Celery, locmem email; no Notify account configured)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from marketplace import services as market
from matching import services as matching
from matching.models import AlertPreference, Match
from matching.rounds import round_apply, round_run
from matching.tasks import alert_urgent_need
from notifications.models import Channel, Notification
from notifications.services import helper_checks_tell_expiring
from safeguarding import checks as safeguarding_checks
from safeguarding import reports as safeguarding_reports
from safeguarding import suspension
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


@dataclass
class Told:
    who: str  # "citizen", "helper", …
    template: str
    link: str


@dataclass
class World:
    council: Any
    moderator: Any
    lead: Any
    citizen: Any
    helper: Any
    need: Any
    offer: Any

    def person(self, name: str):
        return getattr(self, name)

    def proposal(self, by: str = "helper") -> Match:
        if by == "helper":
            return matching.match_offer_help(
                helper=self.helper, need_id=self.need.pk, offer_id=self.offer.pk
            )
        return matching.match_request(
            citizen=self.citizen, need_id=self.need.pk, offer_id=self.offer.pk
        )

    def agreed(self) -> Match:
        match = self.proposal()
        return matching.match_accept(user=self.citizen, match_id=match.pk)


@pytest.fixture
def w(home_council, moderator, safeguarding_lead, citizen, helper):
    need = make.open_need(owner=citizen, moderator=moderator)
    offer = make.open_offer(helper=helper, moderator=moderator)
    return World(home_council, moderator, safeguarding_lead, citizen, helper, need, offer)


def _match_link(m: Match, suffix: str = "") -> str:
    return reverse("match_detail", args=[m.pk]) + suffix


# Each case: what happens (after `setup`, which is not counted), and who is told what.
def need_approved(w):
    need = make.need(owner=w.citizen, title="Help with my cat")
    if need.status != "pending_review":
        pytest.fail("a new citizen's need should wait for review")
    market.moderation_approve(actor=w.moderator, kind="need", listing_id=need.pk)
    return [Told("citizen", "listing_approved", reverse("need_detail", args=[need.pk]))]


def offer_approved(w):
    offer = make.offer(helper=w.helper, title="More dog walks")
    market.moderation_approve(actor=w.moderator, kind="offer", listing_id=offer.pk)
    return [Told("helper", "listing_approved", reverse("offer_detail", args=[offer.pk]))]


def need_rejected(w):
    need = make.need(owner=w.citizen, title="Help with my cat")
    market.moderation_reject(
        actor=w.moderator, kind="need", listing_id=need.pk, reason="Say which days suit you."
    )
    return [Told("citizen", "listing_rejected", reverse("need_detail", args=[need.pk]))]


def helper_offers(w):
    m = w.proposal("helper")
    return [Told("citizen", "helper_offered", _match_link(m))]


def citizen_asks(w):
    m = w.proposal("citizen")
    return [Told("helper", "citizen_asked", _match_link(m))]


def staff_propose(w):
    m = matching.match_propose_by_staff(staff=w.moderator, need_id=w.need.pk, offer_id=w.offer.pk)
    link = _match_link(m)
    return [Told("citizen", "council_proposed", link), Told("helper", "council_proposed", link)]


def accepted(w):
    m = w.agreed()
    return [Told("helper", "proposal_accepted", _match_link(m))]


def declined(w):
    m = w.proposal("helper")
    matching.match_decline(user=w.citizen, match_id=m.pk)
    return [Told("helper", "proposal_declined", _match_link(m))]


def expired(w):
    m = w.proposal("helper")
    Match.objects.filter(pk=m.pk).update(created_at=timezone.now() - dt.timedelta(days=20))
    matching.matches_expire()
    link = _match_link(m)
    return [Told("citizen", "proposal_expired", link), Told("helper", "proposal_expired", link)]


def cancelled(w):
    m = w.agreed()
    matching.match_cancel(user=w.citizen, match_id=m.pk)
    return [Told("helper", "match_cancelled", _match_link(m))]


def completed(w):
    m = w.agreed()
    matching.match_complete(user=w.helper, match_id=m.pk)
    link = reverse("match_feedback", args=[m.pk])
    return [Told("citizen", "match_completed", link), Told("helper", "match_completed", link)]


def message(w):
    m = w.agreed()
    matching.message_send(user=w.helper, match_id=m.pk, body="Hello, is Tuesday good?")
    return [Told("citizen", "message_received", _match_link(m, "#messages"))]


def check_expiring(w):
    make.check(
        user=w.helper, council=w.council, expires_on=timezone.localdate() + dt.timedelta(days=9)
    )
    helper_checks_tell_expiring()
    return [Told("helper", "check_expiring", reverse("helping"))]


def check_revoked_pauses_offer(w):
    check = make.record_check(actor=w.moderator, helper=w.helper)
    offer = make.open_offer(helper=w.helper, moderator=w.moderator, category_slug="gardening")
    safeguarding_checks.helper_check_revoke(
        actor=w.moderator, check_id=check.pk, reason="Recorded for the wrong person"
    )
    # Revoked, not expired: the words say the council withdrew it.
    return [Told("helper", "offer_paused_check_revoked", reverse("offer_detail", args=[offer.pk]))]


def suspended(w):
    m = w.agreed()
    suspension.person_suspend(actor=w.lead, person_id=w.helper.pk, reason="Asked for money")
    return [
        Told("helper", "person_suspended", reverse("home")),
        Told("citizen", "match_cancelled", _match_link(m)),
    ]


def reinstated(w):
    suspension.person_suspend(actor=w.lead, person_id=w.helper.pk, reason="Asked for money")
    Notification.objects.all().delete()
    suspension.person_reinstate(actor=w.lead, person_id=w.helper.pk, note="Sorted out")
    return [Told("helper", "person_reinstated", reverse("home"))]


def report_decided(w):
    report = safeguarding_reports.report_create(
        reporter=w.citizen, target_type="offer", target_id=w.offer.pk, reason="Rude words"
    )
    safeguarding_reports.report_decide(actor=w.moderator, report_id=report.pk, upheld=True)
    return [Told("citizen", "report_upheld", reverse("home"))]


def urgent_alert_then_stand_down(w):
    AlertPreference.objects.create(user=w.helper, opted_in=True)
    need = make.open_need(owner=w.citizen, moderator=w.moderator, urgency="urgent")
    alert_urgent_need(need.pk)
    rows = list(Notification.objects.filter(template="urgent_alert", channel=Channel.KITH))
    assert [r.link for r in rows] == [reverse("need_for_helper", args=[need.pk])]
    market.need_withdraw(actor=w.citizen, need=need)
    return [
        Told("helper", "urgent_alert", reverse("need_for_helper", args=[need.pk])),
        Told("helper", "urgent_stand_down", reverse("helping")),
    ]


def urgent_need_waits_for_review(w):
    need = make.need(owner=w.citizen, urgency="urgent")
    assert need.status == "pending_review"
    return [
        Told(
            "moderator",
            "urgent_waiting",
            reverse("staff:moderation_item", args=["need", need.pk]),
        )
    ]


CASES = {
    f.__name__: f
    for f in (
        need_approved,
        offer_approved,
        need_rejected,
        helper_offers,
        citizen_asks,
        staff_propose,
        accepted,
        declined,
        expired,
        cancelled,
        completed,
        message,
        check_expiring,
        check_revoked_pauses_offer,
        suspended,
        reinstated,
        report_decided,
        urgent_alert_then_stand_down,
        urgent_need_waits_for_review,
    )
}


@pytest.mark.parametrize("case", CASES)
def test_each_event_tells_the_right_people(case, w, django_capture_on_commit_callbacks):
    before = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        expected = CASES[case](w)
    rows = Notification.objects.filter(id__gt=before).select_related("person")
    people = {w.citizen.pk: "citizen", w.helper.pk: "helper", w.moderator.pk: "moderator"}
    in_kith = {
        (people.get(r.person_id, r.person_id), r.template, r.link)
        for r in rows
        if r.channel == Channel.KITH
    }
    # The steps before the event (a proposal before an acceptance) tell people too; the
    # event's own notices are what this case names, and nobody else is told of it.
    templates = {t.template for t in expected}
    assert {row for row in in_kith if row[1] in templates} == {
        (t.who, t.template, t.link) for t in expected
    }
    # Everyone told in Kith is told by email too (the default), and the email carries the
    # absolute link, why it was sent and how to change that.
    for t in expected:
        person = w.person(t.who)
        emails = [m for m in mail.outbox if m.to == [person.email]]
        row = rows.get(person=person, template=t.template, channel=Channel.EMAIL)
        assert row.status == "delivered"
        assert any(row.subject in m.subject for m in emails)
        body = next(m.body for m in emails if row.subject in m.subject)
        assert t.link.split("#")[0] in body
        assert "You are getting this because" in body
        assert reverse("contact_preferences") in body


def test_a_round_tells_both_people_of_every_proposal(
    w, council_admin, django_capture_on_commit_callbacks
):
    others = [
        make.open_need(owner=make.person(council=w.council), moderator=w.moderator)
        for _ in range(3)
    ]
    helpers = [
        make.open_offer(
            helper=make.person(council=w.council, lon=-1.55, lat=53.80), moderator=w.moderator
        )
        for _ in range(3)
    ]
    assert others and helpers
    made = round_run(council=w.council, actor=w.moderator)
    with django_capture_on_commit_callbacks(execute=True):
        round_apply(staff=w.moderator, round_id=made.pk)
    matches = Match.objects.filter(proposed_by=Match.ProposedBy.ROUND)
    assert matches.count() >= 3
    for m in matches:
        told = set(
            Notification.objects.filter(
                template="council_proposed", channel=Channel.KITH, target_id=m.pk
            ).values_list("person_id", flat=True)
        )
        assert told == {m.need.owner_id, m.offer.helper_id}
        assert len([e for e in mail.outbox if "The council suggests a match" in e.subject]) >= 2


def test_a_second_message_is_not_told_until_the_first_is_read(
    w, django_capture_on_commit_callbacks
):
    from notifications.services import conversation_read

    m = w.agreed()
    with django_capture_on_commit_callbacks(execute=True):
        matching.message_send(user=w.helper, match_id=m.pk, body="Hello")
        matching.message_send(user=w.helper, match_id=m.pk, body="Are you there?")
    told = Notification.objects.filter(person=w.citizen, template="message_received")
    assert told.filter(channel=Channel.KITH).count() == 1
    assert told.filter(channel=Channel.EMAIL).count() == 1
    # Reading it: nothing more while the conversation is open…
    conversation_read(person=w.citizen, match_id=m.pk)
    matching.message_send(user=w.helper, match_id=m.pk, body="Tuesday then")
    assert told.filter(channel=Channel.KITH).count() == 1
    # …and a notice again once the person has left it.
    from notifications.models import ConversationRead

    ConversationRead.objects.update(read_at=timezone.now() - dt.timedelta(minutes=10))
    matching.message_send(user=w.helper, match_id=m.pk, body="See you then")
    assert told.filter(channel=Channel.KITH).count() == 2


def test_a_rolled_back_decision_tells_nobody(w):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        w.proposal("helper")
        raise RuntimeError("undo")
    assert not Notification.objects.filter(template="helper_offered").exists()
