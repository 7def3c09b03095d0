"""An arrangement's visits written ahead from its schedule (`arrangements.schedule` says when
they fall): on starting, every day for what comes into the horizon, and after an agreed change
(`arrangements.changes`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from . import schedule
from .models import Arrangement, Frequency, Visit
from .parties import (
    A,
    V,
)


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
