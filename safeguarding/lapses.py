"""What follows when a helper stops holding a check their kind of help needs (it expired, was
revoked, or was never recorded): the offers that need it are paused, the live matches that
depended on it are held for staff review, and both people are told in words that fit
(`offer.paused_check_lapsed`, `match.held_check`, each audited with `why`). The same steps
follow when a council newly asks for a check for a kind of help (`category_requirements_change`,
`why` "now_required"). A held match's visits are on hold meanwhile: the arrangements room
listens to `match.held_check` and `match.hold_released` (`arrangements.follow`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import NOT_FOUND_MESSAGE, Capability, staff_council
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from marketplace import lifecycle
from marketplace.models import Category, Offer
from marketplace.vetting import (
    council_requirements_set,
    council_requirements_would_be,
    offer_vetting,
    offers_vetting,
    requirements_of,
)
from matching.models import Match
from safeguarding.models import MatchHold
from trust.vetting import assess, current_checks, why_missing


@dataclass
class LapseResult:
    paused: list[int] = field(default_factory=list)  # offer ids
    held: list[int] = field(default_factory=list)  # match ids


def lapses_follow(
    *,
    helper_ids=None,
    on: dt.date | None = None,
    council_id: int | None = None,
    category_id: int | None = None,
    now_required: Collection[str] = (),
) -> LapseResult:
    """Pause each open offer whose helper lacks a check its category needs, and hold the live
    matches made through it. Runs daily (`safeguarding.tasks.helper_checks_enforce_expiry`),
    straight after a revocation, and when a council asks for more checks for a kind of help
    (`category_requirements_change`: `now_required` are the kinds it newly asks for, and an
    offer lacking one of them is paused in those words, not as a lapse); each offer in its own
    transaction (a savepoint inside a caller's)."""
    result = LapseResult()
    offers = Offer.objects.filter(status=Offer.Status.OPEN).select_related("category")
    if helper_ids is not None:
        offers = offers.filter(helper_id__in=list(helper_ids))
    if council_id is not None:
        offers = offers.filter(council_id=council_id)
    if category_id is not None:
        offers = offers.filter(category_id=category_id)
    vettings = offers_vetting(offers, on=on)
    for offer_id, vetting in vettings.items():
        if vetting.ok:
            continue
        with transaction.atomic():
            offer = (
                Offer.objects.select_for_update(of=("self",))
                .select_related("category", "helper")
                .filter(pk=offer_id, status=Offer.Status.OPEN)
                .first()
            )
            if offer is None:
                continue
            kinds = vetting.missing_kinds
            asked = [kind for kind in kinds if kind in now_required]
            if asked:
                why = str(NOW_REQUIRED)
            else:
                why = why_missing(user_id=offer.helper_id, kinds=kinds, on=on)
            lifecycle.offer_transition(offer=offer, to=Offer.Status.PAUSED)
            data = {"missing": kinds, "why": why}
            if asked:
                data["asked"] = asked
            audit_record(actor=None, verb="offer.paused_check_lapsed", target=offer, data=data)
            result.paused.append(offer.pk)
            result.held += _hold_matches(offer=offer, kinds=kinds, why=why, asked=asked)
    return result


def _hold_matches(
    *, offer: Offer, kinds: list[str], why: str, asked: list[str] | None = None
) -> list[int]:
    held = []
    live = Match.objects.select_for_update().filter(offer=offer, status__in=Match.LIVE)
    for match in live.order_by("id"):
        if MatchHold.objects.filter(match=match, resolved_at__isnull=True).exists():
            continue
        hold = MatchHold.objects.create(
            match=match, council_id=match.council_id, why=why, kinds=kinds
        )
        data = {"hold_id": hold.pk, "why": why, "missing": kinds, "offer_id": offer.pk}
        if asked:
            data["asked"] = asked
        audit_record(actor=None, verb="match.held_check", target=match, data=data)
        held.append(match.pk)
    return held


# --- A council asks for more checks ---------------------------------------------------------
NOW_REQUIRED = MatchHold.Why.NOW_REQUIRED


@dataclass(frozen=True)
class RequirementsPreview:
    """What saving a kind of help's checks would do now: how many of the council's open
    offers of it would be paused, and how many live matches held for staff."""

    offers: int
    matches: int


def _failing_offers(*, council, category: Category, required: dict[str, int]) -> list[int]:
    offers = list(
        Offer.objects.filter(status=Offer.Status.OPEN, council=council, category=category).only(
            "pk", "helper_id"
        )
    )
    held = current_checks(user_ids={o.helper_id for o in offers})
    return [
        o.pk
        for o in offers
        if any(s.missing for s in assess(required=required, held=held[o.helper_id]))
    ]


def category_requirements_preview(
    *, council, category: Category, kinds: Iterable[str]
) -> RequirementsPreview:
    """How many open offers and live matches saving `kinds` for `category` would pause and
    hold — said to staff before they save (nothing is saved here)."""
    required = council_requirements_would_be(category=category, kinds=kinds)
    failing = _failing_offers(council=council, category=category, required=required)
    matches = (
        Match.objects.filter(offer_id__in=failing, status__in=Match.LIVE)
        .exclude(pk__in=MatchHold.objects.filter(resolved_at__isnull=True).values("match_id"))
        .count()
    )
    return RequirementsPreview(offers=len(failing), matches=matches)


@transaction.atomic
def category_requirements_change(
    *, actor: User, category: Category, kinds: Iterable[str]
) -> LapseResult:
    """A council changes the checks it adds for a kind of help
    (`marketplace.vetting.council_requirements_set`, audited), and the open offers of it in
    the council whose helper lacks a check it now needs are paused at once, and their live
    matches held for staff, by the same steps as a lapse — their helpers told that the council
    now asks for the check, not that anything lapsed. Removing a check reopens nothing: a
    paused offer's helper resumes it, which asks again what the help needs."""
    council = staff_council(actor, Capability.COUNCIL_SETTINGS)
    before = requirements_of(category=category, council=council)
    after = council_requirements_set(actor=actor, category=category, kinds=kinds)
    asked = [kind for kind, count in after.items() if count > before.get(kind, 0)]
    return lapses_follow(council_id=council.pk, category_id=category.pk, now_required=asked)


def match_holds_open(*, council) -> list[MatchHold]:
    """The council's held matches waiting for staff, oldest first (a match that ended
    meanwhile, say cancelled by staff, needs no decision)."""
    return list(
        MatchHold.objects.filter(
            council=council, resolved_at__isnull=True, match__status__in=Match.LIVE
        )
        .select_related("match__offer__category", "match__offer__helper", "match__need__owner")
        .order_by("created_at", "id")
    )


@transaction.atomic
def match_hold_release(*, actor: User, hold_id: int) -> MatchHold:
    """Staff let a held match go on: only once its helper holds every check again."""
    council = staff_council(actor, Capability.HELPER_CHECKS)
    hold = (
        MatchHold.objects.select_for_update(of=("self",))
        .select_related("match__offer__category")
        .filter(pk=hold_id, council=council, resolved_at__isnull=True)
        .first()
    )
    if hold is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    vetting = offer_vetting(hold.match.offer)
    if not vetting.ok:
        raise ApplicationError(
            _(
                "This match cannot go on: the helper still does not hold %(missing)s. Record "
                "the checks first, or end the match."
            )
            % {"missing": vetting.missing_words},
            code="checks_missing",
        )
    hold.resolved_at = timezone.now()
    hold.resolved_by = actor
    hold.outcome = MatchHold.Outcome.CONTINUED
    hold.save(update_fields=["resolved_at", "resolved_by", "outcome"])
    audit_record(actor=actor, verb="match.hold_released", target=hold.match, data={})
    return hold
