"""Reports of listings, people and messages, and the decisions staff make on them. Upholding a
report about a listing closes it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Council, User
from accounts.permissions import Capability, staff_council_id_with_mfa
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from marketplace.selectors import access_need, access_offer, needs_visible_to, offers_visible_to
from marketplace.services import (
    check_text,
    lock_listing,
    moderation_reject,
    require_active,
    require_staff_of,
)
from matching.models import Match
from trust.concerns import concern_from_report
from trust.flood import report_flood_check
from trust.models import Report

NOT_FOUND_MESSAGE = gettext_lazy("Not found.")


# --- Reports and blocks ----------------------------------------------------------------------
def visible_person(*, viewer: User, person_id: int) -> User:
    """A person the viewer may report or block: someone with a listing the viewer can see."""
    person = User.objects.filter(pk=person_id).first()
    if person is None or person.pk == viewer.pk:
        raise NotFound(NOT_FOUND_MESSAGE)
    # Any person of their council only for staff with two-factor authentication.
    staff_council = staff_council_id_with_mfa(viewer)
    if staff_council is not None and person.council_id == staff_council:
        return person
    if (
        needs_visible_to(user=viewer).filter(owner=person).exists()
        or offers_visible_to(user=viewer).filter(helper=person).exists()
    ):
        return person
    # Two people who have been matched may report each other even once their listings are
    # no longer public (a matched need is not listed, yet its helper may need to raise a
    # concern about the person they are helping).
    if Match.objects.filter(
        Q(need__owner=viewer, offer__helper=person) | Q(need__owner=person, offer__helper=viewer)
    ).exists():
        return person
    raise NotFound(NOT_FOUND_MESSAGE)


@transaction.atomic
def report_create(
    *,
    reporter: User,
    target_type: str,
    target_id: int,
    reason: str,
    council: Council | None = None,
) -> Report:
    """Report a listing or a message to the council's moderators, or a person to its
    safeguarding lead (a concern in their queue, `trust.concerns.concern_from_report`).

    Listings and people must be visible to the reporter (otherwise: not found). For messages,
    which the matching module owns, the caller passes the council after its own check.
    """
    require_active(reporter)
    reason = check_text(reason, field="report_reason", max_length=1000)
    if target_type == Report.TargetType.NEED:
        need = access_need(user=reporter, need_id=target_id)
        if need.owner_id == reporter.pk:
            raise ApplicationError(_("You cannot report your own need."), code="own_listing")
        council = need.council
    elif target_type == Report.TargetType.OFFER:
        offer = access_offer(user=reporter, offer_id=target_id)
        if offer.helper_id == reporter.pk:
            raise ApplicationError(_("You cannot report your own offer."), code="own_listing")
        council = offer.council
    elif target_type == Report.TargetType.PERSON:
        person = visible_person(viewer=reporter, person_id=target_id)
        council = person.council or council or reporter.council
        if council is None:
            raise NotFound(NOT_FOUND_MESSAGE)
    elif target_type == Report.TargetType.MESSAGE:
        if council is None:
            raise NotFound(NOT_FOUND_MESSAGE)
    else:
        raise ApplicationError(_("Choose what you are reporting."), code="target_type")
    if Report.objects.filter(
        reporter=reporter,
        target_type=target_type,
        target_id=target_id,
        status=Report.Status.OPEN,
    ).exists():
        raise ApplicationError(
            _("You have already reported this. The council's team will look at it."),
            code="already_reported",
        )
    report_flood_check(person_id=reporter.pk)
    report = Report.objects.create(
        reporter=reporter,
        council=council,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
    )
    if target_type == Report.TargetType.PERSON:
        # A worry about a person goes to the safeguarding lead, not to moderation.
        concern_from_report(report=report, about=person)
    return report


@transaction.atomic
def report_decide(
    *,
    actor: User,
    report_id: int,
    upheld: bool,
    note: str = "",
    take_down: bool = False,
) -> Report:
    """A moderator of the report's council upholds or dismisses it. Upholding a report on a
    listing can take the listing down in the same step (the note becomes the reason the
    owner sees)."""
    note = check_text(note, field="decision_note", max_length=500, required=False)
    report = Report.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    require_staff_of(user=actor, council_id=report.council_id, capability=Capability.MODERATION)
    if report.status != Report.Status.OPEN:
        raise ApplicationError(_("This report has already been decided."), code="already_decided")
    report.status = Report.Status.UPHELD if upheld else Report.Status.DISMISSED
    report.decided_by = actor
    report.decided_at = timezone.now()
    report.decision_note = note
    report.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        verb=f"report.{report.status}",
        target=report,
        data={
            "target_type": report.target_type,
            "target_id": report.target_id,
            "note_given": bool(note),  # the note itself stays on the report
        },
    )
    if upheld and take_down and report.target_type in ("need", "offer"):
        listing = lock_listing(kind=report.target_type, listing_id=report.target_id)
        if listing.status not in ("closed",):
            moderation_reject(
                actor=actor,
                kind=report.target_type,
                listing_id=listing.pk,
                reason=note or "Taken down after a report.",
            )
    return report
