"""The arrangement follows its match: the matching room announces each step of a match
(`core.events`), and this receiver, in the same transaction, starts the arrangement when both
people have accepted and ends it (cancelling the visits still to come) when the match ends,
whoever or whatever ended it — either person, staff, a suspension, a block, erasure.

Unlike the notifications room's receiver, a failure here is not swallowed: an accepted match
without its arrangement would be a half-saved change, so the step rolls back instead.
"""

from __future__ import annotations

from django.utils import timezone

from core.events import Event
from matching.models import Match

from .models import Arrangement, ScheduleChange, Visit
from .services import arrangement_start

ENDING = {"match.completed", "match.cancelled"}


def on_match_event(event: Event) -> None:
    if event.target_type != "match" or not event.target_id:
        return
    if event.verb == "match.accepted":
        match = Match.objects.select_related("need__category", "offer").get(pk=event.target_id)
        arrangement_start(match=match)
    elif event.verb in ENDING:
        arrangement_follow_end(match_id=event.target_id, completed=event.verb == "match.completed")


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
    ScheduleChange.objects.filter(
        arrangement=arrangement, status=ScheduleChange.Status.PENDING
    ).update(status=ScheduleChange.Status.WITHDRAWN, decided_at=now)
    arrangement.status = Arrangement.Status.ENDED
    arrangement.ended_at = now
    arrangement.end_reason = (
        Arrangement.EndReason.DONE if completed else Arrangement.EndReason.MATCH_ENDED
    )
    arrangement.save(update_fields=["status", "ended_at", "end_reason"])
