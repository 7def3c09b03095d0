"""Check-ins: after each planned visit, "did the visit happen?".

The helper is asked first, once the visit's end time has passed. A "yes" from either person
confirms the visit. If the helper says no, or does not answer within the council's wait
(`policy.checkin_wait`), the citizen is asked. A citizen's "no" opens a welfare check at once;
if the citizen does not answer either, the visit is marked missed and unconfirmed, and a
second unconfirmed visit in a row opens a welfare check. A helper who is worried opens one at
once.

Each question is an event (`visit.checkin_helper`, `visit.checkin_citizen`) that the
notifications room turns into a message with a link and, by text, "reply YES or NO".
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.audit import audit_record
from core.events import Event, announce

from .models import Arrangement, Visit
from .policy import ongoing_policy
from .welfare import welfare_open

V, C = Visit.Status, Visit.CheckIn


def _ask(visit: Visit, *, who: str, now: dt.datetime) -> None:
    if who == "helper":
        visit.checkin, visit.helper_asked_at = C.ASKED_HELPER, now
        fields = ["checkin", "helper_asked_at", "updated_at"]
    else:
        visit.checkin, visit.citizen_asked_at = C.ASKED_CITIZEN, now
        fields = ["checkin", "citizen_asked_at", "updated_at"]
    visit.save(update_fields=fields)
    announce(
        Event(
            verb=f"visit.checkin_{who}",
            target_type="visit",
            target_id=visit.pk,
            council_id=visit.arrangement.council_id,
            data={"arrangement": visit.arrangement_id},
        )
    )


def after_answer(
    *, arrangement: Arrangement, visit: Visit, role: str, worried: bool, now: dt.datetime
) -> None:
    """What a person's answer leads to (the caller holds the arrangement's and the visit's
    locks and has saved the answer)."""
    if worried:
        welfare_open(arrangement=arrangement, visit=visit, reason="helper_concern", now=now)
    said_yes = (role == "helper" and visit.helper_answer == "yes") or (
        role == "citizen" and visit.citizen_answer == "yes"
    )
    if said_yes:
        if "no" in (visit.helper_answer, visit.citizen_answer):
            # One of the two said it did not happen: it stays missed (and a citizen's "no"
            # has already opened a welfare check, which a later "yes" does not undo).
            visit.status, visit.checkin = V.MISSED, C.CONFIRMED
        else:
            visit.status, visit.checkin = V.DONE, C.CONFIRMED
            visit.minutes_spent = visit.minutes_spent or visit.planned_minutes
        visit.save(update_fields=["status", "checkin", "minutes_spent", "updated_at"])
        return
    visit.status = V.MISSED
    visit.save(update_fields=["status", "updated_at"])
    if role == "helper":
        if visit.citizen_asked_at is None:
            _ask(visit, who="citizen", now=now)
        return
    visit.checkin = C.CONFIRMED  # the citizen has told us: it did not happen
    visit.save(update_fields=["checkin", "updated_at"])
    welfare_open(arrangement=arrangement, visit=visit, reason="citizen_said_no", now=now)


#: Visits asked about: those of running help, and those of ended help that were over before
#: it ended — never while the match is held for staff (`arrangements.follow`): nobody is
#: asked, and no visit counts as missed, until staff let it go on.
_STILL_ASKED = (
    Q(arrangement__status=Arrangement.Status.RUNNING) | Q(ends_at__lte=F("arrangement__ended_at"))
) & Q(arrangement__held_since__isnull=True)


def _due():
    return Visit.objects.select_for_update(skip_locked=True, of=("self",)).select_related(
        "arrangement__council"
    )


@transaction.atomic
def checkins_run(*, now: dt.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """The beat job: ask helpers about visits just ended, ask citizens where the helper said
    no or was silent, and mark unconfirmed the visits nobody answered. Rows another worker
    holds are skipped and caught next time."""
    now = now or timezone.now()
    counts = {"asked_helper": 0, "asked_citizen": 0, "unconfirmed": 0}
    for visit in (
        _due()
        .filter(status=V.PLANNED, checkin=C.NOT_YET, ends_at__lte=now)
        .filter(_STILL_ASKED)
        .order_by("ends_at")[:limit]
    ):
        _ask(visit, who="helper", now=now)
        counts["asked_helper"] += 1
    for visit in (
        _due()
        .filter(_STILL_ASKED, checkin=C.ASKED_HELPER, helper_answer="")
        .order_by("helper_asked_at")[:limit]
    ):
        if (
            visit.helper_asked_at
            and visit.helper_asked_at + ongoing_policy(visit.arrangement.council).checkin_wait > now
        ):
            continue
        _ask(visit, who="citizen", now=now)
        counts["asked_citizen"] += 1
    for visit in (
        _due()
        .filter(_STILL_ASKED, checkin=C.ASKED_CITIZEN, citizen_answer="")
        .order_by("citizen_asked_at")[:limit]
    ):
        if (
            visit.citizen_asked_at
            and visit.citizen_asked_at + ongoing_policy(visit.arrangement.council).checkin_wait
            > now
        ):
            continue
        _unconfirmed(visit, now=now)
        counts["unconfirmed"] += 1
    return counts


def _unconfirmed(visit: Visit, *, now: dt.datetime) -> None:
    arrangement = Arrangement.objects.select_for_update().get(pk=visit.arrangement_id)
    visit.status, visit.checkin = V.MISSED, C.UNCONFIRMED
    visit.save(update_fields=["status", "checkin", "updated_at"])
    audit_record(
        actor=None,
        verb="visit.unconfirmed",
        target_type="arrangement",
        target_id=arrangement.pk,
        council=arrangement.council,
        data={"match": arrangement.match_id, "visit": visit.pk},
    )
    before = (
        Visit.objects.filter(arrangement=arrangement, starts_at__lt=visit.starts_at)
        .exclude(status__in=(V.SKIPPED, V.CANCELLED, V.ON_HOLD))
        .order_by("-starts_at")
        .first()
    )
    if before is not None and before.checkin == C.UNCONFIRMED:
        welfare_open(arrangement=arrangement, visit=visit, reason="two_unconfirmed", now=now)
