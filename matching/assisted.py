"""Assisted digital: council staff manage matches and messages for a person who is not online.

Staff may act for a person only on a need that council staff recorded on that person's behalf
with their consent (`Need.recorded_by` and `Need.consent_recorded_at`, set by
`marketplace.services.need_create`), only in their own council, and only with the
assisted-digital capability. Without the capability, or for another council's need or match,
the answer is "not found", so a page never confirms that it exists; a need the person wrote
themselves is refused with the reason.

Each function calls matching's own services acting as the person (the same rules, locks and
audit rows as when the person acts), then writes an `assisted.*` audit event naming the
member of staff, in the same transaction. A message sent for the person records the member
of staff in `Message.sent_for_by`, and every page and API response shows it as "Sent for
<person> by the council", so the helper always knows who wrote it.

Audit rows are append-only and kept longer than messages and matches, so they never hold
text staff typed (a reason may name the person or their circumstances): they record that a
reason was given and its length, and the text stays on the match, where retention and
erasure reach it.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.permissions import Capability, staff_can, staff_council_for
from core.audit import audit_record, typed_text_facts
from core.errors import ApplicationError, NotFound
from marketplace.models import Need

from . import services
from .candidates import ranked_offers_for_need
from .models import Match, Message
from .scoring import RankedPair

NOT_ON_BEHALF = gettext_lazy(
    "Council staff can act for someone only on a need that staff recorded for them with "
    "their consent."
)


def _staff_council_id(staff: User) -> int:
    council = staff_council_for(staff)
    if council is None or not staff_can(staff, Capability.ASSISTED_DIGITAL):
        raise NotFound()
    return council.pk


def _check_on_behalf(*, staff: User, need: Need) -> None:
    if need.council_id != _staff_council_id(staff):
        raise NotFound()
    if need.recorded_by_id is None or need.consent_recorded_at is None:
        raise ApplicationError(str(NOT_ON_BEHALF), code="not_assisted")


def _record(*, staff: User, verb: str, need: Need, target, **data) -> None:
    audit_record(
        actor=staff,
        verb=verb,
        target=target,
        council=need.council,
        data={"on_behalf_of": need.owner_id, "need": need.pk, **data},
    )


# --- Reads ----------------------------------------------------------------------------------
def assisted_need_get(*, staff: User, need_id: int) -> Need:
    """A need staff may manage for its owner (else NotFound or an ApplicationError)."""
    need = (
        Need.objects.select_related("owner", "category", "council", "recorded_by")
        .filter(pk=need_id)
        .first()
    )
    if need is None:
        raise NotFound()
    _check_on_behalf(staff=staff, need=need)
    return need


def assisted_needs(*, staff: User) -> QuerySet[Need]:
    """Needs of the staff member's council that staff may manage for their owners, those
    still open or matched first, each annotated with `waiting`: proposals waiting for the
    person's answer, and `live`: matches holding a place."""
    return (
        Need.objects.filter(
            council_id=_staff_council_id(staff),
            recorded_by__isnull=False,
            consent_recorded_at__isnull=False,
        )
        .select_related("owner", "category")
        .annotate(
            waiting=Count(
                "matches",
                filter=Q(
                    matches__status=Match.Status.PROPOSED,
                    matches__citizen_agreed_at__isnull=True,
                ),
            ),
            live=Count("matches", filter=Q(matches__status__in=Match.HOLDING)),
            still_open=Case(
                When(status__in=[Need.Status.OPEN, Need.Status.MATCHED], then=Value(0)),
                default=Value(1),
            ),
        )
        .order_by("still_open", "-waiting", "-created_at", "-id")
    )


def assisted_waiting_count(*, staff: User) -> int:
    """Proposals on needs staff manage for people that wait for the person's answer."""
    return Match.objects.filter(
        council_id=_staff_council_id(staff),
        status=Match.Status.PROPOSED,
        citizen_agreed_at__isnull=True,
        need__recorded_by__isnull=False,
        need__consent_recorded_at__isnull=False,
    ).count()


@transaction.atomic
def assisted_need_view(*, staff: User, need_id: int, limit: int = 10) -> tuple[Need, list, list]:
    """The need, its matches (newest first) and its ranked helpers (while it is open and
    without a live match with them), as the person would see them. Audited as
    "assisted.need_viewed"."""
    need = assisted_need_get(staff=staff, need_id=need_id)
    matches = list(
        Match.objects.filter(need=need)
        .select_related("offer__helper", "need__owner")
        .order_by("-created_at", "-id")
    )
    ranked: list[RankedPair] = []
    if need.status == Need.Status.OPEN:
        live = {m.offer_id for m in matches if m.status in Match.LIVE}
        ranked = [
            pair
            for pair in ranked_offers_for_need(need=need, limit=limit)
            if pair.offer.pk not in live
        ]
    _record(staff=staff, verb="assisted.need_viewed", need=need, target=need)
    return need, matches, ranked


def _assisted_match(*, staff: User, match_id: int) -> tuple[Match, Need]:
    match = (
        Match.objects.select_related("need__owner", "need__council", "offer__helper")
        .filter(pk=match_id)
        .first()
    )
    if match is None:
        raise NotFound()
    _check_on_behalf(staff=staff, need=match.need)
    return match, match.need


def assisted_match_get(*, staff: User, match_id: int) -> Match:
    return _assisted_match(staff=staff, match_id=match_id)[0]


@transaction.atomic
def assisted_messages(*, staff: User, match_id: int) -> list[Message]:
    """The match's conversation, read for the person. Audited as "assisted.messages_read"."""
    match, need = _assisted_match(staff=staff, match_id=match_id)
    messages = services.message_list(user=need.owner, match_id=match.pk)
    _record(
        staff=staff,
        verb="assisted.messages_read",
        need=need,
        target=match,
        messages=len(messages),
    )
    return messages


# --- Writes ---------------------------------------------------------------------------------
@transaction.atomic
def assisted_match_request(*, staff: User, need_id: int, offer_id: int) -> Match:
    """Ask a helper (through one of their open offers) to help with the person's need."""
    need = assisted_need_get(staff=staff, need_id=need_id)
    match = services.match_request(citizen=need.owner, need_id=need.pk, offer_id=offer_id)
    _record(staff=staff, verb="assisted.match_requested", need=need, target=match, offer=offer_id)
    return match


@transaction.atomic
def assisted_match_accept(*, staff: User, match_id: int) -> Match:
    """Say yes to a proposed match for the person."""
    match, need = _assisted_match(staff=staff, match_id=match_id)
    match = services.match_accept(user=need.owner, match_id=match.pk)
    _record(
        staff=staff, verb="assisted.match_accepted", need=need, target=match, status=match.status
    )
    return match


def _end_for(*, staff: User, match_id: int, reason: str, service, verb: str) -> Match:
    match, need = _assisted_match(staff=staff, match_id=match_id)
    match = service(user=need.owner, match_id=match.pk, reason=reason)
    facts = typed_text_facts((match.decline_reason or "").strip())
    _record(staff=staff, verb=verb, need=need, target=match, **facts)
    return match


@transaction.atomic
def assisted_match_decline(*, staff: User, match_id: int, reason: str = "") -> Match:
    """Say no to a proposed match for the person."""
    return _end_for(
        staff=staff,
        match_id=match_id,
        reason=reason,
        service=services.match_decline,
        verb="assisted.match_declined",
    )


@transaction.atomic
def assisted_match_cancel(*, staff: User, match_id: int, reason: str = "") -> Match:
    """End a match the person no longer wants (proposed, accepted or under way)."""
    return _end_for(
        staff=staff,
        match_id=match_id,
        reason=reason,
        service=services.match_cancel,
        verb="assisted.match_cancelled",
    )


@transaction.atomic
def assisted_match_complete(*, staff: User, match_id: int) -> Match:
    """Mark the help as done for the person (when no other helper still holds a place, the
    need is fulfilled)."""
    match, need = _assisted_match(staff=staff, match_id=match_id)
    match = services.match_complete(user=need.owner, match_id=match.pk)
    _record(staff=staff, verb="assisted.match_completed", need=need, target=match)
    return match


@transaction.atomic
def assisted_message_send(*, staff: User, match_id: int, body: str) -> Message:
    """Send a message in the match's conversation for the person, marked as sent by council
    staff for them."""
    match, need = _assisted_match(staff=staff, match_id=match_id)
    message = services.message_send(
        user=need.owner, match_id=match.pk, body=body, sent_for_by=staff
    )
    _record(staff=staff, verb="assisted.message_sent", need=need, target=message, match=match.pk)
    return message
