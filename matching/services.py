"""Writes for matching: the match lifecycle, messages, reports of messages, feedback and alert
preferences. Every transition is audited in the same transaction.

Lifecycle: proposed → accepted → active → completed; proposed → declined; proposed, accepted
or active → cancelled; proposed → expired. A match is accepted once both people agree: the
proposer agrees by proposing (a helper offering help, a citizen asking a helper); staff and
round proposals wait for both.

Capacity (a need's `helpers_wanted`, an offer's `capacity`) is checked after taking row locks
on the need and then the offer (always in that order, so two transactions cannot deadlock),
so concurrent accepts are serialised on the rows they compete for. The partial unique
constraint `match_one_live_per_need_offer` backs the "one live match per pair" rule.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from accounts.services import person_lock_for_writing
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from core.mail import mail_send
from marketplace.availability import overlap_minutes
from marketplace.lifecycle import need_transition
from marketplace.models import GenderPreference, Need, Offer
from trust.flood import message_flood_check, report_flood_check
from trust.models import Block, Report

from .models import AlertPreference, Feedback, Match, Message
from .selectors import helper_holds_level, match_get, match_role, staff_council_id

S = Match.Status


# --- Pair rules -----------------------------------------------------------------------------
def _holding(*, need: Need | None = None, offer: Offer | None = None) -> int:
    qs = Match.objects.filter(status__in=Match.HOLDING)
    if need is not None:
        qs = qs.filter(need=need)
    if offer is not None:
        qs = qs.filter(offer=offer)
    return qs.count()


def pair_problem(*, need: Need, offer: Offer) -> str | None:
    """Why this need and offer cannot be matched, in words for the person, or None.

    The same hard constraints as the candidate search, checked for one pair (the search
    applies them in SQL for many)."""
    owner, helper = need.owner, offer.helper
    if owner.pk == helper.pk:
        return "You cannot be matched with your own offer."
    if need.council_id != offer.council_id:
        return "This helper works in a different council area."
    if need.category_id != offer.category_id:
        return "This offer is for a different kind of help."
    if need.status != Need.Status.OPEN:
        if need.status == Need.Status.MATCHED:
            return "This need already has the helpers it asked for."
        return "This need is not open."
    if offer.status != Offer.Status.OPEN:
        return "This offer is not open at the moment."
    if owner.is_suspended or helper.is_suspended or not owner.is_active or not helper.is_active:
        return "This match is not possible at the moment."
    if (
        Block.objects.filter(blocker=owner, blocked=helper).exists()
        or Block.objects.filter(blocker=helper, blocked=owner).exists()
    ):
        return "This match is not possible."
    category = need.category
    if not helper_holds_level(helper=helper, level=category.required_level):
        return f"This helper does not yet hold the checks that {category.name.lower()} needs."
    # Cell to cell, like the candidate search: never a function of an exact home.
    if not Offer.objects.filter(
        pk=offer.pk, approx_location__dwithin=(need.approx_location, F("radius_m"))
    ).exists():
        return "This need is further away than the helper travels."
    if need.helper_gender_preference and helper.gender != need.helper_gender_preference:
        label = GenderPreference(need.helper_gender_preference).label.lower()
        return f"This person asked for a helper who is {label}."
    if category.is_meal:
        missing = set(need.dietary_requirements) - set(offer.dietary_capabilities)
        if missing:
            return "This helper does not cook for: " + ", ".join(
                sorted(m.replace("_", "-") for m in missing)
            )
    need_slots, offer_slots = list(need.slots.all()), list(offer.slots.all())
    if need_slots and offer_slots and overlap_minutes(need_slots, offer_slots) == 0:
        return "Your weekly times do not overlap."
    if _holding(need=need) >= need.helpers_wanted:
        return "This need already has the helpers it asked for."
    if _holding(offer=offer) >= offer.capacity:
        return "This helper has no room for anyone else right now."
    return None


def _lock_pair(*, need_id: int, offer_id: int) -> tuple[Need, Offer]:
    """Row locks, need first then offer: the one order every writer uses."""
    need = (
        Need.objects.select_for_update(of=("self",))
        .select_related("owner", "category", "council")
        .filter(pk=need_id)
        .first()
    )
    offer = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("helper", "category")
        .filter(pk=offer_id)
        .first()
    )
    if need is None or offer is None:
        raise NotFound()
    return need, offer


def _audit(*, actor: User | None, verb: str, match: Match, **data) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        target=match,
        council=match.council,
        data={"need": match.need_id, "offer": match.offer_id, "status": match.status, **data},
    )


# --- Proposals ------------------------------------------------------------------------------
def _propose(
    *,
    actor: User,
    need: Need,
    offer: Offer,
    proposed_by: str,
    score: float | None = None,
    explanation: str = "",
) -> Match:
    problem = pair_problem(need=need, offer=offer)
    if problem:
        raise ApplicationError(problem, code="match_not_possible")
    if Match.objects.filter(need=need, offer=offer, status=S.DECLINED).exists():
        raise ApplicationError(
            "This match was declined before, so Kith will not suggest it again.",
            code="match_declined_before",
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            match = Match.objects.create(
                council=need.council,
                need=need,
                offer=offer,
                proposed_by=proposed_by,
                proposed_by_user=actor,
                helper_agreed_at=now if proposed_by == Match.ProposedBy.HELPER else None,
                citizen_agreed_at=now if proposed_by == Match.ProposedBy.CITIZEN else None,
                score=score,
                explanation=explanation[:400],
            )
    except IntegrityError as exc:
        raise ApplicationError(
            "There is already a match between this need and this offer.", code="match_exists"
        ) from exc
    match.need, match.offer = need, offer
    _audit(actor=actor, verb="match.proposed", match=match, proposed_by=proposed_by)
    return match


@transaction.atomic
def match_offer_help(*, helper: User, need_id: int, offer_id: int) -> Match:
    """A helper offers to help with an open need, using one of their offers."""
    need, offer = _lock_pair(need_id=need_id, offer_id=offer_id)
    # A helper sees only open needs of their own council: anything else is "not found".
    if (
        offer.helper_id != helper.pk
        or need.status != Need.Status.OPEN
        or need.council_id != offer.council_id
    ):
        raise NotFound()
    return _propose(actor=helper, need=need, offer=offer, proposed_by=Match.ProposedBy.HELPER)


@transaction.atomic
def match_request(*, citizen: User, need_id: int, offer_id: int) -> Match:
    """A citizen asks a helper (through one of the helper's open offers) to help with a need."""
    need, offer = _lock_pair(need_id=need_id, offer_id=offer_id)
    if (
        need.owner_id != citizen.pk
        or offer.status != Offer.Status.OPEN
        or offer.council_id != need.council_id
    ):
        raise NotFound()
    return _propose(actor=citizen, need=need, offer=offer, proposed_by=Match.ProposedBy.CITIZEN)


@transaction.atomic
def match_propose_by_staff(
    *,
    staff: User,
    need_id: int,
    offer_id: int,
    proposed_by: str = Match.ProposedBy.STAFF,
    score: float | None = None,
    explanation: str = "",
) -> Match:
    """Council staff (or a round they apply) propose a match; both people must then agree."""
    need, offer = _lock_pair(need_id=need_id, offer_id=offer_id)
    council_id = staff_council_id(staff)
    if council_id is None or need.council_id != council_id or offer.council_id != council_id:
        raise NotFound()
    return _propose(
        actor=staff,
        need=need,
        offer=offer,
        proposed_by=proposed_by,
        score=score,
        explanation=explanation,
    )


# --- Transitions ----------------------------------------------------------------------------
def _locked_match(*, user: User, match_id: int) -> tuple[Match, str]:
    """The match (visible to `user`, else NotFound) with its need and offer row-locked."""
    seen = match_get(user=user, match_id=match_id)
    need, offer = _lock_pair(need_id=seen.need_id, offer_id=seen.offer_id)
    match = Match.objects.select_for_update(of=("self",)).select_related("council").get(pk=seen.pk)
    match.need, match.offer = need, offer
    role = match_role(user=user, match=match)
    if role is None:
        raise NotFound()
    return match, role


def _refuse(match: Match, action: str) -> None:
    raise ApplicationError(
        f"This match is {match.get_status_display().lower()} and cannot be {action}.",
        code="invalid_transition",
    )


def _need_follows(*, need: Need) -> None:
    """Keep the need's status in step with its matches (caller holds the need's lock)."""
    holding = _holding(need=need)
    if need.status == Need.Status.OPEN and holding >= need.helpers_wanted:
        need_transition(need=need, to=Need.Status.MATCHED)
    elif need.status == Need.Status.MATCHED and holding < need.helpers_wanted:
        completed = Match.objects.filter(need=need, status=S.COMPLETED).exists()
        if holding == 0 and completed:
            need_transition(need=need, to=Need.Status.CLOSED, closed_reason="fulfilled")
        else:
            need_transition(need=need, to=Need.Status.OPEN)


@transaction.atomic
def match_accept(*, user: User, match_id: int) -> Match:
    """The person on the other side agrees. Once both have, the match holds a place."""
    match, role = _locked_match(user=user, match_id=match_id)
    if role == "staff":
        raise ApplicationError("Only the two people in a match can accept it.", code="not_a_party")
    if match.status != S.PROPOSED:
        _refuse(match, "accepted")
    now = timezone.now()
    fields = ["updated_at"]
    if role == "citizen" and match.citizen_agreed_at is None:
        match.citizen_agreed_at = now
        fields.append("citizen_agreed_at")
    if role == "helper" and match.helper_agreed_at is None:
        match.helper_agreed_at = now
        fields.append("helper_agreed_at")
    if match.citizen_agreed_at and match.helper_agreed_at:
        problem = pair_problem(need=match.need, offer=match.offer)
        if problem:
            raise ApplicationError(problem, code="match_not_possible")
        match.status = S.ACCEPTED
        match.accepted_at = now
        fields += ["status", "accepted_at"]
        match.save(update_fields=fields)
        _need_follows(need=match.need)
        _audit(actor=user, verb="match.accepted", match=match, by=role)
    else:
        match.save(update_fields=fields)
        _audit(actor=user, verb="match.agreed", match=match, by=role)
    return match


@transaction.atomic
def match_decline(*, user: User, match_id: int, reason: str = "") -> Match:
    match, role = _locked_match(user=user, match_id=match_id)
    if role == "staff":
        raise ApplicationError("Only the two people in a match can decline it.", code="not_a_party")
    if match.status != S.PROPOSED:
        _refuse(match, "declined")
    match.status = S.DECLINED
    match.decline_reason = reason.strip()[:300]
    match.ended_by = user
    match.ended_at = timezone.now()
    match.save(update_fields=["status", "decline_reason", "ended_by", "ended_at", "updated_at"])
    _audit(
        actor=user,
        verb="match.declined",
        match=match,
        by=role,
        # Whether, not what: the audit log is append-only and erasure must reach the words.
        reason_given=bool(match.decline_reason),
    )
    return match


@transaction.atomic
def match_cancel(*, user: User, match_id: int, reason: str = "") -> Match:
    """Either person, or staff of the council, ends a match that has not finished."""
    match, role = _locked_match(user=user, match_id=match_id)
    if match.status not in Match.LIVE:
        _refuse(match, "cancelled")
    match.status = S.CANCELLED
    match.decline_reason = reason.strip()[:300]
    match.ended_by = user
    match.ended_at = timezone.now()
    match.save(update_fields=["status", "decline_reason", "ended_by", "ended_at", "updated_at"])
    _need_follows(need=match.need)
    _audit(
        actor=user,
        verb="match.cancelled",
        match=match,
        by=role,
        reason_given=bool(match.decline_reason),
    )
    return match


# What a match ended by a block says, to both people: the same neutral words whoever blocked.
BLOCK_ENDED_REASON = "This match has ended."


@transaction.atomic
def matches_end_for_block(*, blocker: User, blocked: User) -> list[Match]:
    """End every match still going between `blocker` and `blocked` (either way round: either
    may own the need), because `blocker` has just blocked `blocked`. Called by
    `marketplace.services.block_create` in the block's own transaction, after it has
    row-locked both people (lowest id first).

    Proposed, accepted and active matches all become cancelled (the lifecycle allows that from
    each; "declined" would also stop the same need and offer ever being matched again, which
    should not outlive an unblock). Capacity comes back as on any cancellation: the need
    reopens if it now has fewer helpers than it asked for, and the offer's place is free.

    Each match keeps `decline_reason` = `BLOCK_ENDED_REASON` (what the API shows both people)
    and the other person is sent the same "Your Kith match has ended" email that suspension
    sends (`MATCH_ENDED_BODY`): nothing in either says that anyone was blocked.

    `ended_by` is left empty, as for an expired match: Kith ended it by its rule that blocked
    people are never matched. Reliability counts a match as the helper failing when it was
    cancelled with `ended_by` the helper (`matching.selectors`, `matching.scoring`,
    `matching.rounds`), so naming the blocker there would mark a helper who blocks someone for
    their own safety as unreliable, and naming nobody keeps a blocked helper from being
    marked either (cancelled by someone else never counts against a helper). A helper could
    block someone instead of cancelling to avoid that mark; the audit log keeps who blocked
    (the `match.cancelled` event's actor, with `because: block`) for staff to see.

    Locks, in the order every writer uses: the needs of both people that are not closed (a
    proposal between them must take one of these, so none can slip in before the block
    commits and its `pair_problem` check sees the block), then the offers of the matches
    being ended, then the matches, each in id order. An accept racing the block either
    commits first (and its match is then cancelled here) or waits for the block and is
    refused.
    """
    pair = Q(need__owner=blocker, offer__helper=blocked) | Q(
        need__owner=blocked, offer__helper=blocker
    )
    live_need_ids = set(
        Match.objects.filter(pair, status__in=Match.LIVE).values_list("need_id", flat=True)
    )
    needs = {
        need.pk: need
        for need in Need.objects.select_for_update(of=("self",))
        .filter(
            Q(owner_id__in=(blocker.pk, blocked.pk)) & ~Q(status=Need.Status.CLOSED)
            | Q(pk__in=live_need_ids)
        )
        .order_by("pk")
    }
    live = list(
        Match.objects.filter(pair, status__in=Match.LIVE)
        .order_by("pk")
        .values_list("pk", "offer_id", flat=False)
    )
    if not live:
        return []
    offers = {
        offer.pk: offer
        for offer in Offer.objects.select_for_update(of=("self",))
        .filter(pk__in={offer_id for _, offer_id in live})
        .order_by("pk")
    }
    matches = list(
        Match.objects.select_for_update(of=("self",))
        .select_related("council")
        .filter(pk__in=[pk for pk, _ in live])
        .order_by("pk")
    )
    now = timezone.now()
    ended = []
    for match in matches:
        if match.status not in Match.LIVE:  # expired meanwhile (expiry locks only the match)
            continue
        match.need, match.offer = needs[match.need_id], offers[match.offer_id]
        match.status = S.CANCELLED
        match.decline_reason = BLOCK_ENDED_REASON
        match.ended_by = None
        match.ended_at = now
        match.save(update_fields=["status", "decline_reason", "ended_by", "ended_at", "updated_at"])
        _need_follows(need=match.need)
        _audit(
            actor=blocker,
            verb="match.cancelled",
            match=match,
            by="citizen" if match.need.owner_id == blocker.pk else "helper",
            because="block",
        )
        ended.append(match)
    if blocked.is_active:
        _tell_match_ended(email=blocked.email, count=len(ended))
    return ended


def _tell_match_ended(*, email: str, count: int) -> None:
    """After commit, the neutral email any ended match sends (one per match, as suspension
    does), never naming why."""

    from matching.services import MATCH_ENDED_BODY, MATCH_ENDED_SUBJECT

    for _ in range(count):
        transaction.on_commit(
            lambda: mail_send(to=email, subject=MATCH_ENDED_SUBJECT, body=MATCH_ENDED_BODY)
        )


@transaction.atomic
def match_start(*, user: User, match_id: int) -> Match:
    """Help is under way: accepted → active (either person)."""
    match, role = _locked_match(user=user, match_id=match_id)
    if role == "staff":
        raise ApplicationError("Only the two people in a match can start it.", code="not_a_party")
    if match.status != S.ACCEPTED:
        _refuse(match, "started")
    match.status = S.ACTIVE
    match.started_at = timezone.now()
    match.save(update_fields=["status", "started_at", "updated_at"])
    _audit(actor=user, verb="match.started", match=match, by=role)
    return match


@transaction.atomic
def match_complete(*, user: User, match_id: int) -> Match:
    """The help is done. When no other helper still holds a place, the need is fulfilled."""
    match, role = _locked_match(user=user, match_id=match_id)
    if match.status not in (S.ACCEPTED, S.ACTIVE):
        _refuse(match, "completed")
    now = timezone.now()
    match.status = S.COMPLETED
    match.completed_at = now
    match.started_at = match.started_at or now
    match.save(update_fields=["status", "completed_at", "started_at", "updated_at"])
    need = match.need
    if _holding(need=need) == 0 and need.status in (Need.Status.OPEN, Need.Status.MATCHED):
        need_transition(need=need, to=Need.Status.CLOSED, closed_reason="fulfilled")
    _audit(actor=user, verb="match.completed", match=match, by=role)
    return match


@transaction.atomic
def matches_expire(*, older_than: dt.timedelta = dt.timedelta(days=14)) -> int:
    """Proposals nobody answered within `older_than` expire (run daily)."""
    cutoff = timezone.now() - older_than
    stale = list(
        Match.objects.select_for_update(skip_locked=True)
        .filter(status=S.PROPOSED, created_at__lt=cutoff)
        .select_related("council")
    )
    for match in stale:
        match.status = S.EXPIRED
        match.ended_at = timezone.now()
        match.save(update_fields=["status", "ended_at", "updated_at"])
        _audit(actor=None, verb="match.expired", match=match)
    return len(stale)


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
        raise ApplicationError("Write a message before sending it.", code="message_empty")
    if len(body) > 2000:
        raise ApplicationError("Keep a message under 2,000 characters.", code="message_long")
    if match.status not in MESSAGE_OPEN_STATUSES:
        raise ApplicationError(
            "You can send messages once both of you have accepted the match.",
            code="messages_closed",
        )
    other = match.offer.helper if role == "citizen" else match.need.owner
    if (
        Block.objects.filter(blocker=other, blocked=user).exists()
        or Block.objects.filter(blocker=user, blocked=other).exists()
    ):
        raise ApplicationError("You cannot message this person.", code="blocked")
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


@transaction.atomic
def message_list(*, user: User, match_id: int) -> list[Message]:
    """The conversation, for its two people or staff of the council (each staff read is
    audited, in the same transaction as the read)."""
    match = match_get(user=user, match_id=match_id)
    role = match_role(user=user, match=match)
    if role is None:
        raise NotFound()
    messages = list(match.messages.select_related("sender").order_by("created_at", "id"))
    if role == "staff":
        audit_record(
            actor=user,
            verb="messages.read_by_staff",
            target=match,
            council=match.council,
            data={"messages": len(messages)},
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
        raise ApplicationError("You cannot report your own message.", code="own_message")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Tell us what is wrong with this message.", code="reason_missing")
    if Report.objects.filter(
        reporter=user,
        target_type=Report.TargetType.MESSAGE,
        target_id=message.pk,
        status=Report.Status.OPEN,
    ).exists():
        raise ApplicationError(
            "You have already reported this message. The council's team will look at it.",
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
            "You can leave feedback once the help is completed.", code="not_completed"
        )
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ApplicationError("Choose a rating from 1 to 5.", code="rating_range")
    subject = match.offer.helper if role == "citizen" else match.need.owner
    if Feedback.objects.filter(match=match, author=user).exists():
        raise ApplicationError("You have already left feedback for this match.", code="duplicate")
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
) -> AlertPreference:
    if (quiet_start is None) != (quiet_end is None):
        raise ApplicationError(
            "Give both a start and an end for quiet hours, or neither.", code="quiet_hours"
        )
    if quiet_start is not None and quiet_start == quiet_end:
        raise ApplicationError(
            "Quiet hours must start and end at different times.", code="quiet_hours"
        )
    if not 1 <= int(daily_cap) <= 20:
        raise ApplicationError("Choose between 1 and 20 alerts a day.", code="daily_cap")
    pref, _ = AlertPreference.objects.select_for_update().get_or_create(user=user)
    pref.opted_in = opted_in
    pref.quiet_start, pref.quiet_end, pref.daily_cap = quiet_start, quiet_end, int(daily_cap)
    pref.save()
    return pref


@transaction.atomic
def alert_unsubscribe(*, token: str) -> bool:
    """Turn alerts off from the link in an alert email. Unknown tokens change nothing."""
    updated = AlertPreference.objects.filter(unsubscribe_token=token or "-").update(
        opted_in=False, updated_at=timezone.now()
    )
    return bool(updated)


# --- Suspension ------------------------------------------------------------------------------
MATCH_ENDED_SUBJECT = "Your Kith match has ended"


MATCH_ENDED_BODY = (
    "This match has ended. You do not need to do anything.\n\n"
    "If you still need help, or still want to help, your listing stays open and Kith will "
    "suggest other matches.\n"
)
