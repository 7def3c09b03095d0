"""Helper checks: recording them, and reading which checks and verification level a helper
holds (what marketplace and matching need to decide who may help with what)."""

from __future__ import annotations

import datetime as dt
import logging
import re

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Council, User
from accounts.permissions import Capability, council_person, staff_council
from core.audit import audit_record
from core.errors import ApplicationError
from trust.models import (
    HelperCheck,
    VerificationLevel,
)

logger = logging.getLogger(__name__)


EXPIRING_WITHIN_DAYS = 30


FULL_CERTIFICATE_MESSAGE = (
    "Enter only the last 4 characters of the certificate number. Kith never stores a whole "
    "certificate number."
)


# Staff-typed reasons and notes are kept on their record (the check, the suspension) up to this
# length; audit rows, append-only and kept longer, say only that one was given and how long.
REASON_MAX_LENGTH = 1000


# --- Helper checks ---------------------------------------------------------------------------
def _clean_certificate_last4(value: str) -> str:
    cleaned = re.sub(r"[\s-]", "", value or "").upper()
    if len(cleaned) > 4:
        raise ApplicationError(FULL_CERTIFICATE_MESSAGE, code="full_certificate_number")
    if cleaned and not re.fullmatch(r"[A-Z0-9]{4}", cleaned):
        raise ApplicationError(
            "The last 4 characters of a certificate number are letters or digits, 4 of them.",
            code="invalid_certificate_last4",
        )
    return cleaned


@transaction.atomic
def helper_check_record(
    *,
    actor: User,
    helper_id: int,
    kind: str,
    issued_on: dt.date,
    expires_on: dt.date | None,
    certificate_last4: str = "",
) -> HelperCheck:
    """Record an ID or DBS check that staff have seen for a helper of their council."""
    council = staff_council(actor, Capability.HELPER_CHECKS)
    helper = council_person(council=council, person_id=helper_id)
    if kind not in HelperCheck.Kind.values:
        raise ApplicationError("Choose the kind of check.", code="invalid_kind")
    today = timezone.localdate()
    last4 = _clean_certificate_last4(certificate_last4)
    if kind == HelperCheck.Kind.ID and last4:
        raise ApplicationError(
            "An ID check has no certificate number. Leave it empty.", code="id_has_no_certificate"
        )
    if kind == HelperCheck.Kind.DBS_ENHANCED_BARRED:
        if not last4:
            raise ApplicationError(
                "Enter the last 4 characters of the DBS certificate number.",
                code="certificate_required",
            )
        if expires_on is None:
            raise ApplicationError(
                "Enter the date by which this DBS check must be renewed.",
                code="expiry_required",
            )
    if issued_on > today:
        raise ApplicationError("The issue date cannot be in the future.", code="issued_future")
    if expires_on is not None:
        if expires_on < issued_on:
            raise ApplicationError(
                "The expiry date must be after the issue date.", code="expiry_before_issue"
            )
        if expires_on < today:
            raise ApplicationError(
                "This check has already expired. Record a current check.", code="expired"
            )
    check = HelperCheck.objects.create(
        user=helper,
        council=council,
        kind=kind,
        issued_on=issued_on,
        expires_on=expires_on,
        certificate_last4=last4,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        verb="helper_check.recorded",
        target=check,
        data={
            "person_id": helper.pk,
            "kind": kind,
            "issued_on": issued_on.isoformat(),
            "expires_on": expires_on.isoformat() if expires_on else None,
        },
    )
    return check


def helper_checks_of_council(*, council: Council) -> QuerySet[HelperCheck]:
    return (
        HelperCheck.objects.filter(council=council)
        .select_related("user", "recorded_by")
        .order_by("-recorded_at", "-id")
    )


def helper_checks_expiring(
    *, council: Council, within_days: int = EXPIRING_WITHIN_DAYS, today: dt.date | None = None
) -> QuerySet[HelperCheck]:
    """Unrevoked checks of the council that expire between today and `within_days` from now
    and have not been renewed, soonest first."""
    today = today or timezone.localdate()
    # A check already renewed (the same kind recorded again, lasting longer) is not listed.
    renewed = HelperCheck.objects.filter(
        user_id=OuterRef("user_id"), kind=OuterRef("kind"), revoked_at__isnull=True
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")))
    return (
        HelperCheck.objects.filter(
            council=council,
            revoked_at__isnull=True,
            expires_on__gte=today,
            expires_on__lte=today + dt.timedelta(days=within_days),
        )
        .exclude(Exists(renewed))
        .select_related("user")
        .order_by("expires_on", "id")
    )


def verification_levels(*, user_ids, on: dt.date | None = None) -> dict[int, int]:
    """Each person's verification level on `on` (default today), in one query: the highest
    level among their unrevoked, unexpired checks; 0 for people with none."""
    day = on or timezone.localdate()
    levels: dict[int, int] = dict.fromkeys(user_ids, int(VerificationLevel.NONE))
    rows = HelperCheck.objects.filter(user_id__in=list(levels), revoked_at__isnull=True).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=day)
    )
    for user_id, kind in rows.values_list("user_id", "kind"):
        levels[user_id] = max(levels[user_id], int(HelperCheck.LEVEL_FOR_KIND[kind]))
    return levels


def helper_verification_level(*, user: User, on=None) -> int:
    """The highest verification level `user` holds today through unexpired, unrevoked checks."""
    day = on or timezone.localdate()
    best: int = VerificationLevel.NONE
    for check in HelperCheck.objects.filter(user=user, revoked_at__isnull=True):
        if check.is_valid_on(day):
            best = max(best, check.level)
    return int(best)
