"""Council staff work on people: helper checks, safeguarding concerns, suspension and
reinstatement, and finding and reading people's records.

Writes (`*_record`, `*_raise`, `*_suspend`, ...) run in one transaction and write an
`AuditEvent` in it, so a change and its record stand or fall together. Reads that show
personal data to staff (`people_search`, `person_view`) are audited too. Every function takes
the acting staff member and works only within that person's council: an object of another
council is "not found", never "forbidden", so nobody learns that it exists.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from marketplace import lifecycle
from marketplace.audit import audit_record, typed_text_facts
from marketplace.models import AuditEvent, Category, Need, Offer

from .errors import ApplicationError, NotFound
from .models import (
    ConcernNote,
    Council,
    HelperCheck,
    SafeguardingConcern,
    StaffMembership,
    Suspension,
    User,
    VerificationLevel,
)
from .permissions import ROLE_CAPABILITIES, Capability, active_staff_membership, staff_can
from .services import user_sessions_end

logger = logging.getLogger(__name__)

EXPIRING_WITHIN_DAYS = 30
NOT_FOUND_MESSAGE = "Not found."
FULL_CERTIFICATE_MESSAGE = (
    "Enter only the last 4 characters of the certificate number. Kith never stores a whole "
    "certificate number."
)


def _staff_council(actor: User, capability: Capability) -> Council:
    """The actor's council if they hold `capability` there; refuses otherwise."""
    membership = active_staff_membership(actor)
    if membership is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    if not staff_can(actor, capability):
        raise ApplicationError(
            "Your staff role does not include this. Ask your council admin.", code="forbidden"
        )
    return membership.council


def _person_of(*, council: Council, person_id, lock: bool = False) -> User:
    try:
        person_id = int(person_id)
    except (TypeError, ValueError):
        raise NotFound(NOT_FOUND_MESSAGE) from None
    qs = User.objects.filter(pk=person_id, council=council)
    if lock:
        qs = qs.select_for_update(of=("self",))
    person = qs.first()
    if person is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return person


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
    council = _staff_council(actor, Capability.HELPER_CHECKS)
    helper = _person_of(council=council, person_id=helper_id)
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


@transaction.atomic
def helper_check_revoke(*, actor: User, check_id: int, reason: str) -> HelperCheck:
    """Withdraw a check (recorded in error, or the certificate turned out to be unsafe). The
    helper's offers that needed it are paused at once."""
    council = _staff_council(actor, Capability.HELPER_CHECKS)
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


@dataclass(frozen=True)
class LevelUnlocks:
    level: int
    label: str
    categories: list[Category] = field(default_factory=list)  # newly unlocked at this level


def categories_by_level() -> list[LevelUnlocks]:
    """For each verification level, the active categories a helper may offer from that level
    up (each category listed at the lowest level that unlocks it)."""
    by_level: dict[int, list[Category]] = defaultdict(list)
    for category in Category.objects.filter(is_active=True):
        by_level[category.required_level].append(category)
    return [
        LevelUnlocks(level=int(value), label=label, categories=by_level.get(int(value), []))
        for value, label in VerificationLevel.choices
    ]


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


def offers_pause_unqualified(*, helper_ids=None, on: dt.date | None = None) -> int:
    """Pause open offers whose helper no longer holds the level their category requires
    (a check expired or was revoked). Returns how many were paused.

    Runs daily (`accounts.tasks.helper_checks_enforce_expiry`) and straight after a
    revocation. Each pause is audited and the helper is told by email after commit.
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
            helper_email, category_name = offer.helper.email, offer.category.name
            transaction.on_commit(
                lambda e=helper_email, c=category_name: _send(
                    to=e,
                    subject="Your offer has been paused",
                    body=(
                        f"Your offer of {c.lower()} has been paused because the check it "
                        "needs is no longer current. Please contact your council to renew "
                        "your check; you can resume the offer once it is recorded.\n"
                    ),
                )
            )
            paused += 1
    return paused


# --- Safeguarding concerns -------------------------------------------------------------------
def _concern_of(*, council: Council, concern_id, lock: bool = False) -> SafeguardingConcern:
    try:
        concern_id = int(concern_id)
    except (TypeError, ValueError):
        raise NotFound(NOT_FOUND_MESSAGE) from None
    qs = SafeguardingConcern.objects.filter(pk=concern_id, council=council)
    if lock:
        qs = qs.select_for_update(of=("self",))
    concern = qs.first()
    if concern is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return concern


def _clean_note(body: str, *, required: bool = True) -> str:
    body = (body or "").strip()
    if required and not body:
        raise ApplicationError("Write the note.", code="note_required")
    if len(body) > 4000:
        raise ApplicationError("A note can be at most 4,000 characters.", code="note_too_long")
    return body


@transaction.atomic
def concern_raise(
    *, actor: User, about_id: int, summary: str, priority: str, note: str = ""
) -> SafeguardingConcern:
    """Any member of council staff may raise a concern about a person of their council (a
    moderator who sees something worrying escalates it); the safeguarding lead handles it."""
    council = _staff_council(actor, Capability.CONSOLE)
    about = _person_of(council=council, person_id=about_id)
    summary = (summary or "").strip()
    if not summary:
        raise ApplicationError("Write a short summary of the concern.", code="summary_required")
    if len(summary) > 200:
        raise ApplicationError("The summary can be at most 200 characters.", code="summary_long")
    if priority not in SafeguardingConcern.Priority.values:
        raise ApplicationError("Choose a priority.", code="invalid_priority")
    note = _clean_note(note, required=False)
    concern = SafeguardingConcern.objects.create(
        council=council, about=about, raised_by=actor, summary=summary, priority=priority
    )
    if note:
        ConcernNote.objects.create(concern=concern, author=actor, body=note)
    audit_record(
        actor=actor,
        verb="concern.raised",
        target=concern,
        data={"person_id": about.pk, "priority": priority},
    )
    return concern


@transaction.atomic
def concern_assign(
    *, actor: User, concern_id: int, owner_id: int, priority: str | None = None
) -> SafeguardingConcern:
    """Give a concern to a member of staff who handles safeguarding (and optionally change its
    priority). An open concern becomes in progress."""
    council = _staff_council(actor, Capability.SAFEGUARDING)
    concern = _concern_of(council=council, concern_id=concern_id, lock=True)
    if concern.status == SafeguardingConcern.Status.CLOSED:
        raise ApplicationError("This concern is closed.", code="closed")
    owner = (
        User.objects.filter(
            pk=owner_id,
            staff_membership__council=council,
            staff_membership__role__in=safeguarding_roles(),
            is_active=True,
            suspended_at__isnull=True,
        ).first()
        if str(owner_id).isdigit()
        else None
    )
    if owner is None:
        raise ApplicationError(
            "Choose a member of your council's staff who handles safeguarding.",
            code="invalid_owner",
        )
    if priority is not None and priority not in SafeguardingConcern.Priority.values:
        raise ApplicationError("Choose a priority.", code="invalid_priority")
    before = {"owner_id": concern.owner_id, "priority": concern.priority}
    concern.owner = owner
    if priority:
        concern.priority = priority
    if concern.status == SafeguardingConcern.Status.OPEN:
        concern.status = SafeguardingConcern.Status.IN_PROGRESS
    concern.save(update_fields=["owner", "priority", "status", "updated_at"])
    audit_record(
        actor=actor,
        verb="concern.assigned",
        target=concern,
        data={"before": before, "owner_id": owner.pk, "priority": concern.priority},
    )
    return concern


def safeguarding_roles() -> list[str]:
    return [role for role, caps in ROLE_CAPABILITIES.items() if Capability.SAFEGUARDING in caps]


@transaction.atomic
def concern_add_note(*, actor: User, concern_id: int, body: str) -> ConcernNote:
    council = _staff_council(actor, Capability.SAFEGUARDING)
    concern = _concern_of(council=council, concern_id=concern_id, lock=True)
    body = _clean_note(body)
    note = ConcernNote.objects.create(concern=concern, author=actor, body=body)
    concern.save(update_fields=["updated_at"])
    audit_record(actor=actor, verb="concern.note_added", target=concern, data={"note_id": note.pk})
    return note


@transaction.atomic
def concern_close(*, actor: User, concern_id: int, outcome: str, note: str) -> SafeguardingConcern:
    """Close a concern with its outcome and a note saying what was done."""
    council = _staff_council(actor, Capability.SAFEGUARDING)
    concern = _concern_of(council=council, concern_id=concern_id, lock=True)
    if concern.status == SafeguardingConcern.Status.CLOSED:
        raise ApplicationError("This concern is already closed.", code="closed")
    if not outcome or outcome not in SafeguardingConcern.Outcome.values:
        raise ApplicationError("Choose the outcome.", code="outcome_required")
    note = _clean_note(note)
    if (
        outcome == SafeguardingConcern.Outcome.PERSON_SUSPENDED
        and concern.about is not None
        and not concern.about.is_suspended
    ):
        raise ApplicationError(
            "The outcome says the person was suspended, but they are not. Suspend them first.",
            code="not_suspended",
        )
    ConcernNote.objects.create(concern=concern, author=actor, body=note)
    concern.status = SafeguardingConcern.Status.CLOSED
    concern.outcome = outcome
    concern.closed_at = timezone.now()
    concern.save(update_fields=["status", "outcome", "closed_at", "updated_at"])
    audit_record(actor=actor, verb="concern.closed", target=concern, data={"outcome": outcome})
    return concern


def concerns_for_council(*, council: Council, status: str | None = None) -> list:
    """The council's concerns, most urgent first then oldest first; closed ones last."""
    qs = SafeguardingConcern.objects.filter(council=council).select_related("about", "owner")
    if status:
        qs = qs.filter(status=status)
    rank = SafeguardingConcern.PRIORITY_RANK
    return sorted(
        qs,
        key=lambda c: (
            c.status == SafeguardingConcern.Status.CLOSED,
            rank.get(c.priority, 9),
            c.created_at,
        ),
    )


def concern_for_staff(*, actor: User, concern_id) -> SafeguardingConcern:
    council = _staff_council(actor, Capability.SAFEGUARDING)
    return _concern_of(council=council, concern_id=concern_id)


def safeguarding_staff(*, council: Council) -> QuerySet[User]:
    return User.objects.filter(
        staff_membership__council=council,
        staff_membership__role__in=safeguarding_roles(),
        is_active=True,
        suspended_at__isnull=True,
    ).order_by("display_name", "email")


# --- Suspension ------------------------------------------------------------------------------
MATCH_ENDED_SUBJECT = "Your Kith match has ended"
MATCH_ENDED_BODY = (
    "This match has ended. You do not need to do anything.\n\n"
    "If you still need help, or still want to help, your listing stays open and Kith will "
    "suggest other matches.\n"
)


def _send(*, to: str, subject: str, body: str) -> None:
    try:
        send_mail(
            subject=f"{getattr(settings, 'ACCOUNT_EMAIL_SUBJECT_PREFIX', '')}{subject}",
            message=body,
            from_email=None,
            recipient_list=[to],
        )
    except Exception:  # an email failure must not undo a committed decision
        logger.exception("Sending %r failed", subject)


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
    council = _staff_council(actor, Capability.SUSPENSION)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Say why the person is being suspended.", code="reason_required")
    person = _person_of(council=council, person_id=person_id, lock=True)
    if person.pk == actor.pk:
        raise ApplicationError("You cannot suspend yourself.", code="self")
    if person.is_suspended:
        raise ApplicationError("This person is already suspended.", code="already_suspended")
    concern = None
    if concern_id:
        concern = _concern_of(council=council, concern_id=concern_id)
    person.suspended_at = timezone.now()
    person.save(update_fields=["suspended_at"])
    Suspension.objects.create(
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
    for offer in Offer.objects.select_for_update().filter(
        helper=person,
        status__in=[Offer.Status.PENDING_REVIEW, Offer.Status.OPEN, Offer.Status.PAUSED],
    ):
        lifecycle.offer_transition(offer=offer, to=Offer.Status.CLOSED)
        audit_record(
            actor=actor, verb="offer.closed", target=offer, data={"because": "helper_suspended"}
        )
        result.offers_closed += 1

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
    from matching.models import Match
    from matching.services import match_cancel

    live = list(
        Match.objects.select_related("need__owner", "offer__helper")
        .filter(Q(need__owner=person) | Q(offer__helper=person), status__in=Match.LIVE)
        .order_by("id")
    )
    for match in live:
        match_cancel(user=actor, match_id=match.pk, reason="")
        other = match.offer.helper if match.need.owner_id == person.pk else match.need.owner
        transaction.on_commit(
            lambda e=other.email: _send(to=e, subject=MATCH_ENDED_SUBJECT, body=MATCH_ENDED_BODY)
        )
    return len(live)


@transaction.atomic
def person_reinstate(*, actor: User, person_id: int, note: str) -> User:
    """Lift a suspension. Listings closed at suspension stay closed; the person can record new
    ones."""
    council = _staff_council(actor, Capability.SUSPENSION)
    note = (note or "").strip()
    if not note:
        raise ApplicationError("Say why the person is being reinstated.", code="reason_required")
    person = _person_of(council=council, person_id=person_id, lock=True)
    if not person.is_suspended:
        raise ApplicationError("This person is not suspended.", code="not_suspended")
    suspended_at = person.suspended_at
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
    audit_record(
        actor=actor,
        verb="person.reinstated",
        target=person,
        council=council,
        target_type="person",
        data={**typed_text_facts(note, key="note"), "suspended_at": suspended_at.isoformat()},
    )
    return person


# --- People ----------------------------------------------------------------------------------
PEOPLE_SEARCH_LIMIT = 50


@transaction.atomic
def people_search(*, actor: User, query: str, limit: int = PEOPLE_SEARCH_LIMIT) -> list[User]:
    """People of the staff member's council whose name or email contains `query`. Results
    show names and emails, so each search is audited with what was searched for."""
    council = _staff_council(actor, Capability.PEOPLE)
    query = (query or "").strip()
    if len(query) < 2:
        raise ApplicationError(
            "Enter at least 2 characters of a name or email address.", code="query_short"
        )
    people = list(
        User.objects.filter(council=council)
        .filter(Q(display_name__icontains=query) | Q(email__icontains=query))
        .order_by("display_name", "email")[:limit]
    )
    audit_record(
        actor=actor,
        verb="people.searched",
        council=council,
        target_type="person",
        data={"query": query[:100], "results": len(people)},
    )
    return people


@dataclass
class PersonRecord:
    person: User
    staff_membership: StaffMembership | None
    verification_level: int
    checks: list[HelperCheck]
    needs: list[Need]
    offers: list[Offer]
    concerns: list[SafeguardingConcern]
    # With their reasons and reinstatement notes: only for staff who may suspend.
    suspensions: list[Suspension] = field(default_factory=list)


@transaction.atomic
def person_view(*, actor: User, person_id) -> PersonRecord:
    """A person's record as staff see it. Audited as "person.viewed"."""
    council = _staff_council(actor, Capability.PEOPLE)
    person = _person_of(council=council, person_id=person_id)
    levels = verification_levels(user_ids=[person.pk])
    record = PersonRecord(
        person=person,
        staff_membership=StaffMembership.objects.filter(user=person).first(),
        verification_level=levels[person.pk],
        checks=list(HelperCheck.objects.filter(user=person).order_by("-recorded_at")),
        needs=list(
            Need.objects.filter(owner=person).select_related("category").order_by("-created_at")
        ),
        offers=list(
            Offer.objects.filter(helper=person).select_related("category").order_by("-created_at")
        ),
        concerns=list(
            SafeguardingConcern.objects.filter(about=person, council=council).order_by(
                "-created_at"
            )
        )
        if staff_can(actor, Capability.SAFEGUARDING)
        else [],
        suspensions=list(
            Suspension.objects.filter(person=person, council=council).select_related(
                "suspended_by", "reinstated_by"
            )
        )
        if staff_can(actor, Capability.SUSPENSION)
        else [],
    )
    audit_record(
        actor=actor,
        verb="person.viewed",
        council=council,
        target_type="person",
        target_id=person.pk,
    )
    return record


# --- Audit log -------------------------------------------------------------------------------
def audit_events_for_council(
    *,
    council: Council,
    verb: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    target_type: str = "",
    target_id: int | None = None,
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.filter(council=council).select_related("actor")
    if verb:
        qs = qs.filter(verb__startswith=verb) if verb.endswith(".") else qs.filter(verb=verb)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id is not None:
        qs = qs.filter(target_id=target_id)
    return qs.order_by("-created_at", "-id")


# --- Council settings ------------------------------------------------------------------------
@transaction.atomic
def council_settings_update(
    *, actor: User, max_travel_radius_m: int, auto_approve_verified_helpers: bool
) -> Council:
    """A council admin changes how Kith runs in their area. Audited with before and after."""
    council = _staff_council(actor, Capability.COUNCIL_SETTINGS)
    council = Council.objects.select_for_update().get(pk=council.pk)
    if not 100 <= int(max_travel_radius_m) <= 50000:
        raise ApplicationError(
            "The furthest distance must be between 100 and 50,000 metres.", code="radius_range"
        )
    before = {
        "max_travel_radius_m": council.max_travel_radius_m,
        "auto_approve_verified_helpers": council.auto_approve_verified_helpers,
    }
    council.max_travel_radius_m = int(max_travel_radius_m)
    council.auto_approve_verified_helpers = bool(auto_approve_verified_helpers)
    council.save(update_fields=["max_travel_radius_m", "auto_approve_verified_helpers"])
    after = {
        "max_travel_radius_m": council.max_travel_radius_m,
        "auto_approve_verified_helpers": council.auto_approve_verified_helpers,
    }
    audit_record(
        actor=actor,
        verb="council.settings_changed",
        council=council,
        target_type="council",
        target_id=council.pk,
        data={"before": before, "after": after},
    )
    return council


# --- Impact unit costs -----------------------------------------------------------------------
# The council cost of a meals-on-wheels meal that Casserole Club publishes; every other kind
# of help has no cost until the council sets one.
DEFAULT_UNIT_COSTS = {"hot-meals": "4.90"}
DEFAULT_UNIT_HOURS = "1"


def impact_units(*, council: Council) -> dict[str, dict[str, str]]:
    """The council's unit cost (pounds) and hours per completed match, by category slug."""
    stored = (council.settings or {}).get("impact", {})
    return {
        "unit_costs": {**DEFAULT_UNIT_COSTS, **stored.get("unit_costs", {})},
        "unit_hours": dict(stored.get("unit_hours", {})),
    }


@transaction.atomic
def impact_units_update(
    *, actor: User, unit_costs: dict[str, Decimal], unit_hours: dict[str, Decimal]
) -> Council:
    """Set what one completed match of each kind of help saves the council, and how many
    hours it takes, for the impact report. Audited with before and after."""
    council = _staff_council(actor, Capability.COUNCIL_SETTINGS)
    council = Council.objects.select_for_update().get(pk=council.pk)
    slugs = set(Category.objects.values_list("slug", flat=True))
    for label, values, top in (("cost", unit_costs, 10000), ("hours", unit_hours, 24)):
        for slug, value in values.items():
            if slug not in slugs:
                raise ApplicationError(f"Unknown kind of help: {slug}.", code="category")
            if value < 0 or value > top:
                raise ApplicationError(
                    f"Each {label} must be between 0 and {top}.", code=f"{label}_range"
                )
    before = impact_units(council=council)
    settings_ = dict(council.settings or {})
    settings_["impact"] = {
        "unit_costs": {slug: str(v) for slug, v in unit_costs.items()},
        "unit_hours": {slug: str(v) for slug, v in unit_hours.items()},
    }
    council.settings = settings_
    council.save(update_fields=["settings"])
    audit_record(
        actor=actor,
        verb="council.impact_units_changed",
        council=council,
        target_type="council",
        target_id=council.pk,
        data={"before": before, "after": impact_units(council=council)},
    )
    return council
