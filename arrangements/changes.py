"""Changes to ongoing help by agreement: skipping one visit, asking to move one visit or to
change the regular times, and the other person's answer; an agreed change is applied to the
visits still to come. Each write is one transaction with its audit row, after the checks of
`arrangements.parties`; `arrangements.services` names them with the room's other writes.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import dateformat, timezone
from django.utils.translation import gettext

from accounts.models import User
from core.errors import ApplicationError, NotFound
from marketplace.availability import validate_slots

from . import schedule
from .models import Arrangement, Frequency, RegularTime, ScheduleChange, Visit
from .parties import (
    V,
    _audit,
    _clean_words,
    _locked,
    _not_held,
    _party,
    _running,
    _visit,
)
from .visits import visits_generate


# --- Changes by agreement --------------------------------------------------------------------
@transaction.atomic
def visit_skip(*, user: User, arrangement_id: int, visit_id: int, reason: str) -> Visit:
    """Either person skips one planned visit, with a reason (shown to staff). The other person
    is told that it will not happen."""
    arrangement, role = _locked(user=user, arrangement_id=arrangement_id)
    _party(role)
    _running(arrangement)
    _not_held(arrangement)
    visit = _visit(arrangement, visit_id)
    if visit.status == V.SKIPPED:
        raise ApplicationError(gettext("This visit was skipped."), code="visit_skipped")
    if visit.status != V.PLANNED or visit.starts_at <= timezone.now():
        raise ApplicationError(
            gettext("Only a visit still to come can be skipped."), code="visit_past"
        )
    reason = _clean_words(reason, limit=200, what="The reason")
    if not reason:
        raise ApplicationError(gettext("Say why this visit cannot happen."), code="reason_required")
    visit.status = V.SKIPPED
    visit.skip_reason = reason
    visit.changed_by_role = role
    visit.save(update_fields=["status", "skip_reason", "changed_by_role", "updated_at"])
    # A request to move this visit has nothing left to move.
    ScheduleChange.objects.filter(
        arrangement=arrangement, visit=visit, status=ScheduleChange.Status.PENDING
    ).update(status=ScheduleChange.Status.WITHDRAWN, decided_at=timezone.now())
    _audit(actor=user, verb="visit.skipped", arrangement=arrangement, visit=visit.pk, by=role)
    return visit


def _ask_move(
    change: ScheduleChange,
    arrangement: Arrangement,
    *,
    visit_id: int | None,
    new_starts_at: dt.datetime | None,
    now: dt.datetime,
) -> None:
    """Check a request to move one visit and fill it in."""
    visit = _visit(arrangement, visit_id or 0)
    if visit.status != V.PLANNED or visit.starts_at <= now:
        raise ApplicationError(
            gettext("Only a visit still to come can be moved."), code="visit_past"
        )
    if new_starts_at is None or new_starts_at <= now:
        raise ApplicationError(gettext("Choose a new time in the future."), code="time_past")
    if new_starts_at == visit.starts_at:
        raise ApplicationError(
            gettext("That is the time the visit already has. Choose a different time."),
            code="time_same",
        )
    if new_starts_at - now > dt.timedelta(weeks=12):
        raise ApplicationError(
            gettext("Choose a new time within the next 12 weeks."), code="time_far"
        )
    new_day = new_starts_at.astimezone(schedule.local_zone()).date()
    if arrangement.ends_on is not None and new_day > arrangement.ends_on:
        raise ApplicationError(
            gettext("Choose a time before the arrangement ends (%(date)s).")
            % {"date": dateformat.format(arrangement.ends_on, "j F Y")},
            code="time_after_end",
        )
    new_ends_at = new_starts_at + (visit.ends_at - visit.starts_at)
    clash = (
        Visit.objects.filter(
            arrangement=arrangement,
            status=V.PLANNED,
            starts_at__lt=new_ends_at,
            ends_at__gt=new_starts_at,
        )
        .exclude(pk=visit.pk)
        .exists()
    )
    if clash:
        raise ApplicationError(
            gettext("Another visit is planned at that time. Choose a different time."),
            code="time_clash",
        )
    change.visit, change.new_starts_at = visit, new_starts_at


def _ask_time(
    change: ScheduleChange,
    arrangement: Arrangement,
    *,
    new_weekday: int | None,
    new_start: dt.time | None,
    new_end: dt.time | None,
    new_frequency: str,
    replaces: tuple[int, dt.time] | None,
) -> None:
    """Check a request to change the regular time (all, or the one `replaces`) and fill it in."""
    if arrangement.frequency == Frequency.ONCE:
        raise ApplicationError(
            gettext("A one-off visit has no regular time: move the visit instead."),
            code="not_recurring",
        )
    if new_weekday is None or new_start is None or new_end is None:
        raise ApplicationError(gettext("Choose a day, a start time and an end time."), code="time")
    kept = []
    if replaces is not None:
        current = [(t.weekday, t.start, t.end) for t in arrangement.times.all()]
        if not any((day, start) == replaces for day, start, _ in current):
            raise ApplicationError(
                gettext("That regular time has changed meanwhile. Look at the visits again."),
                code="time_gone",
            )
        kept = [t for t in current if (t[0], t[1]) != replaces]
        if new_frequency and new_frequency != arrangement.frequency:
            raise ApplicationError(
                gettext("To change how often, change all the regular times at once."),
                code="frequency",
            )
        change.replaces_weekday, change.replaces_start = replaces
    validate_slots([*kept, (new_weekday, new_start, new_end)])
    if new_frequency and new_frequency not in (Frequency.WEEKLY, Frequency.FORTNIGHTLY):
        raise ApplicationError(gettext("Choose every week or every two weeks."), code="frequency")
    asked = sorted([*kept, (new_weekday, new_start, new_end)])
    now_kept = sorted((t.weekday, t.start, t.end) for t in arrangement.times.all())
    if asked == now_kept and new_frequency in ("", arrangement.frequency):
        raise ApplicationError(
            gettext("That is already the regular time. Choose a different day or time."),
            code="time_same",
        )
    change.new_weekday, change.new_start, change.new_end = new_weekday, new_start, new_end
    change.new_frequency = new_frequency or arrangement.frequency


@transaction.atomic
def change_ask(
    *,
    user: User,
    arrangement_id: int,
    kind: str,
    visit_id: int | None = None,
    new_starts_at: dt.datetime | None = None,
    new_weekday: int | None = None,
    new_start: dt.time | None = None,
    new_end: dt.time | None = None,
    new_frequency: str = "",
    replaces: tuple[int, dt.time] | None = None,
) -> ScheduleChange:
    """Ask to move one visit, or to change the regular time (and how often) — all of them,
    or, with `replaces` (weekday, start), one of several, keeping how often. Nothing changes
    until the other person agrees (`change_decide`); one change waits at a time."""
    arrangement, role = _locked(user=user, arrangement_id=arrangement_id)
    _party(role)
    _running(arrangement)
    _not_held(arrangement)
    now = timezone.now()
    change = ScheduleChange(arrangement=arrangement, kind=kind, asked_by=user, asked_by_role=role)
    if kind == ScheduleChange.Kind.MOVE_VISIT:
        _ask_move(change, arrangement, visit_id=visit_id, new_starts_at=new_starts_at, now=now)
    elif kind == ScheduleChange.Kind.CHANGE_TIME:
        _ask_time(
            change,
            arrangement,
            new_weekday=new_weekday,
            new_start=new_start,
            new_end=new_end,
            new_frequency=new_frequency,
            replaces=replaces,
        )
    else:
        raise ApplicationError(gettext("Choose what to change."), code="kind")
    try:
        with transaction.atomic():
            change.save()
    except IntegrityError as exc:
        raise ApplicationError(
            gettext(
                "A change is already waiting for an answer. Wait for it, or withdraw it first."
            ),
            code="change_pending",
        ) from exc
    _audit(
        actor=user,
        verb="arrangement.change_asked",
        arrangement=arrangement,
        change=change.pk,
        by=role,
        kind=kind,
    )
    return change


@transaction.atomic
def change_decide(
    *, user: User, arrangement_id: int, change_id: int, agree: bool, now: dt.datetime | None = None
) -> ScheduleChange:
    """The other person agrees to a change (it takes effect) or does not; the person who
    asked may withdraw it (`agree=False`)."""
    now = now or timezone.now()
    arrangement, role = _locked(user=user, arrangement_id=arrangement_id)
    _party(role)
    _running(arrangement)
    change = (
        ScheduleChange.objects.select_for_update()
        .filter(pk=change_id, arrangement=arrangement, status=ScheduleChange.Status.PENDING)
        .first()
    )
    if change is None:
        raise NotFound()
    own = change.asked_by_role == role
    if own and agree:
        raise ApplicationError(
            gettext("The other person agrees to a change you asked for."), code="own_change"
        )
    S = ScheduleChange.Status
    change.status = S.WITHDRAWN if own else (S.CONFIRMED if agree else S.DECLINED)
    change.decided_at = now
    change.save(update_fields=["status", "decided_at"])
    if change.status == S.CONFIRMED:
        _apply(arrangement, change, now=now)
    _audit(
        actor=user,
        verb=f"arrangement.change_{change.status}",
        arrangement=arrangement,
        change=change.pk,
        by=role,
        kind=change.kind,
    )
    return change


def _apply(arrangement: Arrangement, change: ScheduleChange, *, now: dt.datetime) -> None:
    if change.kind == ScheduleChange.Kind.MOVE_VISIT:
        visit = Visit.objects.select_for_update().get(pk=change.visit_id or 0)
        if visit.status != V.PLANNED or change.new_starts_at is None:
            raise ApplicationError(gettext("That visit can no longer be moved."), code="visit_past")
        if change.new_starts_at <= now:
            raise ApplicationError(
                gettext(
                    "The new time has already passed. The person who asked can withdraw this and "
                    "ask for another time."
                ),
                code="time_past",
            )
        length = visit.ends_at - visit.starts_at
        visit.starts_at, visit.ends_at = change.new_starts_at, change.new_starts_at + length
        visit.changed_by_role = change.asked_by_role
        visit.save(update_fields=["starts_at", "ends_at", "changed_by_role", "updated_at"])
        return
    # A new regular time: from tomorrow, planned visits are replaced by the new schedule.
    tomorrow = now.astimezone(schedule.local_zone()).date() + dt.timedelta(days=1)
    if change.replaces_weekday is not None and change.replaces_start is not None:
        _replace_one(arrangement, change, tomorrow=tomorrow, now=now)
        return
    Visit.objects.filter(
        arrangement=arrangement,
        status=V.PLANNED,
        starts_at__gte=schedule.at_local(tomorrow, dt.time(0)),
    ).delete()
    arrangement.times.all().delete()
    if change.new_weekday is None or change.new_start is None or change.new_end is None:
        raise ApplicationError(gettext("The new time is incomplete."), code="time")
    RegularTime.objects.create(
        arrangement=arrangement,
        weekday=change.new_weekday,
        start=change.new_start,
        end=change.new_end,
    )
    arrangement.frequency = change.new_frequency or arrangement.frequency
    # The fortnightly count restarts from the new time's first week.
    arrangement.starts_on = max(arrangement.starts_on, tomorrow)
    arrangement.generated_until = tomorrow - dt.timedelta(days=1)
    arrangement.save(update_fields=["frequency", "starts_on", "generated_until"])
    visits_generate(arrangement=arrangement, now=now)


def _replace_one(
    arrangement: Arrangement, change: ScheduleChange, *, tomorrow: dt.date, now: dt.datetime
) -> None:
    """One of several regular times gives way to the new one; the others, their visits and
    how often stay as they are."""
    day, start = change.replaces_weekday, change.replaces_start
    old = (
        arrangement.times.filter(weekday=day, start=start).first()
        if day is not None and start is not None
        else None
    )
    if old is None or None in (change.new_weekday, change.new_start, change.new_end):
        raise ApplicationError(
            gettext("That regular time has changed meanwhile. Nothing was changed."),
            code="time_gone",
        )
    zone = schedule.local_zone()
    for visit in Visit.objects.filter(
        arrangement=arrangement,
        status=V.PLANNED,
        starts_at__gte=schedule.at_local(tomorrow, dt.time(0)),
    ):
        planned = visit.planned_for.astimezone(zone)
        if planned.weekday() == old.weekday and planned.time() == old.start:
            visit.delete()
    old.delete()
    RegularTime.objects.create(
        arrangement=arrangement,
        weekday=change.new_weekday or 0,
        start=change.new_start or old.start,
        end=change.new_end or old.end,
    )
    # Written again from tomorrow: the kept times' visits exist and are not made twice.
    arrangement.generated_until = tomorrow - dt.timedelta(days=1)
    arrangement.save(update_fields=["generated_until"])
    visits_generate(arrangement=arrangement, now=now)
