"""What follows from a helper check ending: revoking one (and pausing what needed it, see
`safeguarding.lapses`), and staff recording a DBS Update Service status check, which revokes
the check when the certificate is no longer current."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import NOT_FOUND_MESSAGE, Capability, staff_council
from core.audit import audit_record, typed_text_facts
from core.errors import ApplicationError, NotFound
from safeguarding.lapses import lapses_follow
from trust.checks import REASON_MAX_LENGTH
from trust.models import HelperCheck

logger = logging.getLogger(__name__)

NOT_CURRENT_REASON = "The DBS Update Service said this certificate is no longer current."


@dataclass
class Revoked:
    check: HelperCheck
    paused: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)


def _revoke(*, actor: User, check: HelperCheck, reason: str) -> Revoked:
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
    lapsed = lapses_follow(helper_ids=[check.user_id])
    return Revoked(check=check, paused=lapsed.paused, held=lapsed.held)


def _lock_check(*, council, check_id: int, **filters) -> HelperCheck:
    check = (
        HelperCheck.objects.select_for_update()
        .filter(pk=check_id, council=council, revoked_at__isnull=True, **filters)
        .first()
    )
    if check is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return check


@transaction.atomic
def helper_check_revoke(*, actor: User, check_id: int, reason: str) -> Revoked:
    """Withdraw a check (recorded in error, or the certificate turned out to be unsafe). The
    helper's offers that now lack a check they need are paused at once, and the live matches
    made through them held for staff review."""
    council = staff_council(actor, Capability.HELPER_CHECKS)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the check is being revoked."), code="reason_required")
    check = _lock_check(council=council, check_id=check_id)
    return _revoke(actor=actor, check=check, reason=reason)


@transaction.atomic
def dbs_status_record(
    *, actor: User, check_id: int, result: str, checked_on: dt.date | None = None
) -> Revoked | None:
    """Staff record the result of a DBS Update Service status check they made (there is no
    public API: they look it up with the certificate number and the helper's consent). A
    certificate that is no longer current is revoked, with what follows. Returns the
    revocation, if there was one."""
    council = staff_council(actor, Capability.HELPER_CHECKS)
    if result not in (HelperCheck.StatusResult.CURRENT, HelperCheck.StatusResult.NOT_CURRENT):
        raise ApplicationError(_("Choose what the Update Service said."), code="invalid_result")
    today = timezone.localdate()
    checked_on = checked_on or today
    if checked_on > today:
        raise ApplicationError(_("The check date cannot be in the future."), code="checked_future")
    check = _lock_check(
        council=council,
        check_id=check_id,
        kind=HelperCheck.Kind.DBS_ENHANCED_BARRED,
        update_service_consent_at__isnull=False,
        superseded_at__isnull=True,
    )
    check.status_checked_on = checked_on
    check.status_check_result = result
    check.save(update_fields=["status_checked_on", "status_check_result"])
    audit_record(
        actor=actor,
        verb="helper_check.status_checked",
        target=check,
        data={"person_id": check.user_id, "result": result, "on": checked_on.isoformat()},
    )
    if result == HelperCheck.StatusResult.NOT_CURRENT:
        return _revoke(actor=actor, check=check, reason=NOT_CURRENT_REASON)
    return None


def offers_pause_unqualified(*, helper_ids=None, on: dt.date | None = None) -> int:
    """Pause open offers whose helper no longer holds a check their category needs, holding
    the live matches made through them. Returns how many offers were paused."""
    return len(lapses_follow(helper_ids=helper_ids, on=on).paused)
