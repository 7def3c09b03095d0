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

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from core.errors import ApplicationError, NotFound
from matching.models import Match
from matching.selectors import match_role
from matching.services import match_end
from safeguarding.models import MatchHold

from . import schedule
from .changes import change_ask, change_decide, visit_skip
from .checkins import after_answer
from .models import Arrangement, Frequency, RegularTime, Role, Visit
from .parties import (
    A,
    V,
    _audit,
    _clean_words,
    _locked,
    _party,
    _visit,
)
from .visits import visits_generate
from .welfare import welfare_open

# The room's writes, named here whichever module holds them (changes by agreement:
# `arrangements.changes`).
__all__ = [
    "END_REASONS",
    "MAX_MINUTES",
    "arrangement_end",
    "arrangement_start",
    "change_ask",
    "change_decide",
    "end_counts_against",
    "visit_check_in",
    "visit_skip",
    "visits_generate",
]


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
        if worried and role == Role.HELPER:
            # Answered already (in another tab, or by a text reply): that answer stands, but a
            # helper's worry is never dropped — it opens a welfare check as it would have.
            welfare_open(arrangement=arrangement, visit=visit, reason="helper_concern", now=now)
            _audit(
                actor=user,
                verb="visit.worry_raised",
                arrangement=arrangement,
                visit=visit.pk,
                by=role,
            )
            return visit
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
