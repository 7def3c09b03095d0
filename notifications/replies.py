"""Replies by text message (Notify's received-text callback).

"YES" or "NO" (and the ways people write them, in English or Welsh: "IE", "OES", "DO",
"NA", "NAC OES", "NADDO" …) answers the latest question texted to that
number that still waits for this person — a proposal, an urgent alert, "did the visit
happen?", "do you still need help?", "do you still want to help?" (YES keeps a helper's
offers open, NO pauses them) — through the same services the web uses, so capacity,
locking and eligibility rules hold. "STOP" (or "STOPIO") ends texts; "START" (or "DECHRAU")
brings them back. Anything else gets a helpful reply and waits for staff on the person's page.
Kith's replies are in the person's correspondence language.
Numbers that are not a verified mobile of a Kith account are ignored, and nothing of them is
kept.

Replies from one person are handled one at a time (their contact preference row is locked
first), so twenty "YES" texts arriving together accept once: the first records the person's
agreement, and the others find nothing waiting for them.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.db import transaction
from django.utils import timezone, translation

from accounts.models import User
from arrangements.models import StillNeeded, Visit
from arrangements.services import visit_check_in
from arrangements.still_needed import still_needed_answer
from core.errors import ApplicationError
from marketplace.models import Need
from matching.models import AlertSent, Match, StillHelping
from matching.selectors import match_role
from matching.services import match_accept, match_decline, match_offer_help
from matching.still_helping import still_helping_answer, still_helping_waiting

from . import texts
from .models import Channel, ContactPreference, InboundText, Notification
from .pipeline import language_of, send_after_commit
from .rules import category_words
from .services import normalise_mobile

# Welsh answers a yes-or-no question with the verb it was asked in: "Ie" / "Na", "Oes" / "Nac
# oes" (is there?), "Do" / "Naddo" (did it?), "Ydw" / "Nac ydw" (am I?).
YES = {
    *("yes", "y", "yeah", "yep", "yes please", "ok", "okay", "accept"),
    *("ie", "ia", "oes", "do", "ydw", "ydy", "ydw plis", "ie plis", "ie diolch", "iawn"),
    *("derbyn", "gallaf", "galla"),
}
NO = {
    *("no", "n", "nope", "no thanks", "no thank you", "decline"),
    *("na", "nage", "nac oes", "naddo", "nac ydw", "nac ydy", "na diolch", "dim diolch"),
    *("gwrthod", "ddim", "methu"),
}
STOP = {"stop", "stopall", "unsubscribe", "end", "quit", "stopio", "stopiwch"}
START = {"start", "unstop", "dechrau", "ailddechrau"}

Outcome = InboundText.Outcome


def _word(body: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", (body or "").lower())).strip()


def inbound_text(
    *, provider_id: str, from_number: str, body: str, received_at: dt.datetime | None = None
) -> InboundText | None:
    try:
        number = normalise_mobile(from_number)
    except ApplicationError:
        return None
    with transaction.atomic():
        pref = (
            ContactPreference.objects.select_for_update()
            .select_related("person")
            .filter(mobile=number, mobile_verified_at__isnull=False)
            .first()
        )
        if pref is None or not pref.person.is_active:
            return None
        seen = InboundText.objects.filter(provider_id=provider_id).first()
        if seen is not None:  # Notify repeats a callback it is not sure arrived
            return seen
        # The person's language, for Kith's reply and any refusal it quotes.
        with translation.override(language_of(pref.person)):
            inbound = _answer(pref=pref, body=body)
            inbound.provider_id = provider_id
            inbound.received_at = received_at or timezone.now()
            inbound.save()
            if inbound.outcome not in (Outcome.STOPPED,):
                _reply(pref=pref, inbound=inbound)
        return inbound


def _answer(*, pref: ContactPreference, body: str) -> InboundText:
    person = pref.person
    inbound = InboundText(person=person, council_id=person.council_id, body=(body or "")[:1000])
    word = _word(body)
    if word in STOP:
        pref.sms_stopped_at = timezone.now()
        pref.by_sms = False
        pref.save(update_fields=["sms_stopped_at", "by_sms", "updated_at"])
        inbound.outcome = Outcome.STOPPED
        return inbound
    if word in START:
        pref.sms_stopped_at = None
        pref.by_sms = True
        pref.save(update_fields=["sms_stopped_at", "by_sms", "updated_at"])
        inbound.outcome = Outcome.STARTED
        return inbound
    if word not in YES and word not in NO:
        inbound.outcome = Outcome.UNRECOGNISED
        return inbound
    waiting = _waiting_for(person)
    if waiting is None:
        inbound.outcome = Outcome.NOTHING_OPEN
        return inbound
    try:
        _act(inbound, person=person, waiting=waiting, yes=word in YES)
    except ApplicationError as error:
        inbound.outcome = Outcome.REFUSED
        inbound.detail = str(error.message)[:200]
    return inbound


Waiting = Match | AlertSent | Visit | StillNeeded | StillHelping


def _act(inbound: InboundText, *, person: User, waiting: Waiting, yes: bool) -> None:
    if isinstance(waiting, Visit):
        inbound.match = waiting.arrangement.match
        visit_check_in(
            user=person,
            arrangement_id=waiting.arrangement_id,
            visit_id=waiting.pk,
            happened=yes,
        )
        inbound.outcome = Outcome.VISIT_YES if yes else Outcome.VISIT_NO
        return
    if isinstance(waiting, StillNeeded):
        inbound.detail = category_words(waiting.need.category)
        still_needed_answer(user=person, row_id=waiting.pk, still=yes)
        inbound.outcome = Outcome.STILL_YES if yes else Outcome.STILL_NO
        return
    if isinstance(waiting, StillHelping):
        still_helping_answer(user=person, row_id=waiting.pk, keep=yes)
        inbound.outcome = Outcome.HELPING_YES if yes else Outcome.HELPING_NO
        return
    if isinstance(waiting, Match):
        inbound.match = waiting
        if yes:
            match_accept(user=person, match_id=waiting.pk)
            inbound.outcome = Outcome.ACCEPTED
        else:
            match_decline(user=person, match_id=waiting.pk)
            inbound.outcome = Outcome.DECLINED
        inbound.detail = category_words(waiting.need.category)
        return
    inbound.detail = category_words(waiting.need.category)
    if yes:
        inbound.match = match_offer_help(
            helper=person, need_id=waiting.need_id, offer_id=waiting.offer_id
        )
        inbound.outcome = Outcome.ALERT_YES
    else:
        inbound.outcome = Outcome.ALERT_NO


def _waiting_for(person: User) -> Waiting | None:
    """The newest question texted to the person that still waits for their answer."""
    sent = Notification.objects.filter(
        person=person,
        channel=Channel.SMS,
        target_type__in=("match", "alert", "visit", "still_needed", "still_helping"),
    ).order_by("-created_at", "-id")[:20]
    for notification in sent:
        if notification.target_type == "visit":
            visit = _visit_waiting(person, notification.target_id or 0)
            if visit is not None:
                return visit
        elif notification.target_type == "still_needed":
            row = (
                StillNeeded.objects.select_related("need__category")
                .filter(
                    pk=notification.target_id or 0,
                    need__owner=person,
                    answered_at__isnull=True,
                    resolved_at__isnull=True,
                )
                .first()
            )
            if row is not None:
                return row
        elif notification.target_type == "still_helping":
            # A helper has at most one question waiting; this text's, if still unanswered.
            question = still_helping_waiting(user=person)
            if question is not None and question.pk == notification.target_id:
                return question
        elif notification.target_type == "match":
            match = (
                Match.objects.select_related("need__category", "offer")
                .filter(pk=notification.target_id or 0, status=Match.Status.PROPOSED)
                .first()
            )
            if match is not None and not _agreed(match, person):
                return match
        else:
            alert = (
                AlertSent.objects.select_related("need__category")
                .filter(pk=notification.target_id or 0, need__status=Need.Status.OPEN)
                .first()
            )
            if (
                alert is not None
                and not Match.objects.filter(need_id=alert.need_id, offer__helper=person).exists()
            ):
                return alert
    return None


def _visit_waiting(person: User, visit_id: int) -> Visit | None:
    """The visit, if its check-in still waits for this person's answer."""
    visit = (
        Visit.objects.select_related("arrangement__match__need", "arrangement__match__offer")
        .filter(pk=visit_id, arrangement__status="running")
        .first()
    )
    if visit is None:
        return None
    match = visit.arrangement.match
    if match.offer.helper_id == person.pk:
        return (
            visit
            if visit.checkin == Visit.CheckIn.ASKED_HELPER and not visit.helper_answer
            else None
        )
    if match.need.owner_id == person.pk:
        return (
            visit
            if visit.checkin == Visit.CheckIn.ASKED_CITIZEN and not visit.citizen_answer
            else None
        )
    return None


def _agreed(match: Match, person: User) -> bool:
    role = match_role(user=person, match=match)
    if role == "citizen":
        return match.citizen_agreed_at is not None
    if role == "helper":
        return match.helper_agreed_at is not None
    return True  # not theirs to answer


def _reply(*, pref: ContactPreference, inbound: InboundText) -> None:
    words = {
        Outcome.ACCEPTED: texts.REPLY_ACCEPTED,
        Outcome.DECLINED: texts.REPLY_DECLINED,
        Outcome.ALERT_YES: texts.REPLY_ALERT_YES,
        Outcome.ALERT_NO: texts.REPLY_ALERT_NO,
        Outcome.VISIT_YES: texts.REPLY_VISIT_YES,
        Outcome.VISIT_NO: texts.REPLY_VISIT_NO,
        Outcome.STILL_YES: texts.REPLY_STILL_YES,
        Outcome.STILL_NO: texts.REPLY_STILL_NO,
        Outcome.HELPING_YES: texts.REPLY_HELPING_YES,
        Outcome.HELPING_NO: texts.REPLY_HELPING_NO,
        Outcome.STARTED: texts.REPLY_STARTED,
        Outcome.NOTHING_OPEN: texts.REPLY_NOTHING_OPEN,
        Outcome.REFUSED: texts.REPLY_REFUSED,
        Outcome.UNRECOGNISED: texts.REPLY_UNRECOGNISED,
    }[Outcome(inbound.outcome)]
    body = str(words).format(category=inbound.detail, reason=inbound.detail)
    row = Notification.objects.create(
        person=pref.person,
        council_id=pref.person.council_id,
        event="text.reply",
        template="reply",
        channel=Channel.SMS,
        dedupe_key=f"reply:{uuid.uuid4()}",
        subject=str(texts.REPLY_SUBJECT),
        body=body,
        language=language_of(pref.person),
        to=pref.mobile,
        safety_critical=True,
    )
    send_after_commit([row.reference])
