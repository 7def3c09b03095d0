""" "Do you still want to help?", through the real beat task: which helpers are asked (idle
for the council's weeks, not recently asked, alerted or matched, in their own council, with
an open offer, not erased), a yes and a no, nobody else's question, answering twice, and the
message through the real pipeline to the local Notify server."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import erased_email
from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from marketplace.models import Offer
from marketplace.services import offer_resume
from matching import services as matching_services
from matching import still_helping as sh
from matching.models import AlertSent, Match, StillHelping
from matching.tasks import still_helping
from notifications.models import Channel, ContactPreference, Notification
from tests.kit import factories as make
from tests.notifications.conftest import notify  # noqa: F401 (the local Notify server)

pytestmark = pytest.mark.django_db

WEEK = dt.timedelta(weeks=1)


def run(at: dt.datetime) -> dict:
    return still_helping.delay(now=at.isoformat()).get()


def asked() -> set[int]:
    return set(StillHelping.objects.values_list("helper_id", flat=True))


@pytest.fixture
def offer(mcouncil):
    return make.offer_row(council=mcouncil)


def test_a_helper_idle_for_six_weeks_is_asked_once(offer):
    start = offer.published_at
    assert run(start + 6 * WEEK - dt.timedelta(hours=1)) == {"asked": 0}
    assert run(start + 6 * WEEK) == {"asked": 1}
    row = StillHelping.objects.get()
    assert (row.helper_id, row.council_id, row.answer) == (offer.helper_id, offer.council_id, "")
    assert AuditEvent.objects.filter(
        verb="helper.still_helping_asked", target_type="still_helping", target_id=row.pk
    ).exists()
    # Waiting for an answer: not asked again, however long it waits.
    assert run(start + 20 * WEEK) == {"asked": 0}


def test_not_asked_again_within_the_period_after_a_yes(offer):
    start = offer.published_at
    run(start + 6 * WEEK)
    row = StillHelping.objects.get()
    sh.still_helping_answer(user=offer.helper, row_id=row.pk, keep=True, now=start + 7 * WEEK)
    assert run(start + 11 * WEEK) == {"asked": 0}  # asked five weeks ago
    assert run(start + 12 * WEEK) == {"asked": 1}
    assert StillHelping.objects.count() == 2


def test_the_council_chooses_the_weeks(mcouncil):
    mcouncil.settings = {**(mcouncil.settings or {}), "still_helping": {"idle_weeks": 3}}
    mcouncil.save(update_fields=["settings"])
    offer = make.offer_row(council=mcouncil)
    assert run(offer.published_at + 3 * WEEK - dt.timedelta(hours=1)) == {"asked": 0}
    assert run(offer.published_at + 3 * WEEK) == {"asked": 1}


def test_a_recent_proposal_match_or_alert_means_not_idle(mcouncil):
    proposed, alerted, idle = (make.offer_row(council=mcouncil) for _ in range(3))
    later = max(o.published_at for o in (proposed, alerted, idle)) + 6 * WEEK
    need = make.need_row(council=mcouncil)
    match = matching_services.match_request(
        citizen=need.owner, need_id=need.pk, offer_id=proposed.pk
    )
    matching_services.match_decline(user=proposed.helper, match_id=match.pk)
    Match.objects.filter(pk=match.pk).update(created_at=later - 2 * WEEK)
    alert = AlertSent.objects.create(need=need, offer=alerted, helper=alerted.helper, ring_m=1000)
    AlertSent.objects.filter(pk=alert.pk).update(sent_at=later - 5 * WEEK)
    run(later)
    assert asked() == {idle.helper_id}
    # Once the proposal and the alert are more than six weeks old, they are idle too.
    run(later + 5 * WEEK)
    assert asked() == {idle.helper_id, proposed.helper_id, alerted.helper_id}


def test_a_live_match_however_old_means_not_idle(mcouncil):
    offer = make.offer_row(council=mcouncil, capacity=2)
    need = make.need_row(council=mcouncil)
    match = matching_services.match_request(citizen=need.owner, need_id=need.pk, offer_id=offer.pk)
    matching_services.match_accept(user=offer.helper, match_id=match.pk)
    Match.objects.filter(pk=match.pk).update(created_at=offer.published_at - 10 * WEEK)
    assert run(offer.published_at + 10 * WEEK) == {"asked": 0}


def test_paused_closed_erased_suspended_and_other_councils(mcouncil):
    idle = make.offer_row(council=mcouncil)
    paused = make.offer_row(council=mcouncil, status=Offer.Status.PAUSED)
    closed = make.offer_row(council=mcouncil, status=Offer.Status.CLOSED)
    erased = make.offer_row(council=mcouncil)
    type(erased.helper).objects.filter(pk=erased.helper_id).update(
        email=erased_email(erased.helper_id)
    )
    suspended = make.offer_row(council=mcouncil)
    type(suspended.helper).objects.filter(pk=suspended.helper_id).update(
        suspended_at=timezone.now()
    )
    other = make.other_council()
    elsewhere = make.offer_row(council=other, at=make.point_at(origin=make.AWAY))
    run(timezone.now() + 6 * WEEK + dt.timedelta(hours=1))
    assert asked() == {idle.helper_id, elsewhere.helper_id}
    assert StillHelping.objects.get(helper=elsewhere.helper).council == other
    for offer in (paused, closed, erased, suspended):
        assert offer.helper_id not in asked()


def test_a_helper_with_offers_in_two_councils_is_asked_once(mcouncil):
    first = make.offer_row(council=mcouncil)
    other = make.other_council()
    make.offer_row(council=other, helper=first.helper, at=make.point_at(origin=make.AWAY))
    assert run(timezone.now() + 6 * WEEK + dt.timedelta(hours=1)) == {"asked": 1}


def test_no_pauses_every_open_offer_with_its_audit_rows(mcouncil, offer):
    second = make.offer_row(council=mcouncil, helper=offer.helper)
    run(offer.published_at + 6 * WEEK + dt.timedelta(hours=1))
    row = StillHelping.objects.get()
    answered = sh.still_helping_answer(user=offer.helper, row_id=row.pk, keep=False)
    assert (answered.answer, answered.paused_offers) == ("no", 2)
    assert set(Offer.objects.filter(helper=offer.helper).values_list("status", flat=True)) == {
        "paused"
    }
    paused_rows = AuditEvent.objects.filter(verb="offer.paused", actor_id=offer.helper_id)
    assert set(paused_rows.values_list("target_id", flat=True)) == {offer.pk, second.pk}
    answer_row = AuditEvent.objects.get(verb="helper.still_helping_answered")
    assert answer_row.data == {"keep": False, "paused": sorted([offer.pk, second.pk])}
    # Paused offers are theirs to start again, as ever.
    offer_resume(actor=offer.helper, offer=offer)
    offer.refresh_from_db()
    assert offer.status == "open"


def test_yes_keeps_everything(offer):
    run(offer.published_at + 6 * WEEK + dt.timedelta(hours=1))
    row = StillHelping.objects.get()
    sh.still_helping_answer(user=offer.helper, row_id=row.pk, keep=True)
    offer.refresh_from_db()
    row.refresh_from_db()
    assert (offer.status, row.answer, row.paused_offers) == ("open", "yes", 0)
    assert not AuditEvent.objects.filter(verb="offer.paused").exists()


def test_nobody_answers_for_someone_else_and_nobody_answers_twice(mcouncil, offer):
    run(offer.published_at + 6 * WEEK + dt.timedelta(hours=1))
    row = StillHelping.objects.get()
    stranger = make.person(council=mcouncil)
    with pytest.raises(NotFound):
        sh.still_helping_answer(user=stranger, row_id=row.pk, keep=False)
    offer.refresh_from_db()
    assert offer.status == "open"
    sh.still_helping_answer(user=offer.helper, row_id=row.pk, keep=True)
    with pytest.raises(ApplicationError) as refused:
        sh.still_helping_answer(user=offer.helper, row_id=row.pk, keep=False)
    assert refused.value.code == "answered"
    offer.refresh_from_db()
    assert offer.status == "open"


def test_no_answer_pauses_nothing(offer):
    run(offer.published_at + 6 * WEEK + dt.timedelta(hours=1))
    run(offer.published_at + 12 * WEEK)
    offer.refresh_from_db()
    assert offer.status == "open"
    assert StillHelping.objects.get().answered_at is None


# --- The pages ---------------------------------------------------------------------------------
def test_the_page_answers_and_refuses_others(client, mcouncil, offer):
    run(offer.published_at + 6 * WEEK + dt.timedelta(hours=1))
    row = StillHelping.objects.get()
    url = reverse("still_helping", args=[row.pk])
    stranger = make.person(council=mcouncil)
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.post(url, {"keep": "no"}).status_code == 404
    client.force_login(offer.helper)
    page = client.get(url)
    assert page.status_code == 200
    assert "Yes, keep my offers open" in page.text
    assert "No, pause my offers for now" in page.text
    missing = client.post(url, {})
    assert missing.status_code == 200
    assert "Choose yes to keep your offers open" in missing.text
    done = client.post(url, {"keep": "no"}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("helping")
    assert "Start again" in done.text
    offer.refresh_from_db()
    assert offer.status == "paused"
    again = client.post(url, {"keep": "yes"})
    assert again.status_code == 200
    assert "You have already answered" in again.text
    offer.refresh_from_db()
    assert offer.status == "paused"


# --- The message ---------------------------------------------------------------------------------
def test_the_helper_is_told_by_email_and_text_through_notify(
    notify,  # noqa: F811
    mcouncil,
    django_capture_on_commit_callbacks,
):
    offer = make.offer_row(council=mcouncil, cat=make.category("befriending"))
    ContactPreference.objects.create(
        person=offer.helper,
        by_sms=True,
        mobile="+447700900123",
        mobile_verified_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):  # sent once the job commits
        run(offer.published_at + 6 * WEEK + dt.timedelta(hours=1))
    row = StillHelping.objects.get()
    rows = list(Notification.objects.filter(person=offer.helper, template="still_helping"))
    assert {r.channel for r in rows} >= {Channel.EMAIL, Channel.SMS}
    assert all(r.link.endswith(reverse("still_helping", args=[row.pk])) for r in rows)
    email = next(r for r in rows if r.channel == Channel.EMAIL)
    assert email.subject == "Do you still want to help?"
    assert "befriending" in email.body
    texts = [s for s in notify.of_kind("sms") if s.to.endswith("7700900123")]
    assert texts, notify.sent
    assert "do you still want to help?" in str(texts[0].personalisation)
    assert f"/helping/still-helping/{row.pk}/" in str(texts[0].personalisation)
    # A second run does not tell them twice.
    run(offer.published_at + 7 * WEEK)
    assert Notification.objects.filter(template="still_helping").count() == len(rows)


def test_the_message_is_in_welsh_for_a_welsh_reader(notify, mcouncil):  # noqa: F811
    offer = make.offer_row(council=mcouncil, cat=make.category("befriending"))
    ContactPreference.objects.create(person=offer.helper, language="cy")
    run(offer.published_at + 6 * WEEK + dt.timedelta(hours=1))
    email = Notification.objects.get(
        person=offer.helper, template="still_helping", channel=Channel.EMAIL
    )
    assert email.subject == "Ydych chi’n dal eisiau helpu?"
    assert "befriending" not in email.body


def test_idle_asks_let_pass_do_not_count_as_being_busy(mcouncil):
    idle_asked = make.offer_row(council=mcouncil)
    later = idle_asked.published_at + 6 * WEEK
    need = make.need_row(council=mcouncil)
    ask = AlertSent.objects.create(
        need=need,
        offer=idle_asked,
        helper=idle_asked.helper,
        ring_m=8000,
        kind=AlertSent.Kind.IDLE,
    )
    AlertSent.objects.filter(pk=ask.pk).update(sent_at=later - WEEK)
    run(later)
    assert asked() == {idle_asked.helper_id}
