"""Helper checks: recording them (each supersedes the current one of its kind), the renewal
and DBS re-check queues, and reading which checks and verification level a helper
holds (what marketplace and matching need to decide who may help with what)."""

from __future__ import annotations

import datetime as dt
import logging
import re

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Council, User
from accounts.permissions import Capability, council_person, staff_council
from core.audit import audit_record
from core.crypto import encrypt_text
from core.errors import ApplicationError
from trust.models import (
    HelperCheck,
    VerificationLevel,
)
from trust.vetting import current_q, vetting_settings

logger = logging.getLogger(__name__)


EXPIRING_WITHIN_DAYS = 30


FULL_CERTIFICATE_MESSAGE = gettext_lazy(
    "Enter only the last 4 characters of the certificate number. Kith never stores a whole "
    "certificate number."
)


# Said when a certificate number is given for a kind of check that has none.
_NO_CERTIFICATE = {
    HelperCheck.Kind.ID: gettext_lazy("An id check has no certificate number. Leave it empty."),
    HelperCheck.Kind.INDUCTION: gettext_lazy(
        "An induction has no certificate number. Leave it empty."
    ),
    HelperCheck.Kind.SAFEGUARDING_TRAINING: gettext_lazy(
        "A safeguarding training has no certificate number. Leave it empty."
    ),
    HelperCheck.Kind.DATA_PROTECTION_TRAINING: gettext_lazy(
        "A data protection training has no certificate number. Leave it empty."
    ),
    HelperCheck.Kind.REFERENCE: gettext_lazy(
        "A reference has no certificate number. Leave it empty."
    ),
}


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
            _("The last 4 characters of a certificate number are letters or digits, 4 of them."),
            code="invalid_certificate_last4",
        )
    return cleaned


def _clean_certificate_number(value: str) -> str:
    cleaned = re.sub(r"[\s-]", "", value or "")
    if cleaned and not re.fullmatch(r"\d{12}", cleaned):
        raise ApplicationError(
            _("A DBS certificate number is 12 digits."), code="invalid_certificate_number"
        )
    return cleaned


def _check_fields(
    *,
    kind: str,
    issued_on: dt.date,
    expires_on: dt.date | None,
    last4: str,
    referee_name: str,
    certificate_number: str,
    update_service_consent: bool,
) -> None:
    """Refuse what does not fit the kind of check (its certificate, its referee, its dates)."""
    if kind != HelperCheck.Kind.DBS_ENHANCED_BARRED and (last4 or certificate_number):
        raise ApplicationError(
            _NO_CERTIFICATE[HelperCheck.Kind(kind)], code="id_has_no_certificate"
        )
    if kind == HelperCheck.Kind.DBS_ENHANCED_BARRED:
        if not last4:
            raise ApplicationError(
                _("Enter the last 4 characters of the DBS certificate number."),
                code="certificate_required",
            )
        if expires_on is None:
            raise ApplicationError(
                _("Enter the date by which this DBS check must be renewed."),
                code="expiry_required",
            )
    if certificate_number and not update_service_consent:
        raise ApplicationError(
            _(
                "Kith keeps a whole certificate number only when the helper has agreed to DBS "
                "Update Service status checks. Record their consent, or enter only the last 4 "
                "characters."
            ),
            code="consent_required",
        )
    if update_service_consent and not certificate_number:
        raise ApplicationError(
            _("Enter the whole 12-digit certificate number for Update Service status checks."),
            code="certificate_number_required",
        )
    if kind == HelperCheck.Kind.REFERENCE and not referee_name:
        raise ApplicationError(_("Enter who gave the reference."), code="referee_required")
    if kind != HelperCheck.Kind.REFERENCE and referee_name:
        raise ApplicationError(
            _("Only a reference has a referee. Leave it empty."), code="referee_not_reference"
        )
    _check_dates(issued_on=issued_on, expires_on=expires_on)


def _check_dates(*, issued_on: dt.date, expires_on: dt.date | None) -> None:
    today = timezone.localdate()
    if issued_on > today:
        raise ApplicationError(_("The issue date cannot be in the future."), code="issued_future")
    if expires_on is not None:
        if expires_on < issued_on:
            raise ApplicationError(
                _("The expiry date must be after the issue date."), code="expiry_before_issue"
            )
        if expires_on < today:
            raise ApplicationError(
                _("This check has already expired. Record a current check."), code="expired"
            )


def _supersede_previous(*, user_id: int, kind: str) -> list[int]:
    """The helper's earlier unrevoked checks of `kind` give way to the one being recorded (for
    references, all but the newest earlier one: two are current at once)."""
    keep = HelperCheck.CURRENT_AT_ONCE.get(kind, 1) - 1
    earlier = list(
        HelperCheck.objects.select_for_update()
        .filter(
            user_id=user_id,
            kind=kind,
            revoked_at__isnull=True,
            superseded_at__isnull=True,
        )
        .order_by("-issued_on", "-recorded_at", "-id")
    )[keep:]
    ids = [c.pk for c in earlier]
    if ids:
        HelperCheck.objects.filter(pk__in=ids).update(superseded_at=timezone.now())
    return ids


@transaction.atomic
def helper_check_record(
    *,
    actor: User,
    helper_id: int,
    kind: str,
    issued_on: dt.date,
    expires_on: dt.date | None,
    certificate_last4: str = "",
    referee_name: str = "",
    certificate_number: str = "",
    update_service_consent: bool = False,
) -> HelperCheck:
    """Record a check that staff have seen for a helper of their council. It supersedes the
    helper's current check of the same kind (references: the older of two).

    With the helper's consent to DBS Update Service checks, the whole certificate number is
    kept, encrypted (`core.crypto`); it never reaches the audit row, a log line or a page."""
    council = staff_council(actor, Capability.HELPER_CHECKS)
    helper = council_person(council=council, person_id=helper_id)
    if kind not in HelperCheck.Kind.values:
        raise ApplicationError(_("Choose the kind of check."), code="invalid_kind")
    number = _clean_certificate_number(certificate_number)
    last4 = _clean_certificate_last4(certificate_last4)
    if number:
        if last4 and last4 != number[-4:]:
            raise ApplicationError(
                _("The last 4 characters do not match the certificate number."),
                code="last4_mismatch",
            )
        last4 = number[-4:]
    referee_name = (referee_name or "").strip()[:120]
    _check_fields(
        kind=kind,
        issued_on=issued_on,
        expires_on=expires_on,
        last4=last4,
        referee_name=referee_name,
        certificate_number=number,
        update_service_consent=update_service_consent,
    )
    superseded = _supersede_previous(user_id=helper.pk, kind=kind)
    check = HelperCheck.objects.create(
        user=helper,
        council=council,
        kind=kind,
        issued_on=issued_on,
        expires_on=expires_on,
        certificate_last4=last4,
        referee_name=referee_name,
        recorded_by=actor,
        update_service_consent_at=timezone.now() if update_service_consent else None,
        certificate_number_encrypted=encrypt_text(number),
    )
    if superseded:
        HelperCheck.objects.filter(pk__in=superseded).update(superseded_by=check)
    # Never the certificate number or the referee's name: the audit log is kept longer.
    audit_record(
        actor=actor,
        verb="helper_check.recorded",
        target=check,
        data={
            "person_id": helper.pk,
            "kind": kind,
            "issued_on": issued_on.isoformat(),
            "expires_on": expires_on.isoformat() if expires_on else None,
            "supersedes": superseded,
            "update_service": bool(update_service_consent),
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
    *, council: Council, within_days: int | None = None, today: dt.date | None = None
) -> QuerySet[HelperCheck]:
    """The council's current checks inside their renewal window (`within_days`, by default
    the council's setting): expiring between today and then and not yet superseded by a
    renewal, soonest first."""
    today = today or timezone.localdate()
    if within_days is None:
        within_days = vetting_settings(council).renewal_window_days
    return (
        HelperCheck.objects.filter(
            council=council,
            revoked_at__isnull=True,
            superseded_at__isnull=True,
            expires_on__gte=today,
            expires_on__lte=today + dt.timedelta(days=within_days),
        )
        .select_related("user")
        .order_by("expires_on", "id")
    )


def dbs_rechecks_due(*, council: Council, today: dt.date | None = None) -> QuerySet[HelperCheck]:
    """Current DBS checks whose helper agreed to Update Service checks and whose status was
    never checked, or last checked longer ago than the council's re-check interval."""
    today = today or timezone.localdate()
    every = vetting_settings(council).recheck_every_days
    return (
        HelperCheck.objects.filter(
            council=council,
            kind=HelperCheck.Kind.DBS_ENHANCED_BARRED,
            update_service_consent_at__isnull=False,
        )
        .filter(current_q(today))
        .filter(
            Q(status_checked_on__isnull=True)
            | Q(status_checked_on__lte=today - dt.timedelta(days=every))
        )
        .select_related("user")
        .order_by(F("status_checked_on").asc(nulls_first=True), "id")
    )


def verification_levels(*, user_ids, on: dt.date | None = None) -> dict[int, int]:
    """Each person's verification level on `on` (default today), in one query: the highest
    level among their unrevoked, unexpired checks; 0 for people with none."""
    day = on or timezone.localdate()
    levels: dict[int, int] = dict.fromkeys(user_ids, int(VerificationLevel.NONE))
    rows = HelperCheck.objects.filter(user_id__in=list(levels)).filter(current_q(day))
    for user_id, kind in rows.values_list("user_id", "kind"):
        levels[user_id] = max(levels[user_id], int(HelperCheck.LEVEL_FOR_KIND[kind]))
    return levels


def helper_verification_level(*, user: User, on=None) -> int:
    """The highest verification level `user` holds today through unexpired, unrevoked checks."""
    day = on or timezone.localdate()
    best: int = VerificationLevel.NONE
    for check in HelperCheck.objects.filter(user=user, revoked_at__isnull=True, superseded_at=None):
        if check.is_valid_on(day):
            best = max(best, check.level)
    return int(best)
