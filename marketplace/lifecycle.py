"""Allowed status changes of needs and offers. Every status change goes through `transition`.

need:  draft → pending_review → open → matched → closed
       (closed reasons: fulfilled, withdrawn, expired, rejected; a rejected need may be
       changed by its owner and sent again: closed → draft, then sent as any draft is)
offer: pending_review → open ⇄ paused → closed (paused → pending_review after an edit;
       closed → open or pending_review only when staff reopen it on lifting a suspension)
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

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


# The one way out of closed for a need: its owner sends a need a moderator turned down again,
# after changing it (`marketplace.services.need_submit`). It becomes a draft for that moment
# and is then sent the way every new need is, so the rules of sending stay in one place.
NEED_SEND_AGAIN_TO = N.DRAFT
# Who may still change a need: before it is matched, and when a moderator turned it down.
NEED_CHANGEABLE: set[str] = {N.DRAFT, N.PENDING_REVIEW, N.OPEN}


def need_may_send_again(need: Need) -> bool:
    """Whether `need` was turned down by a moderator, so its owner may change it and send it
    again (a need closed for any other reason stays closed)."""
    return need.status == N.CLOSED and need.closed_reason == Need.ClosedReason.REJECTED


def need_may_change(need: Need) -> bool:
    """Whether the owner may still change `need` (`need_update`, the need's change pages)."""
    return need.status in NEED_CHANGEABLE or need_may_send_again(need)


def need_can_transition(
    need: Need, to: str, closed_reason: str = "", *, send_again: bool = False
) -> bool:
    if send_again:
        return to == NEED_SEND_AGAIN_TO and need_may_send_again(need)
    if to not in NEED_TRANSITIONS.get(need.status, set()):
        return False
    if to == N.CLOSED:
        return closed_reason in NEED_CLOSE_REASONS.get(need.status, set())
    return True


def need_transition(
    *, need: Need, to: str, closed_reason: str = "", send_again: bool = False
) -> Need:
    """Move `need` to status `to`, or refuse with a clear message. Saves only what changed.
    `send_again` is for a need a moderator turned down, and only to a draft
    (`NEED_SEND_AGAIN_TO`).

    The caller holds the transaction (and a row lock where concurrent changes are possible).
    """
    if not need_can_transition(need, to, closed_reason, send_again=send_again):
        what = f"{to} ({closed_reason})" if closed_reason else to
        raise ApplicationError(
            _("This need is %(status)s and cannot become %(to)s.")
            % {"status": need.get_status_display().lower(), "to": what},
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
            _("This offer is %(status)s and cannot become %(to)s.")
            % {"status": offer.get_status_display().lower(), "to": to},
            code="invalid_transition",
        )
    offer.status = to
    fields = ["status", "updated_at"]
    if to == OS.OPEN and offer.published_at is None:
        offer.published_at = timezone.now()
        fields.append("published_at")
    offer.save(update_fields=fields)
    return offer
