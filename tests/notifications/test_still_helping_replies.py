""" "Do you still want to help?" answered by text, through Notify's received-text callback (the
path every other reply takes): the text says how to reply; YES keeps the helper's offers open
and NO pauses them, in English or Welsh words, through `matching.still_helping`'s own answer;
each gets a confirming text back in the helper's language. A question already answered (by
text or on the web), a reply from someone else's phone and a number Kith does not know change
nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from core.models import AuditEvent
from marketplace.models import Offer
from matching import services as matching
from matching.models import StillHelping
from matching.still_helping import still_helping_answer
from matching.tasks import still_helping
from notifications.models import Channel, ContactPreference, InboundText, Notification
from tests.kit import factories as make
from tests.notifications.test_replies import replies_to, text_in, texter

pytestmark = pytest.mark.django_db


def _ask(offer: Offer, capture) -> StillHelping:
    """The daily job asks the helper; its messages are sent once it commits."""
    with capture(execute=True):
        moment = offer.published_at + dt.timedelta(weeks=6, hours=1)
        assert still_helping.delay(now=moment.isoformat()).get() == {"asked": 1}
    return StillHelping.objects.get(helper=offer.helper)


@pytest.fixture
def asked_by_text(notify, mcouncil, django_capture_on_commit_callbacks):
    """A helper with no email address, two open offers and a verified mobile, asked."""
    helper = make.person(council=mcouncil)
    EmailAddress.objects.filter(user=helper).delete()
    User.objects.filter(pk=helper.pk).update(email=None)  # not online: texts only
    helper.refresh_from_db()
    texter(helper)
    first = make.offer_row(council=mcouncil, helper=helper)
    second = make.offer_row(council=mcouncil, helper=helper, cat=make.category("shopping"))
    row = _ask(first, django_capture_on_commit_callbacks)
    return helper, row, [first, second]


def _statuses(offers) -> list[str]:
    return [Offer.objects.get(pk=offer.pk).status for offer in offers]


def test_the_text_says_how_to_reply(notify, asked_by_text):
    helper, row, _offers = asked_by_text
    rows = Notification.objects.filter(person=helper, template="still_helping")
    assert {r.channel for r in rows} == {Channel.KITH, Channel.SMS}  # no email address
    sms = rows.get(channel=Channel.SMS)
    assert (sms.target_type, sms.target_id) == ("still_helping", row.pk)
    (sent,) = [s for s in notify.of_kind("sms") if s.to.endswith("7700900123")]
    body = sent.personalisation["body"]
    assert "Reply YES to keep your offers open or NO to pause them for now" in body
    assert f"/helping/still-helping/{row.pk}/" in body


def test_yes_keeps_the_offers_open_and_is_thanked(notify, asked_by_text, client):
    helper, row, offers = asked_by_text
    assert text_in(client, "Yes!").status_code == 204
    row.refresh_from_db()
    assert (row.answer, row.paused_offers) == ("yes", 0)
    assert _statuses(offers) == ["open", "open"]
    assert InboundText.objects.get().outcome == "helping_yes"
    assert replies_to(helper) == ["Kith: thank you for still helping. Your offers stay open."]
    answered = AuditEvent.objects.get(verb="helper.still_helping_answered")
    assert (answered.actor_id, answered.target_id, answered.data["keep"]) == (
        helper.pk,
        row.pk,
        True,
    )
    # The question is answered: a NO afterwards finds nothing waiting and pauses nothing.
    text_in(client, "no")
    assert InboundText.objects.order_by("-id").first().outcome == "nothing_open"
    row.refresh_from_db()
    assert row.answer == "yes"
    assert _statuses(offers) == ["open", "open"]
    assert not AuditEvent.objects.filter(verb="offer.paused").exists()


def test_no_pauses_every_open_offer_through_the_service(notify, asked_by_text, client):
    helper, row, offers = asked_by_text
    text_in(client, "No thanks")
    row.refresh_from_db()
    assert (row.answer, row.paused_offers) == ("no", 2)
    assert _statuses(offers) == ["paused", "paused"]
    assert InboundText.objects.get().outcome == "helping_no"
    paused = AuditEvent.objects.filter(verb="offer.paused", actor_id=helper.pk)
    assert set(paused.values_list("target_id", flat=True)) == {o.pk for o in offers}
    assert "Your offers are paused for now" in replies_to(helper)[0]
    # A second NO (or YES) changes nothing.
    text_in(client, "YES")
    assert InboundText.objects.order_by("-id").first().outcome == "nothing_open"
    row.refresh_from_db()
    assert row.answer == "no"
    assert _statuses(offers) == ["paused", "paused"]


def test_welsh_words_answer_and_the_reply_is_in_welsh(notify, asked_by_text, client):
    helper, row, offers = asked_by_text
    ContactPreference.objects.filter(person=helper).update(language="cy")
    text_in(client, "Nac ydw")
    row.refresh_from_db()
    assert row.answer == "no"
    assert _statuses(offers) == ["paused", "paused"]
    (reply,) = replies_to(helper)
    assert reply == (
        "Kith: diolch am roi gwybod i ni. Mae eich cynigion wedi’u hoedi am y tro. Gallwch eu "
        "dechrau eto ar Kith, neu ofyn i’r cyngor, pryd bynnag y mynnwch."
    )


def test_a_welsh_reader_is_asked_in_welsh_and_ydw_keeps_the_offers(
    notify, mcouncil, client, django_capture_on_commit_callbacks
):
    helper = make.person(council=mcouncil)
    texter(helper)
    ContactPreference.objects.filter(person=helper).update(language="cy")
    offer = make.offer_row(council=mcouncil, helper=helper)
    row = _ask(offer, django_capture_on_commit_callbacks)
    sms = Notification.objects.get(person=helper, template="still_helping", channel=Channel.SMS)
    assert sms.body.startswith(
        "Kith: ydych chi’n dal eisiau helpu? Atebwch YDW i gadw eich cynigion ar agor neu "
        "NAC YDW i’w hoedi am y tro."
    )
    text_in(client, "Ydw")
    row.refresh_from_db()
    assert row.answer == "yes"
    assert _statuses([offer]) == ["open"]
    assert replies_to(helper) == [
        "Kith: diolch am ddal i helpu. Mae eich cynigion yn aros ar agor."
    ]


def test_answered_on_the_web_first_then_by_text_changes_nothing(notify, asked_by_text, client):
    helper, row, offers = asked_by_text
    still_helping_answer(user=helper, row_id=row.pk, keep=True)
    text_in(client, "NO")
    assert InboundText.objects.get().outcome == "nothing_open"
    assert "nothing waiting for a YES or NO" in replies_to(helper)[0]
    row.refresh_from_db()
    assert row.answer == "yes"
    assert _statuses(offers) == ["open", "open"]


def test_someone_elses_phone_and_unknown_numbers_change_nothing(
    notify, asked_by_text, mcouncil, client
):
    helper, row, offers = asked_by_text
    # Another helper, with their own verified mobile and an open offer, texts NO.
    other = make.person(council=mcouncil)
    texter(other, mobile="+447700900456")
    other_offer = make.offer_row(council=mcouncil, helper=other)
    assert text_in(client, "NO", number="07700900456").status_code == 204
    inbound = InboundText.objects.get()
    assert (inbound.person_id, inbound.outcome) == (other.pk, "nothing_open")
    # A number that is no Kith account's verified mobile is ignored and nothing is kept.
    assert text_in(client, "NO", number="07700900789").status_code == 204
    assert InboundText.objects.count() == 1
    row.refresh_from_db()
    assert (row.answered_at, row.answer) == (None, "")
    assert _statuses([*offers, other_offer]) == ["open", "open", "open"]
    assert replies_to(helper) == []


def test_a_newer_question_by_text_is_answered_before_an_older_one(
    notify, asked_by_text, client, mcouncil, django_capture_on_commit_callbacks
):
    """The helper's still-helping question, then a proposal texted after it: YES answers the
    newest (the proposal), as with every other question; the next YES answers still-helping."""
    helper, row, offers = asked_by_text
    need = make.need_row(council=mcouncil)
    with django_capture_on_commit_callbacks(execute=True):
        match = matching.match_request(citizen=need.owner, need_id=need.pk, offer_id=offers[0].pk)
    assert Notification.objects.filter(
        person=helper, channel=Channel.SMS, target_type="match", target_id=match.pk
    ).exists()
    text_in(client, "yes")
    assert InboundText.objects.get().outcome == "accepted"
    row.refresh_from_db()
    assert row.answered_at is None
    text_in(client, "yes")
    assert InboundText.objects.order_by("-id").first().outcome == "helping_yes"
    row.refresh_from_db()
    assert row.answer == "yes"
