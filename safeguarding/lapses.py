"""What follows when a helper stops holding a check their kind of help needs (it expired, was
revoked, or was never recorded): the offers that need it are paused, the live matches that
depended on it are held for staff review, and both people are told in words that fit
(`offer.paused_check_lapsed`, `match.held_check`, each audited with `why`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import NOT_FOUND_MESSAGE, Capability, staff_council
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from marketplace import lifecycle
from marketplace.models import Offer
from marketplace.vetting import offer_vetting, offers_vetting
from matching.models import Match
from safeguarding.models import MatchHold
from trust.vetting import why_missing


@dataclass
class LapseResult:
    paused: list[int] = field(default_factory=list)  # offer ids
    held: list[int] = field(default_factory=list)  # match ids


def lapses_follow(*, helper_ids=None, on: dt.date | None = None) -> LapseResult:
    """Pause each open offer whose helper lacks a check its category needs, and hold the live
    matches made through it. Runs daily (`safeguarding.tasks.helper_checks_enforce_expiry`)
    and straight after a revocation; each offer in its own transaction."""
    result = LapseResult()
    offers = Offer.objects.filter(status=Offer.Status.OPEN).select_related("category")
    if helper_ids is not None:
        offers = offers.filter(helper_id__in=list(helper_ids))
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
            why = why_missing(user_id=offer.helper_id, kinds=kinds, on=on)
            lifecycle.offer_transition(offer=offer, to=Offer.Status.PAUSED)
            audit_record(
                actor=None,
                verb="offer.paused_check_lapsed",
                target=offer,
                data={"missing": kinds, "why": why},
            )
            result.paused.append(offer.pk)
            result.held += _hold_matches(offer=offer, kinds=kinds, why=why)
    return result


def _hold_matches(*, offer: Offer, kinds: list[str], why: str) -> list[int]:
    held = []
    live = Match.objects.select_for_update().filter(offer=offer, status__in=Match.LIVE)
    for match in live.order_by("id"):
        if MatchHold.objects.filter(match=match, resolved_at__isnull=True).exists():
            continue
        hold = MatchHold.objects.create(
            match=match, council_id=match.council_id, why=why, kinds=kinds
        )
        audit_record(
            actor=None,
            verb="match.held_check",
            target=match,
            data={"hold_id": hold.pk, "why": why, "missing": kinds, "offer_id": offer.pk},
        )
        held.append(match.pk)
    return held


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
            "This match cannot go on: the helper still does not hold "
            f"{vetting.missing_words}. Record the checks first, or end the match.",
            code="checks_missing",
        )
    hold.resolved_at = timezone.now()
    hold.resolved_by = actor
    hold.outcome = MatchHold.Outcome.CONTINUED
    hold.save(update_fields=["resolved_at", "resolved_by", "outcome"])
    audit_record(actor=actor, verb="match.hold_released", target=hold.match, data={})
    return hold
