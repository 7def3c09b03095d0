"""What follows from a helper check ending: revoking one, and pausing the offers of helpers
who no longer hold the check their kind of help needs."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import NOT_FOUND_MESSAGE, Capability, staff_council
from core.audit import audit_record, typed_text_facts
from core.errors import ApplicationError, NotFound
from marketplace import lifecycle
from marketplace.models import Offer
from trust.checks import REASON_MAX_LENGTH, verification_levels
from trust.models import (
    HelperCheck,
    VerificationLevel,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def helper_check_revoke(*, actor: User, check_id: int, reason: str) -> HelperCheck:
    """Withdraw a check (recorded in error, or the certificate turned out to be unsafe). The
    helper's offers that needed it are paused at once."""
    council = staff_council(actor, Capability.HELPER_CHECKS)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Say why the check is being revoked.", code="reason_required")
    check = (
        HelperCheck.objects.select_for_update()
        .filter(pk=check_id, council=council, revoked_at__isnull=True)
        .first()
    )
    if check is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    check.revoked_at = timezone.now()
    check.revoked_reason = reason[:REASON_MAX_LENGTH]
    check.save(update_fields=["revoked_at", "revoked_reason"])
    # The reason stays on the check (erasure and retention reach it), not in the audit row.
    audit_record(
        actor=actor,
        verb="helper_check.revoked",
        target=check,
        data={"person_id": check.user_id, **typed_text_facts(check.revoked_reason)},
    )
    offers_pause_unqualified(helper_ids=[check.user_id])
    return check


def offers_pause_unqualified(*, helper_ids=None, on: dt.date | None = None) -> int:
    """Pause open offers whose helper no longer holds the level their category requires
    (a check expired or was revoked). Returns how many were paused.

    Runs daily (`safeguarding.tasks.helper_checks_enforce_expiry`) and straight after a
    revocation. Each pause is audited; the helper is told through the notifications room
    (`offer.paused_check_lapsed`).
    """
    offers = Offer.objects.filter(
        status=Offer.Status.OPEN, category__required_level__gt=VerificationLevel.NONE
    )
    if helper_ids is not None:
        offers = offers.filter(helper_id__in=list(helper_ids))
    candidates = list(offers.values_list("id", "helper_id", "category__required_level"))
    if not candidates:
        return 0
    levels = verification_levels(user_ids={helper_id for _, helper_id, _ in candidates}, on=on)
    to_pause = [
        offer_id for offer_id, helper_id, required in candidates if levels[helper_id] < required
    ]
    paused = 0
    for offer_id in to_pause:
        with transaction.atomic():
            offer = (
                Offer.objects.select_for_update(of=("self",))
                .select_related("category", "helper")
                .filter(pk=offer_id, status=Offer.Status.OPEN)
                .first()
            )
            if offer is None:
                continue
            lifecycle.offer_transition(offer=offer, to=Offer.Status.PAUSED)
            audit_record(
                actor=None,
                verb="offer.paused_check_lapsed",
                target=offer,
                data={
                    "required_level": offer.category.required_level,
                    "helper_level": levels[offer.helper_id],
                },
            )
            paused += 1
    return paused
