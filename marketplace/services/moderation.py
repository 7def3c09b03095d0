"""Moderation: a moderator of the listing's council approves or rejects a listing waiting
for review (or takes an open one down)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import Capability
from core.audit import audit_record, typed_text_facts
from core.errors import ApplicationError, NotFound
from marketplace import lifecycle
from marketplace.models import (
    Need,
    Offer,
)
from marketplace.services.shared import (
    NOT_FOUND_MESSAGE,
    check_text,
    lock_need,
    lock_offer,
    need_opened,
    require_staff_of,
)
from marketplace.vetting import require_vetted


# --- Moderation ------------------------------------------------------------------------------
def lock_listing(*, kind: str, listing_id: int) -> Need | Offer:
    if kind == "need":
        return lock_need(listing_id)
    if kind == "offer":
        return lock_offer(listing_id)
    raise NotFound(NOT_FOUND_MESSAGE)


def _listing_owner_id(listing: Need | Offer) -> int:
    return listing.owner_id if isinstance(listing, Need) else listing.helper_id


def _checked_after_open(listing: Need | Offer) -> bool:
    """An urgent need that opened at once and still waits for a moderator's look."""
    return (
        isinstance(listing, Need)
        and listing.review_after_open
        and listing.status in (Need.Status.OPEN, Need.Status.MATCHED)
    )


@transaction.atomic
def moderation_approve(*, actor: User, kind: str, listing_id: int) -> Need | Offer:
    """A moderator of the listing's council publishes a listing waiting for review.

    An urgent need that opened at once (`Need.review_after_open`) is already open: approving
    it records that a moderator has looked at it and changes nothing else."""
    listing = lock_listing(kind=kind, listing_id=listing_id)
    require_staff_of(user=actor, council_id=listing.council_id, capability=Capability.MODERATION)
    if _listing_owner_id(listing) == actor.pk:
        raise ApplicationError(
            _("Another moderator must review your own listing."), code="own_listing"
        )
    if isinstance(listing, Need) and _checked_after_open(listing):
        listing.review_after_open = False
        listing.save(update_fields=["review_after_open", "updated_at"])
        audit_record(actor=actor, verb="need.reviewed_after_open", target=listing)
        return listing
    if listing.status != "pending_review":
        raise ApplicationError(
            (
                _("This need is %(status)s, not waiting for review.")
                if kind == "need"
                else _("This offer is %(status)s, not waiting for review.")
            )
            % {"status": listing.get_status_display().lower()},
            code="invalid_transition",
        )
    listing.rejection_reason = ""
    listing.save(update_fields=["rejection_reason", "updated_at"])
    if isinstance(listing, Need):
        if listing.review_after_open:  # opened at once, then changed: this is its look
            listing.review_after_open = False
            listing.save(update_fields=["review_after_open", "updated_at"])
        lifecycle.need_transition(need=listing, to=Need.Status.OPEN)
        need_opened(listing)
    else:
        require_vetted(listing)  # the offer stays in review, saying what is missing
        lifecycle.offer_transition(offer=listing, to=Offer.Status.OPEN)
    audit_record(actor=actor, verb=f"{kind}.approved", target=listing)
    return listing


@transaction.atomic
def moderation_reject(
    *, actor: User, kind: str, listing_id: int, reason: str, only_pending: bool = False
) -> Need | Offer:
    """A moderator of the listing's council turns a listing down (or takes an open one down).
    The reason is shown to the owner, so it should say what to change.

    `only_pending` is for decisions taken from the review queue: the moderator saw the listing
    waiting for review (or an urgent need that opened at once waiting for its look), so if
    another moderator approved it meanwhile, this rejection is refused instead of taking down
    what a colleague has just published (one decision wins).
    """
    reason = check_text(reason, field="rejection_reason", max_length=500)
    listing = lock_listing(kind=kind, listing_id=listing_id)
    require_staff_of(user=actor, council_id=listing.council_id, capability=Capability.MODERATION)
    if only_pending and listing.status != "pending_review" and not _checked_after_open(listing):
        raise ApplicationError(
            _(
                "This need is not waiting for review any more: another decision was made "
                "first, so it cannot be rejected from the review queue."
            )
            if kind == "need"
            else _(
                "This offer is not waiting for review any more: another decision was made "
                "first, so it cannot be rejected from the review queue."
            ),
            code="already_decided",
        )
    if _listing_owner_id(listing) == actor.pk:
        raise ApplicationError(
            _("Another moderator must review your own listing."), code="own_listing"
        )
    listing.rejection_reason = reason
    if isinstance(listing, Need):
        listing.review_after_open = False
        lifecycle.need_transition(
            need=listing, to=Need.Status.CLOSED, closed_reason=Need.ClosedReason.REJECTED
        )
    else:
        if listing.status not in (Offer.Status.PENDING_REVIEW, Offer.Status.OPEN):
            raise ApplicationError(
                _("This offer is %(status)s and cannot be rejected.")
                % {"status": listing.get_status_display().lower()},
                code="invalid_transition",
            )
        lifecycle.offer_transition(offer=listing, to=Offer.Status.CLOSED)
    listing.save(
        update_fields=["rejection_reason", "updated_at"]
        + (["review_after_open"] if isinstance(listing, Need) else [])
    )
    # The reason stays on the listing (erasure and retention reach it), not in the audit row.
    audit_record(
        actor=actor,
        verb=f"{kind}.rejected",
        target=listing,
        data=typed_text_facts(reason),
    )
    return listing
