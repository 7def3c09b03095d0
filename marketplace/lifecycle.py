"""Allowed status changes of needs and offers. Every status change goes through `transition`.

need:  draft → pending_review → open → matched → closed
       (closed reasons: fulfilled, withdrawn, expired, rejected)
offer: pending_review → open ⇄ paused → closed (paused → pending_review after an edit;
       closed → open or pending_review only when staff reopen it on lifting a suspension)
"""

from __future__ import annotations

from django.utils import timezone

from core.errors import ApplicationError

from .models import Need, Offer

N, OS = Need.Status, Offer.Status

NEED_TRANSITIONS: dict[str, set[str]] = {
    N.DRAFT: {N.PENDING_REVIEW, N.OPEN, N.CLOSED},
    N.PENDING_REVIEW: {N.OPEN, N.CLOSED, N.DRAFT},
    N.OPEN: {N.MATCHED, N.CLOSED, N.PENDING_REVIEW},
    N.MATCHED: {N.OPEN, N.CLOSED},
    N.CLOSED: set(),
}
# Which closed reasons each earlier status may close with.
NEED_CLOSE_REASONS: dict[str, set[str]] = {
    N.DRAFT: {Need.ClosedReason.WITHDRAWN, Need.ClosedReason.EXPIRED},
    N.PENDING_REVIEW: {
        Need.ClosedReason.WITHDRAWN,
        Need.ClosedReason.REJECTED,
        Need.ClosedReason.EXPIRED,
    },
    N.OPEN: {
        Need.ClosedReason.WITHDRAWN,
        Need.ClosedReason.EXPIRED,
        Need.ClosedReason.REJECTED,
        Need.ClosedReason.FULFILLED,
    },
    N.MATCHED: {Need.ClosedReason.FULFILLED, Need.ClosedReason.WITHDRAWN},
}
OFFER_TRANSITIONS: dict[str, set[str]] = {
    OS.PENDING_REVIEW: {OS.OPEN, OS.CLOSED},
    OS.OPEN: {OS.PAUSED, OS.CLOSED, OS.PENDING_REVIEW},
    # paused → pending_review: resuming an offer whose public text changed while paused.
    OS.PAUSED: {OS.OPEN, OS.CLOSED, OS.PENDING_REVIEW},
    OS.CLOSED: set(),
}
# The one way out of closed: staff lifting a suspension reopen the offers it closed
# (`safeguarding.suspension.person_reinstate`), never the helper.
OFFER_REOPEN_TO: set[str] = {OS.OPEN, OS.PENDING_REVIEW}


def need_can_transition(need: Need, to: str, closed_reason: str = "") -> bool:
    if to not in NEED_TRANSITIONS.get(need.status, set()):
        return False
    if to == N.CLOSED:
        return closed_reason in NEED_CLOSE_REASONS.get(need.status, set())
    return True


def need_transition(*, need: Need, to: str, closed_reason: str = "") -> Need:
    """Move `need` to status `to`, or refuse with a clear message. Saves only what changed.

    The caller holds the transaction (and a row lock where concurrent changes are possible).
    """
    if not need_can_transition(need, to, closed_reason):
        what = f"{to} ({closed_reason})" if closed_reason else to
        raise ApplicationError(
            f"This need is {need.get_status_display().lower()} and cannot become {what}.",
            code="invalid_transition",
        )
    need.status = to
    need.closed_reason = closed_reason if to == N.CLOSED else ""
    fields = ["status", "closed_reason", "updated_at"]
    if to == N.OPEN and need.published_at is None:
        need.published_at = timezone.now()
        fields.append("published_at")
    need.save(update_fields=fields)
    return need


def offer_transition(*, offer: Offer, to: str, reopen: bool = False) -> Offer:
    """Move `offer` to status `to`, or refuse. `reopen` is for a closed offer its helper's
    suspension closed, and only from closed (`OFFER_REOPEN_TO`)."""
    allowed = OFFER_TRANSITIONS.get(offer.status, set())
    if reopen:
        allowed = OFFER_REOPEN_TO if offer.status == OS.CLOSED else set()
    if to not in allowed:
        raise ApplicationError(
            f"This offer is {offer.get_status_display().lower()} and cannot become {to}.",
            code="invalid_transition",
        )
    offer.status = to
    fields = ["status", "updated_at"]
    if to == OS.OPEN and offer.published_at is None:
        offer.published_at = timezone.now()
        fields.append("published_at")
    offer.save(update_fields=fields)
    return offer
