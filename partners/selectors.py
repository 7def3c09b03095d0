"""Reads of the partners room: who is a referrer, their referrals and each referral's progress
in plain words, and the council's partner organisations for staff.

A referrer sees only their own referrals; anyone else's (another referrer's, another
organisation's or council's) is "not found". What a referrer reads never holds the match's
messages, the helper or where anyone lives: only the stage the help has reached.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from accounts.models import Council, User
from arrangements.models import Arrangement, Visit
from core.errors import NotFound
from marketplace.models import Need
from matching.models import Match

from .models import PartnerOrganisation, Referral, Referrer

NOT_FOUND_MESSAGE = gettext_lazy("Not found.")


# --- Referrers ------------------------------------------------------------------------------
def is_referrer(user_id: int) -> bool:
    """Whether the account is a partner organisation's referrer (active or not): held to the
    staff's second-factor rule (`accounts.second_factor.PRIVILEGED_ACCOUNTS`)."""
    return Referrer.objects.filter(user_id=user_id).exists()


def referrer_of(user: User | None) -> Referrer | None:
    """The active referrer record of a signed-in, active, unsuspended account, else None."""
    if user is None or not user.is_authenticated or not user.is_active or user.is_suspended:
        return None
    return (
        Referrer.objects.select_related("organisation__council", "user")
        .filter(user_id=user.pk, active=True)
        .first()
    )


# --- Progress in plain words ----------------------------------------------------------------
# Each stage is named by its English words (marked for translation; `ReferralRow.words` or
# `{% translate row.status %}` shows them in the page's language).
WAITING = gettext_noop("Waiting for review")
LOOKING = gettext_noop("Looking for a helper")
FOUND = gettext_noop("Helper found")
RUNNING = gettext_noop("Visits running")
ENDED = gettext_noop("Ended")

TAG = {WAITING: "grey", LOOKING: "blue", FOUND: "green", RUNNING: "green", ENDED: "grey"}

_LIVE = (Match.Status.ACCEPTED, Match.Status.ACTIVE)


def _visits_happened(match_ids: list[int]) -> set[int]:
    """Of these matches, those whose arrangement is running with a visit that happened."""
    happened = Q(visits__status=Visit.Status.DONE) | Q(visits__helper_answer="yes")
    happened |= Q(visits__citizen_answer="yes")
    return set(
        Arrangement.objects.filter(match_id__in=match_ids, status=Arrangement.Status.RUNNING)
        .annotate(done=Count("visits", filter=happened))
        .filter(done__gt=0)
        .values_list("match_id", flat=True)
    )


def _status(need: Need | None, live: list[Match], running_ids: set[int]) -> str:
    if need is None:
        return ENDED
    if any(m.status == Match.Status.ACTIVE or m.pk in running_ids for m in live):
        return RUNNING
    if live:
        return FOUND
    if need.status in (Need.Status.DRAFT, Need.Status.PENDING_REVIEW):
        return WAITING
    if need.status == Need.Status.OPEN:
        return LOOKING
    return ENDED


@dataclass(frozen=True)
class ReferralRow:
    """A referral as its referrer and staff see it: no helper, no messages, no place."""

    referral: Referral
    status: str

    @property
    def tag(self) -> str:
        return TAG[self.status]

    @property
    def words(self) -> str:
        """The stage in the page's language."""
        return gettext(self.status)


def with_status(referrals: list[Referral]) -> list[ReferralRow]:
    """Each referral's stage, in three queries for the whole list."""
    need_ids = [r.need_id for r in referrals if r.need_id]
    live: dict[int, list[Match]] = {}
    for match in Match.objects.filter(need_id__in=need_ids, status__in=_LIVE).only(
        "pk", "need_id", "status"
    ):
        live.setdefault(match.need_id, []).append(match)
    running = _visits_happened([m.pk for ms in live.values() for m in ms])
    return [
        ReferralRow(r, _status(r.need, live.get(r.need_id or 0, []), running)) for r in referrals
    ]


def referral_status(referral: Referral) -> str:
    return with_status([referral])[0].status


def _referrals() -> QuerySet[Referral]:
    return Referral.objects.select_related(
        "need__category", "person", "organisation", "referrer__user"
    )


def referrals_of(*, referrer: Referrer) -> list[ReferralRow]:
    """A referrer's own referrals, newest first."""
    return with_status(list(_referrals().filter(referrer=referrer)[:500]))


def referral_of(*, referrer: Referrer, referral_id) -> ReferralRow:
    """One of the referrer's own referrals; any other is "not found"."""
    try:
        referral_id = int(referral_id)
    except (TypeError, ValueError):
        raise NotFound(NOT_FOUND_MESSAGE) from None
    referral = _referrals().filter(pk=referral_id, referrer=referrer).first()
    if referral is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return with_status([referral])[0]


def referrer_for_need(need_id: int) -> Referrer | None:
    """Whoever referred the person for this need, while they may still hear of it: an active
    referrer of an organisation whose access is not paused."""
    referral = (
        Referral.objects.select_related("referrer__user", "referrer__organisation")
        .filter(need_id=need_id)
        .first()
    )
    if referral is None:
        return None
    referrer = referral.referrer
    if not referrer.active or referrer.organisation.is_suspended:
        return None
    return referrer


def referral_for_need(need_id: int) -> Referral | None:
    return Referral.objects.select_related("need__category").filter(need_id=need_id).first()


# --- For staff ------------------------------------------------------------------------------
def organisations_of(*, council: Council) -> QuerySet[PartnerOrganisation]:
    return PartnerOrganisation.objects.filter(council=council).annotate(
        referral_count=Count("referrals", distinct=True),
        referrer_count=Count("referrers", distinct=True),
    )


def organisation_of(*, council: Council, organisation_id) -> PartnerOrganisation:
    """One of the council's partner organisations; another council's is "not found"."""
    try:
        organisation_id = int(organisation_id)
    except (TypeError, ValueError):
        raise NotFound(NOT_FOUND_MESSAGE) from None
    found = (
        PartnerOrganisation.objects.prefetch_related("categories")
        .filter(pk=organisation_id, council=council)
        .first()
    )
    if found is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return found


def referrers_of(*, organisation: PartnerOrganisation) -> QuerySet[Referrer]:
    return (
        Referrer.objects.filter(organisation=organisation)
        .select_related("user")
        .annotate(referral_count=Count("referrals"))
        .order_by("user__display_name", "pk")
    )


def referrer_in(*, council: Council, referrer_id) -> Referrer:
    """A referrer of one of the council's organisations; any other is "not found"."""
    try:
        referrer_id = int(referrer_id)
    except (TypeError, ValueError):
        raise NotFound(NOT_FOUND_MESSAGE) from None
    found = (
        Referrer.objects.select_related("user", "organisation")
        .filter(pk=referrer_id, organisation__council=council)
        .first()
    )
    if found is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return found


def referrals_of_organisation(*, organisation: PartnerOrganisation) -> list[ReferralRow]:
    return with_status(list(_referrals().filter(organisation=organisation)[:500]))


def referrals_by_referrer(*, referrer: Referrer) -> list[ReferralRow]:
    return with_status(list(_referrals().filter(referrer=referrer)[:500]))
