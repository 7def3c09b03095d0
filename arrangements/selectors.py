"""Reads for ongoing help that the two people's pages need: their arrangement, its visits to
come, the visits waiting for their answer, and the change waiting for one of them.

Only the two people of a match reach an arrangement here (`NotFound` for anyone else, staff
included: the staff console has its own reads). Nothing here returns what only staff may see
(visit notes, skip and end reasons) in a form meant for a page; templates must not show them.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from core.errors import NotFound
from matching.models import Match
from matching.selectors import match_role

from .models import Arrangement, Frequency, Role, ScheduleChange, Visit
from .policy import first_meeting_checklist_of

#: How many visits to come the arrangement's page lists.
UPCOMING = 6


def arrangement_for_party(*, user: User, arrangement_id: int) -> tuple[Arrangement, str]:
    """The arrangement and the user's role in it ("citizen" or "helper"); NotFound for anyone
    who is not one of its two people."""
    arrangement = (
        Arrangement.objects.select_related(
            "match__need__owner", "match__need__category", "match__offer__helper", "council"
        )
        .defer("council__boundary")
        .filter(pk=arrangement_id)
        .first()
    )
    if arrangement is None:
        raise NotFound()
    role = match_role(user=user, match=arrangement.match)
    if role not in (Role.CITIZEN, Role.HELPER):
        raise NotFound()
    return arrangement, str(role)


def arrangement_of_match(match: Match) -> Arrangement | None:
    """The arrangement of a match, if it has one (only accepted matches do)."""
    return Arrangement.objects.filter(match_id=match.pk).prefetch_related("times").first()


def is_recurring(arrangement: Arrangement) -> bool:
    return arrangement.frequency in (Frequency.WEEKLY, Frequency.FORTNIGHTLY)


def upcoming_visits(
    arrangement: Arrangement, *, now: dt.datetime | None = None, limit: int = UPCOMING
) -> list[Visit]:
    """The planned visits still to come, soonest first."""
    now = now or timezone.now()
    return list(
        Visit.objects.filter(
            arrangement=arrangement, status=Visit.Status.PLANNED, starts_at__gt=now
        ).order_by("starts_at", "id")[:limit]
    )


def recent_visits(
    arrangement: Arrangement, *, now: dt.datetime | None = None, limit: int = 5
) -> list[Visit]:
    """The latest visits that have begun (or were skipped), most recent first."""
    now = now or timezone.now()
    return list(
        Visit.objects.filter(arrangement=arrangement, starts_at__lte=now)
        .exclude(status=Visit.Status.CANCELLED)
        .order_by("-starts_at", "-id")[:limit]
    )


def next_visit(arrangement: Arrangement, *, now: dt.datetime | None = None) -> Visit | None:
    found = upcoming_visits(arrangement, now=now, limit=1)
    return found[0] if found else None


def _awaiting_q(role: str, now: dt.datetime) -> Q:
    if role == Role.HELPER:
        asked = Q(checkin=Visit.CheckIn.ASKED_HELPER)
        # The helper may say how it went as soon as a visit has begun, before being asked.
        early = Q(status=Visit.Status.PLANNED, checkin=Visit.CheckIn.NOT_YET, starts_at__lte=now)
        return (asked | early) & Q(helper_answer="")
    return Q(checkin=Visit.CheckIn.ASKED_CITIZEN, citizen_answer="")


def visits_awaiting(
    arrangement: Arrangement, role: str, *, now: dt.datetime | None = None
) -> list[Visit]:
    """Past visits whose "did it happen?" waits for this person's answer, oldest first."""
    now = now or timezone.now()
    if role not in (Role.CITIZEN, Role.HELPER):
        return []
    return list(
        Visit.objects.filter(_awaiting_q(role, now), arrangement=arrangement).order_by(
            "starts_at", "id"
        )
    )


def visit_of(arrangement: Arrangement, visit_id: int) -> Visit:
    """One visit of the arrangement (NotFound if it belongs to another)."""
    visit = Visit.objects.filter(arrangement=arrangement, pk=visit_id).first()
    if visit is None:
        raise NotFound()
    return visit


def my_answer(visit: Visit, role: str) -> str:
    """The answer this person has already given about a visit ("yes", "no" or "")."""
    return visit.helper_answer if role == Role.HELPER else visit.citizen_answer


def awaits_answer(visit: Visit, role: str, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return Visit.objects.filter(_awaiting_q(role, now), pk=visit.pk).exists()


def pending_change(arrangement: Arrangement) -> ScheduleChange | None:
    """The change waiting for an answer, if any (there is at most one)."""
    return (
        ScheduleChange.objects.filter(arrangement=arrangement, status=ScheduleChange.Status.PENDING)
        .select_related("visit")
        .first()
    )


def change_of(arrangement: Arrangement, change_id: int) -> ScheduleChange:
    change = ScheduleChange.objects.filter(arrangement=arrangement, pk=change_id).first()
    if change is None:
        raise NotFound()
    return change


def checklist_for(arrangement: Arrangement) -> tuple[str, ...]:
    """The safety checklist both people see before the first meeting: the council's own."""
    return first_meeting_checklist_of(arrangement.council)
