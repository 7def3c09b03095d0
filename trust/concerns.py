"""Safeguarding concerns: raising one, assigning it, adding notes and closing it, and the
queue staff read. Every write is audited in its transaction; an object of another council is
"not found"."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Council, User
from accounts.permissions import (
    NOT_FOUND_MESSAGE,
    ROLE_CAPABILITIES,
    Capability,
    council_person,
    staff_council,
)
from core.audit import audit_events_for_council, audit_record
from core.errors import ApplicationError, NotFound
from trust.models import (
    ConcernNote,
    Report,
    SafeguardingConcern,
)

logger = logging.getLogger(__name__)


# --- Safeguarding concerns -------------------------------------------------------------------
def concern_of(*, council: Council, concern_id, lock: bool = False) -> SafeguardingConcern:
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
        raise ApplicationError(_("Write the note."), code="note_required")
    if len(body) > 4000:
        raise ApplicationError(_("A note can be at most 4,000 characters."), code="note_too_long")
    return body


@transaction.atomic
def concern_raise(
    *, actor: User, about_id: int, summary: str, priority: str, note: str = ""
) -> SafeguardingConcern:
    """Any member of council staff may raise a concern about a person of their council (a
    moderator who sees something worrying escalates it); the safeguarding lead handles it."""
    council = staff_council(actor, Capability.CONSOLE)
    about = council_person(council=council, person_id=about_id)
    summary = (summary or "").strip()
    if not summary:
        raise ApplicationError(_("Write a short summary of the concern."), code="summary_required")
    if len(summary) > 200:
        raise ApplicationError(_("The summary can be at most 200 characters."), code="summary_long")
    if priority not in SafeguardingConcern.Priority.values:
        raise ApplicationError(_("Choose a priority."), code="invalid_priority")
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


RESIDENT_REPORT_SUMMARY = "A resident reported a worry about this person"


def concern_from_report(*, report: Report, about: User) -> SafeguardingConcern:
    """A resident's report about a person, passed to the council's safeguarding lead: a
    concern in their queue, with the resident's words as its first note. The report is
    marked as passed on, so it does not also wait in the moderation queue. Called inside the
    report's transaction."""
    concern = SafeguardingConcern.objects.create(
        council_id=report.council_id,
        about=about,
        raised_by=report.reporter,
        summary=RESIDENT_REPORT_SUMMARY,
        priority=SafeguardingConcern.Priority.MEDIUM,
    )
    ConcernNote.objects.create(concern=concern, author=report.reporter, body=report.reason)
    report.status = Report.Status.REFERRED
    report.decided_at = timezone.now()
    report.save(update_fields=["status", "decided_at"])
    audit_record(
        actor=report.reporter,
        verb="concern.raised",
        target=concern,
        data={
            "person_id": about.pk,
            "priority": concern.priority,
            "from_report": report.pk,
        },
    )
    return concern


@transaction.atomic
def concern_assign(
    *, actor: User, concern_id: int, owner_id: int, priority: str | None = None
) -> SafeguardingConcern:
    """Give a concern to a member of staff who handles safeguarding (and optionally change its
    priority). An open concern becomes in progress."""
    council = staff_council(actor, Capability.SAFEGUARDING)
    concern = concern_of(council=council, concern_id=concern_id, lock=True)
    if concern.status == SafeguardingConcern.Status.CLOSED:
        raise ApplicationError(_("This concern is closed."), code="closed")
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
            _("Choose a member of your council's staff who handles safeguarding."),
            code="invalid_owner",
        )
    if priority is not None and priority not in SafeguardingConcern.Priority.values:
        raise ApplicationError(_("Choose a priority."), code="invalid_priority")
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
    council = staff_council(actor, Capability.SAFEGUARDING)
    concern = concern_of(council=council, concern_id=concern_id, lock=True)
    body = _clean_note(body)
    note = ConcernNote.objects.create(concern=concern, author=actor, body=body)
    concern.save(update_fields=["updated_at"])
    audit_record(actor=actor, verb="concern.note_added", target=concern, data={"note_id": note.pk})
    return note


@transaction.atomic
def concern_close(*, actor: User, concern_id: int, outcome: str, note: str) -> SafeguardingConcern:
    """Close a concern with its outcome and a note saying what was done."""
    council = staff_council(actor, Capability.SAFEGUARDING)
    concern = concern_of(council=council, concern_id=concern_id, lock=True)
    if concern.status == SafeguardingConcern.Status.CLOSED:
        raise ApplicationError(_("This concern is already closed."), code="closed")
    if not outcome or outcome not in SafeguardingConcern.Outcome.values:
        raise ApplicationError(_("Choose the outcome."), code="outcome_required")
    note = _clean_note(note)
    if (
        outcome == SafeguardingConcern.Outcome.PERSON_SUSPENDED
        and concern.about is not None
        and not concern.about.is_suspended
    ):
        raise ApplicationError(
            _("The outcome says the person was suspended, but they are not. Suspend them first."),
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
    council = staff_council(actor, Capability.SAFEGUARDING)
    return concern_of(council=council, concern_id=concern_id)


def safeguarding_staff(*, council: Council) -> QuerySet[User]:
    return User.objects.filter(
        staff_membership__council=council,
        staff_membership__role__in=safeguarding_roles(),
        is_active=True,
        suspended_at__isnull=True,
    ).order_by("display_name", "email")


def concerns_open_count(*, council: Council) -> int:
    """How many of the council's concerns are not closed yet (the staff console's home)."""
    return (
        SafeguardingConcern.objects.filter(council=council)
        .exclude(status=SafeguardingConcern.Status.CLOSED)
        .count()
    )


def concern_notes(*, concern: SafeguardingConcern) -> list[ConcernNote]:
    return list(concern.notes.select_related("author"))


def concern_suspensions(*, council: Council, concern: SafeguardingConcern) -> list:
    """The suspensions made from this concern; the reasons typed when suspending live on
    them, not in the audit log."""
    return list(
        concern.suspensions.filter(council=council).select_related("suspended_by", "reinstated_by")
    )


def concern_history(*, council: Council, concern: SafeguardingConcern) -> list:
    """The concern's own audit events and the suspensions made from it, newest first."""
    events = audit_events_for_council(council=council)
    return list(
        events.filter(
            Q(target_type="safeguardingconcern", target_id=concern.pk)
            | Q(verb__in=["person.suspended"], data__concern_id=concern.pk)
        )[:100]
    )
