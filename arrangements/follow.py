"""The arrangement follows its match: the matching room announces each step of a match
(`core.events`), and this receiver, in the same transaction, starts the arrangement when both
people have accepted and ends it (cancelling the visits still to come) when the match ends,
whoever or whatever ended it — either person, staff, a suspension, a block, erasure. While the
safeguarding room holds the match for staff review (`match.held_check`) its visits are on hold
— no check-in questions, no missed visits, no welfare alarms — until staff let it go on
(`match.hold_released`).

Unlike the notifications room's receiver, a failure here is not swallowed: an accepted match
without its arrangement would be a half-saved change, so the step rolls back instead.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.events import Event
from matching.models import Match

from .models import Arrangement, Role, ScheduleChange, Visit
from .services import arrangement_start, visits_generate

ENDING = {"match.completed", "match.cancelled"}


#: A match held for staff review (safeguarding: a check its help needs lapsed, was revoked or
#: is newly asked for) and let go on again.
HELD, RELEASED = "match.held_check", "match.hold_released"


def on_match_event(event: Event) -> None:
    if event.target_type != "match" or not event.target_id:
        return
    if event.verb == "match.accepted":
        match = Match.objects.select_related("need__category", "offer").get(pk=event.target_id)
        arrangement_start(match=match)
    elif event.verb in ENDING:
        arrangement_follow_end(match_id=event.target_id, completed=event.verb == "match.completed")
    elif event.verb == HELD:
        arrangement_hold(match_id=event.target_id)
    elif event.verb == RELEASED:
        arrangement_release(match_id=event.target_id)


def arrangement_hold(*, match_id: int, now: dt.datetime | None = None) -> None:
    """The match is held for staff: its visits still to come (or going on) are put on hold, so
    nobody is reminded of them or asked whether they happened, and none counts as missed. A
    match held before it was accepted starts its arrangement held (`arrangement_start`)."""
    arrangement = Arrangement.objects.select_for_update().filter(match_id=match_id).first()
    if arrangement is None or arrangement.status != Arrangement.Status.RUNNING:
        return
    now = now or timezone.now()
    if arrangement.held_since is None:
        arrangement.held_since = now
        arrangement.save(update_fields=["held_since"])
    Visit.objects.filter(
        arrangement=arrangement, status=Visit.Status.PLANNED, ends_at__gt=now
    ).update(status=Visit.Status.ON_HOLD, changed_by_role=Role.KITH, updated_at=now)
    ScheduleChange.objects.filter(
        arrangement=arrangement, status=ScheduleChange.Status.PENDING
    ).update(status=ScheduleChange.Status.WITHDRAWN, decided_at=now)


def arrangement_release(*, match_id: int, now: dt.datetime | None = None) -> None:
    """Staff let the held match go on: the visits on hold that are still to come are planned
    again and the schedule is written ahead; those whose time passed during the hold did not
    happen as far as Kith knows, and are cancelled rather than asked about."""
    arrangement = Arrangement.objects.select_for_update().filter(match_id=match_id).first()
    if arrangement is None or arrangement.held_since is None:
        return
    now = now or timezone.now()
    on_hold = Visit.objects.filter(arrangement=arrangement, status=Visit.Status.ON_HOLD)
    on_hold.filter(starts_at__gt=now).update(status=Visit.Status.PLANNED, updated_at=now)
    on_hold.update(status=Visit.Status.CANCELLED, updated_at=now)
    arrangement.held_since = None
    arrangement.save(update_fields=["held_since"])
    visits_generate(arrangement=arrangement, now=now)


def arrangement_follow_end(*, match_id: int, completed: bool) -> None:
    arrangement = Arrangement.objects.select_for_update().filter(match_id=match_id).first()
    if arrangement is None or arrangement.status != Arrangement.Status.RUNNING:
        return
    now = timezone.now()
    if completed and arrangement.frequency == "once":
        # "The help is done" on a one-off need: its visit happened — by now, whenever it was
        # planned for, so one planned for later is recorded as having ended now.
        for visit in Visit.objects.filter(arrangement=arrangement, status=Visit.Status.PLANNED):
            if visit.ends_at > now:
                length = visit.ends_at - visit.starts_at
                visit.ends_at = now
                visit.starts_at = now - length
            visit.status = Visit.Status.DONE
            visit.checkin = Visit.CheckIn.CONFIRMED
            visit.minutes_spent = visit.minutes_spent or visit.planned_minutes
            visit.save(
                update_fields=[
                    "status",
                    "checkin",
                    "minutes_spent",
                    "starts_at",
                    "ends_at",
                    "updated_at",
                ]
            )
    # Visits still to come (or still going on) will not happen; one already over is still
    # asked about by the check-ins (`arrangements.checkins`), as if the help were running.
    Visit.objects.filter(
        arrangement=arrangement, status=Visit.Status.PLANNED, ends_at__gt=now
    ).update(status=Visit.Status.CANCELLED, updated_at=now)
    # Visits on hold while staff looked at the match never happen now.
    Visit.objects.filter(arrangement=arrangement, status=Visit.Status.ON_HOLD).update(
        status=Visit.Status.CANCELLED, updated_at=now
    )
    ScheduleChange.objects.filter(
        arrangement=arrangement, status=ScheduleChange.Status.PENDING
    ).update(status=ScheduleChange.Status.WITHDRAWN, decided_at=now)
    arrangement.status = Arrangement.Status.ENDED
    arrangement.held_since = None
    arrangement.ended_at = now
    arrangement.end_reason = (
        Arrangement.EndReason.DONE if completed else Arrangement.EndReason.MATCH_ENDED
    )
    arrangement.save(update_fields=["status", "held_since", "ended_at", "end_reason"])
