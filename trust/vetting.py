"""Vetting as a policy, on the trust side: which checks a helper currently holds, what a set of
requirements still lacks, why a lapsed requirement lapsed, and the council's settings for
expiry warnings, the renewal window and DBS Update Service re-checks.

A check is *current* while it is not revoked, not superseded and not expired. Which checks a
kind of help needs is the marketplace's (`marketplace.vetting`); the legal floor it never goes
below is here (`floor_for_level`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Council, User
from accounts.permissions import Capability, staff_council
from core.audit import audit_record
from core.errors import ApplicationError
from trust.models import HelperCheck, VerificationLevel

KIND = HelperCheck.Kind

#: A current check of a kind on the right also meets a requirement of the kind on the left: an
#: enhanced DBS check includes checking who the helper is.
MEETS: dict[str, tuple[str, ...]] = {KIND.ID: (KIND.ID, KIND.DBS_ENHANCED_BARRED)}

DEFAULT_WARN_DAYS = (30, 7)
DEFAULT_RENEWAL_WINDOW_DAYS = 60
DEFAULT_RECHECK_EVERY_DAYS = 365


def floor_for_level(level: int) -> dict[str, int]:
    """The checks no council may go below for a category's verification level: enhanced DBS
    with the adults' barred list for regulated activity, an ID check for the level below."""
    if level >= VerificationLevel.ENHANCED_DBS_BARRED:
        return {KIND.DBS_ENHANCED_BARRED: 1}
    if level >= VerificationLevel.ID_CHECKED:
        return {KIND.ID: 1}
    return {}


def current_q(on: dt.date) -> Q:
    return Q(revoked_at__isnull=True, superseded_at__isnull=True) & (
        Q(expires_on__isnull=True) | Q(expires_on__gte=on)
    )


def current_checks(
    *, user_ids: Iterable[int], on: dt.date | None = None
) -> dict[int, dict[str, list[HelperCheck]]]:
    """Each person's current checks by kind, in one query (newest first)."""
    day = on or timezone.localdate()
    out: dict[int, dict[str, list[HelperCheck]]] = {uid: defaultdict(list) for uid in user_ids}
    rows = HelperCheck.objects.filter(user_id__in=list(out)).filter(current_q(day))
    for check in rows.order_by("-issued_on", "-id"):
        out[check.user_id][check.kind].append(check)
    return out


@dataclass
class KindStatus:
    """One required kind of check for one helper: how many are needed, which current ones
    meet it, and how many are missing."""

    kind: str
    needed: int
    held: list[HelperCheck] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(KIND(self.kind).label)

    @property
    def missing(self) -> int:
        return max(0, self.needed - len(self.held))

    @property
    def words(self) -> str:
        """The requirement in words: "2 references", "an induction"."""
        if self.needed > 1:
            return _several(self.kind, self.needed)
        return str(self.label)


def assess(
    *, required: Mapping[str, int], held: Mapping[str, list[HelperCheck]]
) -> list[KindStatus]:
    """What `required` (kind → how many) finds in `held` (current checks by kind)."""
    out = []
    for kind in KIND.values:
        if not required.get(kind):
            continue
        meeting = [c for k in MEETS.get(kind, (kind,)) for c in held.get(k, [])]
        out.append(KindStatus(kind=kind, needed=required[kind], held=meeting[: required[kind]]))
    return out


def _several(kind: str, count: int) -> str:
    """`count` checks of one kind, in words ("2 references")."""
    words = {"count": count}
    if kind == KIND.ID:
        return ngettext("%(count)s id check", "%(count)s id checks", count) % words
    if kind == KIND.DBS_ENHANCED_BARRED:
        return (
            ngettext(
                "%(count)s enhanced dbs with adults' barred list",
                "%(count)s enhanced dbs with adults' barred lists",
                count,
            )
            % words
        )
    if kind == KIND.INDUCTION:
        return ngettext("%(count)s induction", "%(count)s inductions", count) % words
    if kind == KIND.SAFEGUARDING_TRAINING:
        return (
            ngettext("%(count)s safeguarding training", "%(count)s safeguarding trainings", count)
            % words
        )
    if kind == KIND.DATA_PROTECTION_TRAINING:
        return (
            ngettext(
                "%(count)s data protection training", "%(count)s data protection trainings", count
            )
            % words
        )
    if kind == KIND.REFERENCE:
        return ngettext("%(count)s reference", "%(count)s references", count) % words
    return f"{count} {str(KIND(kind).label).lower()}s"


def missing_words(statuses: Iterable[KindStatus]) -> str:
    parts = []
    for s in statuses:
        if s.missing:
            if s.needed > 1 and s.held:
                parts.append(
                    _("%(checks)s (%(held)s of %(needed)s held)")
                    % {"checks": s.words, "held": len(s.held), "needed": s.needed}
                )
            else:
                parts.append(s.words)
    return ", ".join(parts)


class Lapse:
    """Why a helper does not hold a required kind: it was revoked, it expired, or they never
    held it (the words people are told depend on it)."""

    REVOKED = "revoked"
    EXPIRED = "expired"
    NEVER_HELD = "never_held"
    ORDER = (REVOKED, EXPIRED, NEVER_HELD)


def why_missing(*, user_id: int, kinds: Iterable[str], on: dt.date | None = None) -> str:
    """Why `user_id` lacks `kinds`: the latest ended check of those kinds says revoked or
    expired; none says never held. The first reason in `Lapse.ORDER` wins."""
    day = on or timezone.localdate()
    wanted = {k for kind in kinds for k in MEETS.get(kind, (kind,))}
    reasons = set()
    for kind in wanted:
        ended = (
            HelperCheck.objects.filter(user_id=user_id, kind=kind, superseded_at__isnull=True)
            .exclude(current_q(day))
            .order_by("-recorded_at", "-id")
            .first()
        )
        if ended is None:
            reasons.add(Lapse.NEVER_HELD)
        else:
            reasons.add(Lapse.REVOKED if ended.revoked_at else Lapse.EXPIRED)
    return next((r for r in Lapse.ORDER if r in reasons), Lapse.NEVER_HELD)


# --- The council's settings (`Council.settings["vetting"]`) -----------------------------------
@dataclass(frozen=True)
class VettingSettings:
    #: Days before expiry when the helper and staff are warned, longest first.
    warn_days: tuple[int, ...] = DEFAULT_WARN_DAYS
    #: How long before expiry a check is due for renewal (staff's "expiring" list).
    renewal_window_days: int = DEFAULT_RENEWAL_WINDOW_DAYS
    #: How often staff re-check a DBS certificate on the Update Service.
    recheck_every_days: int = DEFAULT_RECHECK_EVERY_DAYS


def vetting_settings(council: Council | None) -> VettingSettings:
    stored = (council.settings or {}).get("vetting", {}) if council else {}
    warn = tuple(sorted({int(d) for d in stored.get("warn_days", DEFAULT_WARN_DAYS)}, reverse=True))
    return VettingSettings(
        warn_days=warn or DEFAULT_WARN_DAYS,
        renewal_window_days=int(stored.get("renewal_window_days", DEFAULT_RENEWAL_WINDOW_DAYS)),
        recheck_every_days=int(stored.get("recheck_every_days", DEFAULT_RECHECK_EVERY_DAYS)),
    )


@transaction.atomic
def vetting_settings_update(
    *, actor: User, warn_days: Iterable[int], renewal_window_days: int, recheck_every_days: int
) -> VettingSettings:
    """Staff set when warnings go out, the renewal window and how often DBS is re-checked."""
    council = staff_council(actor, Capability.COUNCIL_SETTINGS)
    days = sorted({int(d) for d in warn_days}, reverse=True)
    if not days or len(days) > 4 or any(not 1 <= d <= 180 for d in days):
        raise ApplicationError(
            _("Give one to four warning days, each between 1 and 180."), code="warn_days"
        )
    if not 1 <= int(renewal_window_days) <= 180:
        raise ApplicationError(
            _("The renewal window is between 1 and 180 days."), code="renewal_window"
        )
    if not 30 <= int(recheck_every_days) <= 1095:
        raise ApplicationError(
            _("Re-check DBS certificates every 30 to 1095 days."), code="recheck_every"
        )
    locked = Council.objects.select_for_update().get(pk=council.pk)
    locked.settings = {
        **(locked.settings or {}),
        "vetting": {
            "warn_days": days,
            "renewal_window_days": int(renewal_window_days),
            "recheck_every_days": int(recheck_every_days),
        },
    }
    locked.save(update_fields=["settings"])
    audit_record(actor=actor, verb="council.vetting_settings_changed", target=locked, data={})
    return vetting_settings(locked)


def checks_of_person(*, user: User) -> QuerySet[HelperCheck]:
    return HelperCheck.objects.filter(user=user).order_by("-recorded_at", "-id")
