"""Writes for matching: the match lifecycle. Messages, feedback and alert preferences are in
`matching.services.conversation`. Every transition is audited in the same transaction.

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
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from marketplace.lifecycle import need_transition
from marketplace.models import Need, Offer

from ..eligibility import holding_count, pair_problem, places_left
from ..models import Match
from ..selectors import match_get, match_role, staff_council_id

S = Match.Status


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
    explanation_cy: str = "",
) -> Match:
    problem = pair_problem(need=need, offer=offer)
    if problem:
        raise ApplicationError(problem, code="match_not_possible")
    if Match.objects.filter(
        need=need, offer__helper_id=offer.helper_id, status__in=Match.LIVE
    ).exists():
        # One proposal per need and helper, whichever of the helper's offers it came through.
        raise ApplicationError(
            _("This helper already has a match for this need."), code="match_exists"
        )
    if Match.objects.filter(need=need, offer=offer, status=S.DECLINED).exists():
        raise ApplicationError(
            _("This match was declined before, so Kith will not suggest it again."),
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
                explanation_cy=explanation_cy[:400],
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("There is already a match between this need and this offer."), code="match_exists"
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
    explanation_cy: str = "",
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
        explanation_cy=explanation_cy,
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
    """Refuse `action` ("accepted", "declined", "cancelled", "started", "completed", "ended")
    on a match whose state does not allow it, in words about where the match is, not in the
    state machine's (never "declined and cannot be declined")."""
    agreed = match.status in (S.ACCEPTED, S.ACTIVE)
    if match.status == S.PROPOSED:
        text = _("This match has not been agreed yet.")
    elif agreed and action == "accepted":
        text = _("This match has already been agreed.")
    elif match.status == S.ACTIVE and action == "started":
        text = _("This help has already started.")
    elif agreed:
        text = _(
            "This match has already been agreed, so it can no longer be declined. It can be "
            "ended from its page."
        )
    elif match.status == S.COMPLETED:
        text = _("This help has been marked as done, so the match can no longer be changed.")
    elif match.status == S.DECLINED:
        text = _("This match was declined, so it can no longer be changed.")
    elif match.status == S.EXPIRED:
        text = _("This match expired without an answer, so it can no longer be changed.")
    else:
        text = _("This match has been ended, so it can no longer be changed.")
    raise ApplicationError(text, code="invalid_transition")


def _need_follows(*, need: Need) -> None:
    """Keep the need's status in step with its matches (caller holds the need's lock)."""
    holding = holding_count(need=need)
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
        raise ApplicationError(
            _("Only the two people in a match can accept it."), code="not_a_party"
        )
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
        if role == "helper" and not places_left(
            holding=holding_count(offer=match.offer), wanted=match.offer.capacity
        ):
            # The rule `pair_problem` applies too, said to the helper it is about.
            raise ApplicationError(
                _(
                    "You are already helping as many people as this offer says. To help "
                    "someone else too, change how many people at once on your offer."
                ),
                code="match_not_possible",
            )
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
        raise ApplicationError(
            _("Only the two people in a match can decline it."), code="not_a_party"
        )
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
    and the other person is told what any ended match tells (`MATCH_ENDED_BODY`, through the
    notifications room's rule for `match.cancelled`): nothing says that anyone was blocked.

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
    return ended


@transaction.atomic
def match_start(*, user: User, match_id: int) -> Match:
    """Help is under way: accepted → active (either person)."""
    match, role = _locked_match(user=user, match_id=match_id)
    if role == "staff":
        raise ApplicationError(
            _("Only the two people in a match can start it."), code="not_a_party"
        )
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
    if holding_count(need=need) == 0 and need.status in (Need.Status.OPEN, Need.Status.MATCHED):
        need_transition(need=need, to=Need.Status.CLOSED, closed_reason="fulfilled")
    _audit(actor=user, verb="match.completed", match=match, by=role)
    return match


@transaction.atomic
def match_end(
    *, user: User, match_id: int, helped: bool, need_still_wanted: bool, blame: bool
) -> Match:
    """An accepted or running match ends by either person's (or staff's) choice, as ongoing
    help does (`arrangements.services.arrangement_end`): completed when help was given,
    otherwise cancelled. `blame` names the person as having ended it (`ended_by`), which
    reliability counts against a helper; an ending that should not count (say, after a
    first meeting) leaves it empty, as Kith's own endings do.

    The need follows: back to open if its owner still wants help and it has room, else
    closed (fulfilled if anyone helped, withdrawn if not) once no helper holds a place.
    """
    match, role = _locked_match(user=user, match_id=match_id)
    if match.status not in Match.HOLDING:
        _refuse(match, "ended")
    now = timezone.now()
    if helped:
        match.status = S.COMPLETED
        match.completed_at = now
        match.started_at = match.started_at or now
        fields = ["status", "completed_at", "started_at", "updated_at"]
    else:
        match.status = S.CANCELLED
        match.ended_at = now
        match.ended_by = user if blame else None
        fields = ["status", "ended_at", "ended_by", "updated_at"]
    match.save(update_fields=fields)
    need = match.need
    holding = holding_count(need=need)
    if need_still_wanted:
        if need.status == Need.Status.MATCHED and holding < need.helpers_wanted:
            need_transition(need=need, to=Need.Status.OPEN)
    elif holding == 0 and need.status in (Need.Status.OPEN, Need.Status.MATCHED):
        completed = helped or Match.objects.filter(need=need, status=S.COMPLETED).exists()
        need_transition(
            need=need,
            to=Need.Status.CLOSED,
            closed_reason="fulfilled" if completed else "withdrawn",
        )
    _audit(
        actor=user,
        verb="match.completed" if helped else "match.cancelled",
        match=match,
        by=role,
        because="arrangement_ended",
    )
    return match


@transaction.atomic
def matches_end_for_withdrawn_need(*, need_id: int, actor_id: int | None) -> list[Match]:
    """A need withdrawn (`need.withdrawn`: its owner no longer needs help, or staff, or the
    "do you still need help?" answer) ends every match still going on it: proposals waiting
    for an answer and help agreed. Before, those stayed: a helper was still asked "can you
    help?" about a need that was gone, or kept visits arranged with someone who had said
    they no longer needed help.

    Each becomes cancelled with the withdrawer as `ended_by` (never counted against a helper,
    who did not end it). The helper is told what any ended match tells (the notifications
    room's rule for `match.cancelled`), and the arrangement follows (`arrangements.follow`
    ends it and cancels the visits to come). The need is already closed and locked by the
    withdrawal."""
    return _end_on_need(
        need_id=need_id, actor_id=actor_id, statuses=Match.LIVE, because="need_withdrawn"
    )


@transaction.atomic
def proposals_end_for_filled_need(*, need_id: int, accepted_id: int) -> list[Match]:
    """A need that has all the helpers it asked for (`match.accepted` made it matched) ends the
    other proposals still waiting on it: the helpers asked, or who offered, are told the match
    has ended instead of being asked "can you help?" about a need that is full, and the
    person is no longer shown them as waiting for a reply. Kith ends them (`ended_by` empty),
    as an expired proposal."""
    need = Need.objects.filter(pk=need_id).only("status").first()
    if need is None or need.status != Need.Status.MATCHED:
        return []
    return _end_on_need(
        need_id=need_id,
        actor_id=None,
        statuses=(S.PROPOSED,),
        because="need_filled",
        keep=accepted_id,
    )


def _end_on_need(
    *, need_id: int, actor_id: int | None, statuses, because: str, keep: int | None = None
) -> list[Match]:
    """Cancel the need's matches in `statuses` (but `keep`), locked in id order as every
    writer locks them, each audited as `match.cancelled` with `because`."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    found = (
        Match.objects.select_for_update(of=("self",))
        .select_related("council")
        .filter(need_id=need_id, status__in=statuses)
    )
    if keep is not None:
        found = found.exclude(pk=keep)
    going = list(found.order_by("id"))
    now = timezone.now()
    for match in going:
        match.status = S.CANCELLED
        match.ended_by = actor
        match.ended_at = now
        match.save(update_fields=["status", "ended_by", "ended_at", "updated_at"])
        _audit(actor=actor, verb="match.cancelled", match=match, because=because)
    return going


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


# --- What an ended match tells the other person (notifications.texts) ----------------------
# Marked for translation here and translated when a message is written, in the reader's
# language (`notifications.texts`).
MATCH_ENDED_SUBJECT = gettext_noop("Your Kith match has ended")


MATCH_ENDED_BODY = gettext_noop(
    "This match has ended. You do not need to do anything.\n\n"
    "If you still need help, or still want to help, your listing stays open and Kith will "
    "suggest other matches.\n"
)
