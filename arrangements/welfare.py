"""Welfare checks: council staff make sure a person is all right when a visit seems not to
have happened (`arrangements.checkins` opens them). Staff phone the person and log each call;
"reached and fine" and "reached and needs something" close the check, "not reached" keeps it
open, and staff can pass it to the safeguarding lead as a safeguarding concern. Every step is
audited; the person's contact routes are shown on the check's page for the call.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from accounts.permissions import Capability, staff_council
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from trust.concerns import concern_raise

from .models import Arrangement, Visit, WelfareCall, WelfareCheck

W = WelfareCheck.Status


def _audit(*, actor: User | None, verb: str, check: WelfareCheck, **data) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        target_type="welfare_check",
        target_id=check.pk,
        council=check.council,
        data={"person_id": check.person_id, **data},
    )


def welfare_open(
    *, arrangement: Arrangement, visit: Visit | None, reason: str, now: dt.datetime
) -> WelfareCheck:
    """Open a welfare check for the citizen of `arrangement`, or return the one already open
    for them (one open check per person: staff make one call, not three)."""
    person_id = arrangement.match.need.owner_id
    existing = WelfareCheck.objects.filter(person_id=person_id, status=W.OPEN).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            check = WelfareCheck.objects.create(
                council_id=arrangement.council_id,
                person_id=person_id,
                arrangement=arrangement,
                visit=visit,
                reason=reason,
            )
    except IntegrityError:
        return WelfareCheck.objects.get(person_id=person_id, status=W.OPEN)
    _audit(actor=None, verb="welfare.opened", check=check, reason=reason)
    return check


def welfare_checks_for_staff(*, actor: User, status: str = W.OPEN) -> QuerySet[WelfareCheck]:
    council = staff_council(actor, Capability.WELFARE)
    return (
        WelfareCheck.objects.filter(council=council, status=status)
        .select_related("person", "arrangement__match__need__category", "visit")
        .order_by("opened_at", "id")
    )


def welfare_check_for_staff(*, actor: User, check_id: int, lock: bool = False) -> WelfareCheck:
    council = staff_council(actor, Capability.WELFARE)
    rows = WelfareCheck.objects.filter(council=council, pk=check_id)
    if lock:
        rows = rows.select_for_update(of=("self",))
    check = rows.select_related("person", "arrangement__match__need__category", "visit").first()
    if check is None:
        raise NotFound()
    return check


@transaction.atomic
def welfare_check_view(*, actor: User, check_id: int) -> tuple[WelfareCheck, list[Visit]]:
    """The check as staff open it to make the call, with the arrangement's recent visits (and
    the helper's notes on them). It shows the person's contact routes, so opening it is
    audited, as opening a person's record is."""
    check = welfare_check_for_staff(actor=actor, check_id=check_id)
    recent: list[Visit] = []
    if check.arrangement_id:
        recent = list(
            Visit.objects.filter(arrangement_id=check.arrangement_id, starts_at__lte=timezone.now())
            .exclude(status=Visit.Status.CANCELLED)
            .order_by("-starts_at")[:6]
        )
    _audit(actor=actor, verb="welfare.viewed", check=check)
    return check, recent


def arrangements_of_person(*, actor: User, person_id: int) -> list[Arrangement]:
    """A person's arrangements, either side, as staff with the people capability see them on
    the person's page: how each is going and, once ended, who ended it and why (the reason
    and note the other person never sees). The caller has checked the person is of their
    council; this filters by council too."""
    council = staff_council(actor, Capability.PEOPLE)
    return list(
        Arrangement.objects.filter(council=council)
        .filter(Q(match__need__owner_id=person_id) | Q(match__offer__helper_id=person_id))
        .select_related("match__need__owner", "match__need__category", "match__offer__helper")
        .annotate(
            visits_done=Count("visits", filter=Q(visits__status=Visit.Status.DONE)),
            visits_missed=Count("visits", filter=Q(visits__status=Visit.Status.MISSED)),
        )
        .order_by("-created_at")
    )


def welfare_calls(*, check: WelfareCheck) -> list[WelfareCall]:
    return list(check.calls.select_related("staff"))


@transaction.atomic
def welfare_call_record(*, actor: User, check_id: int, result: str, note: str = "") -> WelfareCall:
    """Log one call. Reached (fine, or needing something) closes the check; not reached
    leaves it open for another call or to be passed to the safeguarding lead."""
    check = welfare_check_for_staff(actor=actor, check_id=check_id, lock=True)
    if check.status != W.OPEN:
        raise ApplicationError(gettext("This welfare check is closed."), code="check_closed")
    if result not in WelfareCall.Result.values:
        raise ApplicationError(gettext("Choose what happened when you called."), code="result")
    note = (note or "").strip()
    if len(note) > 1000:
        raise ApplicationError(
            gettext("The note can be at most 1000 characters."), code="note_long"
        )
    if result == WelfareCall.Result.NEEDS_SOMETHING and not note:
        raise ApplicationError(gettext("Say what the person needs."), code="note_required")
    call = WelfareCall.objects.create(check_row=check, staff=actor, result=result, note=note)
    if result != WelfareCall.Result.NOT_REACHED:
        check.status = W.CLOSED
        check.outcome = result
        check.closed_at = timezone.now()
        check.closed_by = actor
        check.save(update_fields=["status", "outcome", "closed_at", "closed_by"])
    _audit(actor=actor, verb="welfare.call_logged", check=check, result=result)
    return call


@transaction.atomic
def welfare_escalate(*, actor: User, check_id: int, note: str = "") -> WelfareCheck:
    """Pass the check to the safeguarding lead as an urgent safeguarding concern."""
    check = welfare_check_for_staff(actor=actor, check_id=check_id, lock=True)
    if check.status != W.OPEN:
        raise ApplicationError(gettext("This welfare check is closed."), code="check_closed")
    reached = check.calls.exclude(result=WelfareCall.Result.NOT_REACHED).exists()
    concern = concern_raise(
        actor=actor,
        about_id=check.person_id,
        summary=(
            "Welfare check: their helper is worried about the person"
            if check.reason == WelfareCheck.Reason.HELPER_CONCERN
            else "Welfare check: staff are worried about the person after a missed visit"
            if reached or not check.calls.exists()
            else "Welfare check: the person could not be reached after a missed visit"
        ),
        priority="urgent",
        note=note,
    )
    check.status = W.ESCALATED
    check.outcome = WelfareCheck.Outcome.ESCALATED
    check.concern_id = concern.pk
    check.closed_at = timezone.now()
    check.closed_by = actor
    check.save(update_fields=["status", "outcome", "concern_id", "closed_at", "closed_by"])
    _audit(actor=actor, verb="welfare.escalated", check=check, concern=concern.pk)
    return check
