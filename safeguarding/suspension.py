"""Suspending a person and lifting it: they are signed out, their listings close and their
live matches end through `matching`; each other person is told, neutrally."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import Capability, council_person, staff_council
from accounts.services import user_sessions_end
from core.audit import audit_record, typed_text_facts
from core.errors import ApplicationError
from marketplace import lifecycle
from marketplace.models import Need, Offer
from marketplace.vetting import offers_vetting
from matching.models import Match
from matching.services import match_cancel
from trust.checks import REASON_MAX_LENGTH
from trust.concerns import concern_of
from trust.models import Suspension
from trust.vetting import Lapse, why_missing

logger = logging.getLogger(__name__)


# The offers staff may reopen when they lift a suspension: those that were listed when it
# closed them. One waiting for review was never shown; the helper can send it again.
LISTED = (Offer.Status.OPEN, Offer.Status.PAUSED)


@dataclass
class SuspensionResult:
    person: User
    needs_closed: int = 0
    offers_closed: int = 0
    matches_ended: int = 0
    sessions_ended: int = 0


@transaction.atomic
def person_suspend(
    *, actor: User, person_id: int, reason: str, concern_id: int | None = None
) -> SuspensionResult:
    """Suspend a person of the council at once.

    They are signed out everywhere. Their needs and offers are withdrawn (needs closed as
    withdrawn, offers closed), their live matches end through `matching`, and each other
    person in those matches is told only that the match has ended. The reason is kept on a
    `Suspension` row (the audit row says only that one was given), never sent to anyone.
    """
    council = staff_council(actor, Capability.SUSPENSION)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the person is being suspended."), code="reason_required")
    person = council_person(council=council, person_id=person_id, lock=True)
    if person.pk == actor.pk:
        raise ApplicationError(_("You cannot suspend yourself."), code="self")
    if person.is_suspended:
        raise ApplicationError(_("This person is already suspended."), code="already_suspended")
    concern = None
    if concern_id:
        concern = concern_of(council=council, concern_id=concern_id)
    person.suspended_at = timezone.now()
    person.save(update_fields=["suspended_at"])
    suspension = Suspension.objects.create(
        person=person,
        council=council,
        concern=concern,
        reason=reason[:REASON_MAX_LENGTH],
        suspended_by=actor,
        suspended_at=person.suspended_at,
    )
    result = SuspensionResult(person=person)

    # Signed out everywhere (web sessions and API tokens), audited by accounts.services.
    result.sessions_ended = user_sessions_end(actor=actor, person_id=person.pk)
    result.matches_ended = _end_matches_of(actor=actor, person=person)

    closable_needs = [s for s in lifecycle.NEED_CLOSE_REASONS if s != Need.Status.CLOSED]
    for need in Need.objects.select_for_update().filter(owner=person, status__in=closable_needs):
        lifecycle.need_transition(
            need=need, to=Need.Status.CLOSED, closed_reason=Need.ClosedReason.WITHDRAWN
        )
        audit_record(
            actor=actor, verb="need.withdrawn", target=need, data={"because": "owner_suspended"}
        )
        result.needs_closed += 1
    listed = []
    for offer in Offer.objects.select_for_update().filter(
        helper=person,
        status__in=[Offer.Status.PENDING_REVIEW, Offer.Status.OPEN, Offer.Status.PAUSED],
    ):
        if offer.status in LISTED:
            listed.append(offer.pk)
        lifecycle.offer_transition(offer=offer, to=Offer.Status.CLOSED)
        audit_record(
            actor=actor, verb="offer.closed", target=offer, data={"because": "helper_suspended"}
        )
        result.offers_closed += 1
    if listed:
        suspension.closed_offer_ids = sorted(listed)
        suspension.save(update_fields=["closed_offer_ids"])

    audit_record(
        actor=actor,
        verb="person.suspended",
        target=person,
        council=council,
        target_type="person",
        data={
            **typed_text_facts(reason[:REASON_MAX_LENGTH]),  # the words stay on the Suspension
            "concern_id": concern.pk if concern else None,
            "needs_closed": result.needs_closed,
            "offers_closed": result.offers_closed,
            "matches_ended": result.matches_ended,
        },
    )
    return result


def _end_matches_of(*, actor: User, person: User) -> int:
    """Cancel every live match the person is in through `matching.services.match_cancel`
    (which audits each one and puts the other person's need back to open), and tell each
    other person, neutrally, that the match has ended. No reason is stored on the match,
    because the people in it can read it; the reason is on the `Suspension`."""
    live = list(
        Match.objects.select_related("need__owner", "offer__helper")
        .filter(Q(need__owner=person) | Q(offer__helper=person), status__in=Match.LIVE)
        .order_by("id")
    )
    for match in live:
        # The other person is told by the notifications room (`match.cancelled`).
        match_cancel(user=actor, match_id=match.pk, reason="")
    return len(live)


@dataclass
class NotReopened:
    offer: Offer
    why: str


@dataclass
class ReinstatementResult:
    person: User
    # Open again, or waiting for review if the helper changed its words while it was paused.
    offers_reopened: list[Offer] = field(default_factory=list)
    offers_not_reopened: list[NotReopened] = field(default_factory=list)


def offers_to_reopen(*, actor: User, person_id: int) -> list[Offer]:
    """The offers the person's suspension in force closed and that are still closed: what
    staff lifting it may reopen (the person's page offers them, all ticked)."""
    council = staff_council(actor, Capability.SUSPENSION)
    person = council_person(council=council, person_id=person_id)
    suspension = Suspension.objects.filter(person=person, reinstated_at__isnull=True).first()
    if suspension is None or not suspension.closed_offer_ids:
        return []
    return list(
        Offer.objects.filter(
            pk__in=suspension.closed_offer_ids, helper=person, status=Offer.Status.CLOSED
        )
        .select_related("category")
        .order_by("id")
    )


@transaction.atomic
def person_reinstate(
    *, actor: User, person_id: int, note: str, reopen_offer_ids: list[int] | None = None
) -> ReinstatementResult:
    """Lift a suspension, and reopen the offers staff chose among those it closed.

    An offer is reopened only if the suspension closed it and it is still closed, and only if
    the helper still holds the check its kind of help needs (`trust.checks`); one that does
    not stays closed and the result says why. A reopened offer is open again, or waits for
    review if its words changed while it was paused (as `offer_resume` would do). Needs closed
    at suspension stay closed; the person can record new ones.
    """
    council = staff_council(actor, Capability.SUSPENSION)
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("Say why the person is being reinstated."), code="reason_required")
    person = council_person(council=council, person_id=person_id, lock=True)
    suspended_at = person.suspended_at  # `person.is_suspended`, kept typed as a datetime
    if suspended_at is None:
        raise ApplicationError(_("This person is not suspended."), code="not_suspended")
    person.suspended_at = None
    person.save(update_fields=["suspended_at"])
    note = note[:REASON_MAX_LENGTH]
    # The suspension in force gets the note. A person suspended before suspensions had their
    # own rows (and not copied by migration 0004) has none: one is made so the note has a home.
    suspension = (
        Suspension.objects.select_for_update()
        .filter(person=person, reinstated_at__isnull=True)
        .first()
    ) or Suspension(person=person, council=council, reason="", suspended_at=suspended_at)
    suspension.reinstated_by = actor
    suspension.reinstated_at = timezone.now()
    suspension.reinstatement_note = note
    suspension.save()
    result = _reopen_offers(
        actor=actor, suspension=suspension, chosen=reopen_offer_ids or [], person=person
    )
    audit_record(
        actor=actor,
        verb="person.reinstated",
        target=person,
        council=council,
        target_type="person",
        data={
            **typed_text_facts(note, key="note"),
            "suspended_at": suspended_at.isoformat(),
            "offers_reopened": [offer.pk for offer in result.offers_reopened],
            "offers_not_reopened": [left.offer.pk for left in result.offers_not_reopened],
        },
    )
    return result


def _reopen_offers(
    *, actor: User, suspension: Suspension, chosen: list[int], person: User
) -> ReinstatementResult:
    result = ReinstatementResult(person=person)
    chosen_ids = {int(pk) for pk in chosen}
    if not chosen_ids:
        return result
    if not chosen_ids <= set(suspension.closed_offer_ids):
        raise ApplicationError(
            _("Choose only offers that the suspension closed."), code="not_closed_by_suspension"
        )
    offers = list(
        Offer.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(pk__in=chosen_ids, helper=person, status=Offer.Status.CLOSED)
        .order_by("id")
    )
    vettings = offers_vetting(offers)
    for offer in offers:
        vetting = vettings[offer.pk]
        if not vetting.ok:
            result.offers_not_reopened.append(
                NotReopened(
                    offer=offer,
                    why=_not_reopened_words(person, offer, vetting),
                )
            )
            continue
        # Words changed while paused (`offer_update` clears `published_at`): a moderator
        # looks at them first, as when the helper resumes it.
        to = Offer.Status.OPEN if offer.published_at else Offer.Status.PENDING_REVIEW
        lifecycle.offer_transition(offer=offer, to=to, reopen=True)
        audit_record(
            actor=actor,
            verb="offer.reopened",
            target=offer,
            data={"because": "helper_reinstated", "status": to},
        )
        result.offers_reopened.append(offer)
    return result


def _not_reopened_words(person: User, offer: Offer, vetting) -> str:
    """Why an offer stays closed: "no longer holds" only for a check that existed; "has never
    held" otherwise."""
    values = {
        "category": offer.category.local_name,
        "name": person.public_name,
        "missing": vetting.missing_words,
    }
    if why_missing(user_id=person.pk, kinds=vetting.missing_kinds) == Lapse.NEVER_HELD:
        return _("%(category)s needs checks that %(name)s has never held: %(missing)s") % values
    return _("%(category)s needs checks that %(name)s no longer holds: %(missing)s") % values
