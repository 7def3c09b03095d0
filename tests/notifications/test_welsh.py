"""Messages in the person's language (docs/welsh.md): every template has its Welsh; a Welsh
speaker's notices of real events are written, stored and sent through Notify in Welsh, the
words that fill them too, whatever the language of the page whose action caused the event; an
English speaker still reads English; Welsh-first councils write to new people in Welsh; and
a Welsh "Ie" by text accepts a proposal once, with Kith's reply in Welsh."""

from __future__ import annotations

import re
import string
import uuid

import pytest
from django.core import mail
from django.utils import timezone, translation

from marketplace import services as market
from matching import services as matching
from matching.models import Match
from notifications.models import Channel, ContactPreference, InboundText, Notification
from notifications.pipeline import language_of, render
from notifications.rules import Notice, category_words
from notifications.services import contact_preference_update
from notifications.texts import TEMPLATES
from tests.kit import factories as make

MOBILE = "+447700900123"

#: A value for every placeholder any template has.
CONTEXT = {
    "kind": "request for help",
    "title": "Walk my dog",
    "reason": "Say which days suit you.",
    "category": "dog walking",
    "check": "ID check",
    "checks": "an induction",
    "date": "7 December 2026",
    "what": "a check this help needs has expired",
    "band": "near you",
    "when": "Monday 7 December at 12:00",
    "change": "move the visit",
    "why_opened": "their helper is worried about them",
    "why_here": "the person has not said whether they still need it",
    "reference": 12,
    "subject": "Gritters out tonight",
    "message": "Please check on your neighbours.",
    "offers": "befriending and check-in chats",
}

#: Words another room owns, translated in its own catalogue: none left untranslated.
NOT_OURS: dict[str, tuple[str, ...]] = {}


def placeholders(words: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(words) if name}


def in_language(language: str, template: str) -> dict[str, str]:
    with translation.override(language):
        words = TEMPLATES[template]
        return {
            part: str(getattr(words, part)).format(**CONTEXT)  # a missing value: KeyError
            for part in ("subject", "body", "sms", "why")
        }


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_has_its_welsh(template):
    english, welsh = in_language("en", template), in_language("cy", template)
    for part, words in welsh.items():
        assert "{" not in words and "}" not in words, (part, words)
        if template == "broadcast" and part != "why":
            assert words == english[part]  # the council's own words, as they wrote them
        elif part in NOT_OURS.get(template, ()):
            continue
        else:
            assert words != english[part], f"{template}.{part} is not in Welsh: {words}"
    # The Welsh uses the same values as the English, no more and no fewer.
    with translation.override("cy"):
        for part in ("subject", "body", "sms", "why"):
            source = getattr(TEMPLATES[template], part)
            with translation.override("en"):
                wanted = placeholders(str(source))
            assert placeholders(str(source)) == wanted, (template, part)


@pytest.mark.django_db
@pytest.mark.parametrize("channel", [Channel.KITH, Channel.EMAIL, Channel.SMS, Channel.LETTER])
def test_what_render_adds_is_in_welsh_too(citizen, channel):
    notice = Notice(person=citizen, template="helper_offered", dedupe="x", link="/matches/1/")
    subject, body = render(notice, channel=channel, language="cy")
    assert subject == "Mae helpwr wedi cynnig helpu"
    assert "wedi cynnig helpu gyda’ch cais am help" in body
    if channel == Channel.SMS:
        assert "Rydych yn cael hwn oherwydd eich bod wedi gofyn am help ar Kith." in body
        assert "atebwch STOP" in body
    elif channel != Channel.KITH:
        assert "Rydych yn cael hwn oherwydd eich bod wedi gofyn am help ar Kith." in body
        assert "I newid sut mae Kith yn cysylltu â chi, ewch i " in body
    assert "You get this" not in body and "You are getting this" not in body


@pytest.mark.django_db
def test_the_words_that_fill_a_template_are_in_the_readers_language():
    dogs = category_words(make.category("dog-walking"))
    with translation.override("cy"):
        assert str(dogs) == "mynd â chŵn am dro"
    with translation.override("en"):
        assert str(dogs) == "dog walking"


def speaks(person, language, **kw):
    return ContactPreference.objects.create(person=person, language=language, **kw)


def texter(person, language):
    return speaks(person, language, by_sms=True, mobile=MOBILE, mobile_verified_at=timezone.now())


@pytest.mark.django_db
def test_staff_browsing_in_english_approve_a_welsh_speakers_listing(
    notify, citizen, moderator, django_capture_on_commit_callbacks
):
    texter(citizen, "cy")
    need = make.need(owner=citizen, title="Mynd â Pero am dro")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        market.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)

    rows = {n.channel: n for n in Notification.objects.filter(person=citizen)}
    assert set(rows) == {Channel.KITH, Channel.EMAIL, Channel.SMS}
    for row in rows.values():
        assert row.subject == "Mae eich cais am help nawr ar Kith"
    # "What's new" shows it as it was written for her.
    assert rows[Channel.KITH].body == (
        "Mae’r cyngor wedi gwirio eich cais am help “Mynd â Pero am dro” ac mae nawr ar Kith. "
        "Byddwn yn rhoi gwybod i chi pan fydd pariad."
    )
    # And Notify was given the Welsh.
    (email,) = notify.of_kind("email")
    (sms,) = notify.of_kind("sms")
    assert email.personalisation["subject"] == "Mae eich cais am help nawr ar Kith"
    assert (
        "Rydych yn cael hwn oherwydd eich bod wedi rhoi’r cais am help hwn ar Kith"
        in (email.personalisation["body"])
    )
    assert sms.personalisation["body"].startswith("Kith: mae eich cais am help “Mynd â Pero")
    assert "because" not in email.personalisation["body"] + sms.personalisation["body"]


@pytest.mark.django_db
def test_a_council_proposal_tells_each_person_in_their_own_language(
    notify, citizen, helper, moderator, django_capture_on_commit_callbacks
):
    speaks(citizen, "cy")
    speaks(helper, "en")
    need = make.open_need(owner=citizen, moderator=moderator)
    offer = make.open_offer(helper=helper, moderator=moderator)
    # The member of staff reads Kith in Welsh: the helper still hears in English.
    with translation.override("cy"), django_capture_on_commit_callbacks(execute=True):
        matching.match_propose_by_staff(staff=moderator, need_id=need.pk, offer_id=offer.pk)

    proposed = Notification.objects.filter(template="council_proposed", channel=Channel.KITH)
    welsh, english = proposed.get(person=citizen), proposed.get(person=helper)
    assert welsh.subject == "Mae’r cyngor yn awgrymu pariad"
    assert welsh.body.startswith("Mae’r cyngor yn awgrymu pariad ar gyfer mynd â chŵn am dro.")
    assert welsh.context["category"] == "mynd â chŵn am dro"
    assert english.subject == "The council suggests a match"
    assert english.body.startswith("The council suggests a match for dog walking.")
    by_email = {
        sent.to: sent.personalisation["body"]
        for sent in notify.of_kind("email")
        if sent.personalisation["subject"] in (welsh.subject, english.subject)
    }
    assert "Rydych yn cael hwn oherwydd" in by_email[citizen.email]
    assert "You are getting this because" in by_email[helper.email]


@pytest.mark.django_db
def test_an_english_speaker_still_reads_english(
    citizen, moderator, django_capture_on_commit_callbacks
):
    need = make.need(owner=citizen, title="Help with my cat")
    with translation.override("cy"), django_capture_on_commit_callbacks(execute=True):
        market.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    row = Notification.objects.get(person=citizen, channel=Channel.KITH)
    assert row.subject == "Your request for help is now on Kith"
    assert mail.outbox[-1].subject.endswith("Your request for help is now on Kith")


@pytest.mark.django_db
def test_a_welsh_first_council_writes_to_new_people_in_welsh(home_council, citizen, moderator):
    home_council.settings = {**(home_council.settings or {}), "welsh_first": True}
    home_council.save()
    assert language_of(citizen) == "cy"
    need = make.need(owner=citizen, title="Help with my cat")
    market.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    row = Notification.objects.get(person=citizen, channel=Channel.KITH)
    assert row.subject == "Mae eich cais am help nawr ar Kith"
    # Preferences saved without naming a language (staff recording an offline person) keep
    # the council's Welsh; a person who chooses English gets English.
    pref = contact_preference_update(
        actor=citizen, person=citizen, by_email=True, by_sms=False, by_letter=False
    )
    assert pref.language == "cy"
    pref = contact_preference_update(
        actor=citizen, person=citizen, by_email=True, by_sms=False, by_letter=False, language="en"
    )
    assert pref.language == "en" and language_of(citizen) == "en"


@pytest.mark.django_db
@pytest.mark.parametrize("flag", [True, "true", 1, False, None, "absent"])
def test_the_language_query_reads_welsh_first_as_the_council_rule_does(home_council, citizen, flag):
    """`language_of` reads the council's flag in SQL; only a JSON true makes a council
    Welsh-first, as `accounts.selectors.is_welsh_first` says."""
    from accounts.selectors import council_is_welsh_first

    settings = {k: v for k, v in (home_council.settings or {}).items() if k != "welsh_first"}
    if flag != "absent":
        settings["welsh_first"] = flag
    home_council.settings = settings
    home_council.save()
    ContactPreference.objects.filter(person=citizen).delete()
    welsh = council_is_welsh_first(home_council.pk)
    assert welsh is (flag is True)
    assert language_of(citizen) == ("cy" if welsh else "en")


def text_in(client, body):
    return client.post(
        "/notify/received-texts/",
        {
            "id": str(uuid.uuid4()),
            "source_number": "07700900123",
            "destination_number": "07700900000",
            "message": body,
            "date_received": "2026-12-03T10:00:00.000000Z",
            "notify_number": "07700900000",
        },
        content_type="application/json",
        headers={"Authorization": "Bearer inbound-token-for-tests"},
    )


def replies_to(person):
    return list(
        Notification.objects.filter(person=person, template="reply")
        .order_by("id")
        .values_list("body", flat=True)
    )


@pytest.fixture
def offered_in_welsh(citizen, helper, moderator, django_capture_on_commit_callbacks):
    """A helper has offered to help a Welsh speaker, who was told by text, in Welsh."""
    texter(citizen, "cy")
    need = make.open_need(owner=citizen, moderator=moderator)
    offer = make.open_offer(helper=helper, moderator=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        match = matching.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    sms = Notification.objects.get(person=citizen, channel=Channel.SMS, template="helper_offered")
    assert "Atebwch IE i dderbyn neu NA i wrthod." in sms.body
    return match


@pytest.mark.django_db
def test_ie_by_text_accepts_once_and_kith_answers_in_welsh(
    notify, offered_in_welsh, citizen, client
):
    assert text_in(client, "Ie!").status_code == 204
    offered_in_welsh.refresh_from_db()
    assert offered_in_welsh.status == Match.Status.ACCEPTED
    assert InboundText.objects.get().outcome == "accepted"
    text_in(client, "IE")
    assert InboundText.objects.order_by("-id").first().outcome == "nothing_open"
    assert Match.objects.filter(pk=offered_in_welsh.pk, status=Match.Status.ACCEPTED).count() == 1
    first, second = replies_to(citizen)
    assert first == "Kith: diolch, rydych wedi dweud ie i’r pariad ar gyfer mynd â chŵn am dro."
    assert second.startswith("Kith: does dim byd yn aros am IE neu NA gennych chi.")


@pytest.mark.django_db
@pytest.mark.parametrize("answer", ["Na", "nac oes", "Naddo."])
def test_welsh_no_declines(notify, offered_in_welsh, citizen, client, answer):
    text_in(client, answer)
    offered_in_welsh.refresh_from_db()
    assert offered_in_welsh.status == Match.Status.DECLINED
    assert replies_to(citizen) == [
        "Kith: diolch, rydych wedi dweud na i’r pariad ar gyfer mynd â chŵn am dro."
    ]


@pytest.mark.django_db
def test_stopio_stops_texts_and_anything_else_gets_help_in_welsh(
    notify, offered_in_welsh, citizen, client
):
    text_in(client, "Pwy ydych chi?")
    (reply,) = replies_to(citizen)
    assert reply.startswith("Kith: mae’n ddrwg gennym, nid oeddem yn deall.")
    text_in(client, "STOPIO")
    pref = ContactPreference.objects.get(person=citizen)
    assert pref.sms_stopped_at is not None and not pref.by_sms
    assert len(replies_to(citizen)) == 1  # nothing is texted after STOP


def test_no_english_left_in_a_welsh_template():
    """A rough guard: the Welsh of a template never keeps an English sentence of its own."""
    english_words = re.compile(r"\b(the|your|you|please|with|has|have|will)\b", re.IGNORECASE)
    for name in TEMPLATES:
        welsh = in_language("cy", name)
        for part, words in welsh.items():
            if part in NOT_OURS.get(name, ()) or name == "broadcast":
                continue
            for value in CONTEXT.values():
                words = words.replace(str(value), "")
            assert not english_words.search(words), (name, part, words)
