"""Writes for what two matched people say: messages (and reports of them), feedback after a
completed match, and a helper's alert preferences. Every write is audited or locked as the
match lifecycle's are (`matching.services.lifecycle`).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.permissions import Capability, staff_can
from accounts.services import person_lock_for_writing
from core.audit import audit_record, typed_text_facts
from core.errors import ApplicationError, NotFound
from core.quiet_hours import quiet_hours_check
from trust.flood import message_flood_check, report_flood_check
from trust.models import Block, Report

from ..models import AlertPreference, Feedback, Match, Message, StaffConversationRead
from ..selectors import match_get, match_role

S = Match.Status


# --- Messages -------------------------------------------------------------------------------
MESSAGE_OPEN_STATUSES = (S.ACCEPTED, S.ACTIVE, S.COMPLETED)


@transaction.atomic
def message_send(
    *, user: User, match_id: int, body: str, sent_for_by: User | None = None
) -> Message:
    """`user` (one of the match's two people) sends `body`. `sent_for_by`: the member of
    council staff writing it for them (`matching.assisted`, which checks they may)."""
    match = match_get(user=user, match_id=match_id)
    role = match_role(user=user, match=match)
    if role not in ("citizen", "helper"):
        # Staff read conversations (audited) but do not take part in them.
        raise NotFound()
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("Write a message before sending it."), code="message_empty")
    if len(body) > 2000:
        raise ApplicationError(_("Keep a message under 2,000 characters."), code="message_long")
    if match.status not in MESSAGE_OPEN_STATUSES:
        raise ApplicationError(
            _("You can send messages once both of you have accepted the match.")
            if match.status == S.PROPOSED
            else _("This match has ended, so messages can no longer be sent."),
            code="messages_closed",
        )
    other = match.offer.helper if role == "citizen" else match.need.owner
    if (
        Block.objects.filter(blocker=other, blocked=user).exists()
        or Block.objects.filter(blocker=user, blocked=other).exists()
    ):
        raise ApplicationError(_("You cannot message this person."), code="blocked")
    person_lock_for_writing(person_id=user.pk)  # erasure cannot run until this commits
    message_flood_check(person_id=user.pk, sent=Message.objects.filter(sender=user))
    message = Message.objects.create(match=match, sender=user, body=body, sent_for_by=sent_for_by)
    audit_record(
        actor=user,
        verb="message.sent",
        target=message,
        council=match.council,
        data={"match": match.pk, "sent_by_council": sent_for_by is not None},
    )
    return message


#: The fewest characters of a reason for reading a conversation that say anything.
READ_REASON_MIN = 10
READ_NOT_ALLOWED = gettext_lazy(
    "Only the council's safeguarding lead can read a conversation between two people."
)


@transaction.atomic
def message_list(*, user: User, match_id: int, reason: str = "") -> list[Message]:
    """The conversation, for its two people, or for council staff who may read
    conversations (`Capability.CONVERSATIONS`) and say why: each staff read is recorded with
    its reason (`StaffConversationRead`) and audited, in the same transaction as the read.
    Other staff of the council are refused: moderation does not need people's messages."""
    match = match_get(user=user, match_id=match_id)
    role = match_role(user=user, match=match)
    if role is None:
        raise NotFound()
    read = None
    if role == "staff":
        if not staff_can(user, Capability.CONVERSATIONS):
            raise ApplicationError(str(READ_NOT_ALLOWED), code="conversations_not_allowed")
        reason = (reason or "").strip()
        if len(reason) < READ_REASON_MIN:
            raise ApplicationError(
                _("Say why you need to read this conversation (at least %(count)s characters).")
                % {"count": READ_REASON_MIN},
                code="reason_required",
            )
        read = StaffConversationRead.objects.create(match=match, staff=user, reason=reason[:300])
    messages = list(match.messages.select_related("sender").order_by("created_at", "id"))
    if read is not None:
        audit_record(
            actor=user,
            verb="messages.read_by_staff",
            target=match,
            council=match.council,
            data={"messages": len(messages), "read": read.pk, **typed_text_facts(reason)},
        )
    return messages


@transaction.atomic
def message_report(*, user: User, message_id: int, reason: str) -> Report:
    message = Message.objects.select_related("match").filter(pk=message_id).first()
    if message is None:
        raise NotFound()
    match = match_get(user=user, match_id=message.match_id)
    if match_role(user=user, match=match) not in ("citizen", "helper"):
        raise NotFound()
    if message.sender_id == user.pk:
        raise ApplicationError(_("You cannot report your own message."), code="own_message")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Tell us what is wrong with this message."), code="reason_missing")
    if Report.objects.filter(
        reporter=user,
        target_type=Report.TargetType.MESSAGE,
        target_id=message.pk,
        status=Report.Status.OPEN,
    ).exists():
        raise ApplicationError(
            _("You have already reported this message. The council's team will look at it."),
            code="already_reported",
        )
    report_flood_check(person_id=user.pk)
    report = Report.objects.create(
        reporter=user,
        council=match.council,
        target_type=Report.TargetType.MESSAGE,
        target_id=message.pk,
        reason=reason[:1000],
    )
    audit_record(
        actor=user,
        verb="message.reported",
        target=report,
        council=match.council,
        data={"message": message.pk, "match": match.pk},
    )
    return report


# --- Feedback -------------------------------------------------------------------------------
@transaction.atomic
def feedback_leave(*, user: User, match_id: int, rating: int, comment: str = "") -> Feedback:
    match = match_get(user=user, match_id=match_id)
    role = match_role(user=user, match=match)
    if role not in ("citizen", "helper"):
        raise NotFound()
    if match.status != S.COMPLETED:
        raise ApplicationError(
            _("You can leave feedback once the help is completed."), code="not_completed"
        )
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ApplicationError(_("Choose a rating from 1 to 5."), code="rating_range")
    subject = match.offer.helper if role == "citizen" else match.need.owner
    if Feedback.objects.filter(match=match, author=user).exists():
        raise ApplicationError(
            _("You have already left feedback for this match."), code="duplicate"
        )
    feedback = Feedback.objects.create(
        match=match, author=user, subject=subject, rating=rating, comment=comment.strip()[:1000]
    )
    audit_record(
        actor=user,
        verb="feedback.left",
        target=match,
        council=match.council,
        data={"rating": rating},
    )
    return feedback


# --- Alert preferences ----------------------------------------------------------------------
@transaction.atomic
def alert_preference_update(
    *,
    user: User,
    opted_in: bool,
    quiet_start: dt.time | None = None,
    quiet_end: dt.time | None = None,
    daily_cap: int = 3,
    idle_asks: bool = True,
) -> AlertPreference:
    quiet_hours_check(quiet_start, quiet_end)
    if not 1 <= int(daily_cap) <= 20:
        raise ApplicationError(_("Choose between 1 and 20 alerts a day."), code="daily_cap")
    pref, _created = AlertPreference.objects.select_for_update().get_or_create(user=user)
    pref.opted_in = opted_in
    pref.quiet_start, pref.quiet_end, pref.daily_cap = quiet_start, quiet_end, int(daily_cap)
    pref.idle_asks = bool(idle_asks)
    pref.save()
    return pref


@transaction.atomic
def alert_unsubscribe(*, token: str) -> bool:
    """Turn alerts off from the link in an alert email. Unknown tokens change nothing."""
    updated = AlertPreference.objects.filter(unsubscribe_token=token or "-").update(
        opted_in=False, updated_at=timezone.now()
    )
    return bool(updated)
