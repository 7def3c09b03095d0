"""Writes for ongoing help: starting an arrangement when a match is accepted, generating its
visits, the two people's answers and changes, and ending it. Each write is one transaction
with its audit row; the audit row is the event that tells the other person
(`notifications.rules`).

Locks: a write on one arrangement locks the arrangement row first, then its visits; ending
goes through the match (`matching.services.match_end`, which locks the need, the offer and
the match) before it locks the arrangement, the order the match's own receiver
(`arrangements.follow`) also uses, so no two writers wait on each other.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import dateformat, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from marketplace.availability import validate_slots
from matching.models import Match
from matching.selectors import match_role
from matching.services import match_end
from safeguarding.models import MatchHold

from . import schedule
from .checkins import after_answer
from .models import Arrangement, Frequency, RegularTime, Role, ScheduleChange, Visit

A = Arrangement
V = Visit.Status


def _audit(*, actor: User | None, verb: str, arrangement: Arrangement, **data) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        target_type="arrangement",
        target_id=arrangement.pk,
        council=arrangement.council,
        data={"match": arrangement.match_id, **data},
    )


# --- Starting --------------------------------------------------------------------------------
def arrangement_start(*, match: Match, now: dt.datetime | None = None) -> Arrangement:
    """The arrangement of a match both people have just accepted (called in the accept's own
    transaction, `arrangements.follow`): its schedule from the times both sides agreed, and its
    first weeks of visits."""
    now = now or timezone.now()
    existing = Arrangement.objects.filter(match=match).first()
    if existing is not None:
        return existing
    need, offer = match.need, match.offer
    recurring = need.timing == need.Timing.WEEKLY
    today = now.astimezone(schedule.local_zone()).date()
    arrangement = Arrangement.objects.create(
        match=match,
        council_id=match.council_id,
        frequency=Frequency.WEEKLY if recurring else Frequency.ONCE,
        starts_on=today + dt.timedelta(days=1),
        first_meeting=bool(getattr(need.category, "first_meeting", False)),
        # Held for staff before both had accepted: its visits start on hold.
        held_since=(
            now
            if MatchHold.objects.filter(match_id=match.pk, resolved_at__isnull=True).exists()
            else None
        ),
    )
    if recurring:
        times = schedule.agreed_times(list(need.slots.all()), list(offer.slots.all()))
        if not times:
            day = arrangement.starts_on
            times = [
                schedule.WeeklySlot(day.weekday(), schedule.FALLBACK_START, schedule.FALLBACK_END)
            ]
        RegularTime.objects.bulk_create(
            RegularTime(arrangement=arrangement, weekday=t.weekday, start=t.start, end=t.end)
            for t in times
        )
        visits_generate(arrangement=arrangement, now=now)
    else:
        start, end = schedule.one_off_visit(
            starts_at=need.starts_at, ends_at=need.ends_at, not_before=now
        )
        arrangement.starts_on = start.astimezone(schedule.local_zone()).date()
        arrangement.ends_on = arrangement.starts_on
        arrangement.generated_until = arrangement.starts_on
        arrangement.save(update_fields=["starts_on", "ends_on", "generated_until"])
        Visit.objects.create(
            arrangement=arrangement,
            planned_for=start,
            starts_at=start,
            ends_at=end,
            is_introduction=arrangement.first_meeting,
            status=V.ON_HOLD if arrangement.held_since else V.PLANNED,
        )
    _audit(actor=None, verb="arrangement.started", arrangement=arrangement)
    return arrangement


def visits_generate(*, arrangement: Arrangement, now: dt.datetime | None = None) -> int:
    """Write the visits of a recurring arrangement up to `HORIZON` ahead. Safe to repeat: a
    visit is known by the time the schedule put it (`planned_for`), so one that was moved or
    skipped is never made again."""
    if arrangement.frequency == Frequency.ONCE or arrangement.status != A.Status.RUNNING:
        return 0
    now = now or timezone.now()
    until = (now + schedule.HORIZON).astimezone(schedule.local_zone()).date()
    if arrangement.ends_on is not None:
        until = min(until, arrangement.ends_on)
    begin = arrangement.starts_on
    if arrangement.generated_until is not None:
        begin = max(begin, arrangement.generated_until + dt.timedelta(days=1))
    if begin > until:
        return 0
    found = schedule.occurrences(
        frequency=arrangement.frequency,
        starts_on=arrangement.starts_on,
        ends_on=arrangement.ends_on,
        times=list(arrangement.times.all()),
        date_from=begin,
        date_to=until,
    )
    first_meeting_due = (
        arrangement.first_meeting and not Visit.objects.filter(arrangement=arrangement).exists()
    )
    rows = [
        Visit(
            arrangement=arrangement,
            planned_for=start,
            starts_at=start,
            ends_at=end,
            is_introduction=first_meeting_due and i == 0,
            # While the match is held for staff, visits are written on hold.
            status=V.ON_HOLD if arrangement.held_since else V.PLANNED,
        )
        for i, (start, end) in enumerate(found)
    ]
    before = Visit.objects.filter(arrangement=arrangement).count()
    Visit.objects.bulk_create(rows, ignore_conflicts=True)
    arrangement.generated_until = until
    arrangement.save(update_fields=["generated_until"])
    return Visit.objects.filter(arrangement=arrangement).count() - before


# --- Reading who is who ----------------------------------------------------------------------
def _locked(*, user: User, arrangement_id: int) -> tuple[Arrangement, str]:
    """The arrangement, row-locked, and the user's role in it (NotFound if none)."""
    arrangement = (
        Arrangement.objects.select_for_update(of=("self",))
        .select_related("match__need__owner", "match__offer__helper", "council")
        .filter(pk=arrangement_id)
        .first()
    )
    if arrangement is None:
        raise NotFound()
    role = match_role(user=user, match=arrangement.match)
    if role is None:
        raise NotFound()
    return arrangement, role


def _running(arrangement: Arrangement) -> None:
    if arrangement.status != A.Status.RUNNING:
        raise ApplicationError(gettext("This arrangement has ended."), code="arrangement_ended")


HELD_MESSAGE = _(
    "Visits are on hold while the council checks something about this help. You can change "
    "visits again once the council has looked at it."
)


def _not_held(arrangement: Arrangement) -> None:
    if arrangement.held_since is not None:
        raise ApplicationError(str(HELD_MESSAGE), code="arrangement_held")


def _party(role: str) -> None:
    if role not in (Role.CITIZEN, Role.HELPER):
        raise ApplicationError(
            gettext("Only the two people in an arrangement can do this."), code="not_a_party"
        )


def _visit(arrangement: Arrangement, visit_id: int) -> Visit:
    visit = Visit.objects.select_for_update().filter(pk=visit_id, arrangement=arrangement).first()
    if visit is None:
        raise NotFound()
    return visit


def _clean_words(text: str, *, limit: int, what: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        sentences = {
            "The note": gettext("The note can be at most %(limit)s characters."),
            "The reason": gettext("The reason can be at most %(limit)s characters."),
            "What you tell the council": gettext(
                "What you tell the council can be at most %(limit)s characters."
            ),
        }
        raise ApplicationError(sentences[what] % {"limit": limit}, code="too_long")
    return text


# --- Check-ins: "did the visit happen?" -----------------------------------------------------
MAX_MINUTES = 720


@transaction.atomic
def visit_check_in(
    *,
    user: User,
    arrangement_id: int,
    visit_id: int,
    happened: bool,
    minutes: int | None = None,
    note: str = "",
    worried: bool = False,
    now: dt.datetime | None = None,
) -> Visit:
    """The helper or the citizen says whether a visit happened (on the web or by a text
    reply). The helper may add the time spent and a note for staff, and may say they are
    worried, which opens a welfare check at once. What follows a "no" is in
    `arrangements.checkins`."""
    now = now or timezone.now()
    arrangement, role = _locked(user=user, arrangement_id=arrangement_id)
    _party(role)
    visit = _visit(arrangement, visit_id)
    if visit.starts_at > now:
        raise ApplicationError(
            gettext("This visit has not happened yet: you can say how it went afterwards."),
            code="visit_not_yet",
        )
    if visit.status in (V.SKIPPED, V.CANCELLED, V.ON_HOLD):
        sentences: dict[str, str] = {
            V.SKIPPED: gettext("This visit was skipped."),
            V.CANCELLED: gettext("This visit was cancelled."),
            V.ON_HOLD: gettext("This visit was on hold while the council checks."),
        }
        raise ApplicationError(sentences[visit.status], code="visit_not_planned")
    note = _clean_words(note, limit=1000, what="The note")
    if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
        raise ApplicationError(
            gettext("Give the time spent in minutes, between 1 and %(most)s.")
            % {"most": MAX_MINUTES},
            code="minutes",
        )
    if (visit.helper_answer if role == Role.HELPER else visit.citizen_answer) != "":
        raise ApplicationError(
            gettext("You have already told us about this visit. Thank you."), code="answered"
        )
    answer = Visit.Answer.YES if happened else Visit.Answer.NO
    if role == Role.HELPER:
        visit.helper_answer, visit.helper_answered_at = answer, now
        if happened:
            visit.minutes_spent = minutes or visit.minutes_spent or visit.planned_minutes
        if note:
            visit.note = note
    else:
        if minutes or note:
            raise ApplicationError(
                gettext("Only the helper records the time spent."), code="citizen_minutes"
            )
        visit.citizen_answer, visit.citizen_answered_at = answer, now
    visit.save()
    _audit(
        actor=user,
        verb="visit.answered",
        arrangement=arrangement,
        visit=visit.pk,
        by=role,
        happened=happened,
    )
    after_answer(arrangement=arrangement, visit=visit, role=role, worried=worried, now=now)
    return visit


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


# --- Ending ----------------------------------------------------------------------------------
#: Endings that mean the person still wants help (the need opens again for another helper).
_STILL_WANTED: dict[str, set[str]] = {
    Role.HELPER: {A.EndReason.CANNOT_CONTINUE, A.EndReason.NOT_A_GOOD_FIT, A.EndReason.OTHER},
    Role.CITIZEN: {A.EndReason.NOT_A_GOOD_FIT},
    Role.STAFF: {A.EndReason.CANNOT_CONTINUE, A.EndReason.NOT_A_GOOD_FIT, A.EndReason.OTHER},
}
END_REASONS: dict[str, list[str]] = {
    Role.CITIZEN: [
        A.EndReason.NO_LONGER_NEEDED,
        A.EndReason.NOT_A_GOOD_FIT,
        A.EndReason.DONE,
        A.EndReason.OTHER,
    ],
    Role.HELPER: [
        A.EndReason.CANNOT_CONTINUE,
        A.EndReason.NOT_A_GOOD_FIT,
        A.EndReason.DONE,
        A.EndReason.OTHER,
    ],
}


def end_counts_against(*, arrangement: Arrangement, role: str, reason: str) -> bool:
    """Whether ending names the person as having ended it (helper reliability): never after
    a first meeting that did not work out, never once help has been given."""
    if role != Role.HELPER:
        return False
    if reason == A.EndReason.NOT_A_GOOD_FIT:
        return False
    return not Visit.objects.filter(arrangement=arrangement, status=V.DONE).exists()


def arrangement_end(*, user: User, arrangement_id: int, reason: str, note: str = "") -> Arrangement:
    """Either person (or staff of the council) ends an arrangement, with a reason shown to
    staff and never to the other person, who is told kindly that it has ended. Both are
    invited to say how it went."""
    with transaction.atomic():
        seen = (
            Arrangement.objects.select_related("match__need__owner", "match__offer__helper")
            .filter(pk=arrangement_id)
            .first()
        )
        if seen is None:
            raise NotFound()
        role = match_role(user=user, match=seen.match)
        if role is None:
            raise NotFound()
        if seen.status != A.Status.RUNNING:
            raise ApplicationError(
                gettext("This arrangement has already ended."), code="arrangement_ended"
            )
        allowed = END_REASONS.get(role, list(A.EndReason.values))
        if reason not in allowed or reason in ("", A.EndReason.MATCH_ENDED):
            raise ApplicationError(gettext("Choose why the arrangement is ending."), code="reason")
        note = _clean_words(note, limit=500, what="What you tell the council")
        helped = Visit.objects.filter(arrangement=seen, status=V.DONE).exists() or (
            reason == A.EndReason.DONE
        )
        match_end(
            user=user,
            match_id=seen.match_id,
            helped=helped,
            need_still_wanted=reason in _STILL_WANTED.get(role, set()),
            blame=end_counts_against(arrangement=seen, role=role, reason=reason),
        )
        # The match's receiver (arrangements.follow) has ended the arrangement and cancelled
        # its visits to come; what remains is why, which only staff see.
        arrangement = Arrangement.objects.select_for_update().get(pk=seen.pk)
        arrangement.ended_by = user
        arrangement.ended_by_role = role
        arrangement.end_reason = reason
        arrangement.end_note = note
        arrangement.save(update_fields=["ended_by", "ended_by_role", "end_reason", "end_note"])
        _audit(
            actor=user, verb="arrangement.ended", arrangement=arrangement, by=role, reason=reason
        )
        return arrangement
