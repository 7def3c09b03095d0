"""When visits fall: the dates and local times a schedule produces, and the times a new
arrangement starts with. Pure functions of their arguments, so they are tested on their own.

Times are local (`settings.TIME_ZONE`): a Monday 10:00 visit is at 10:00 on the clock before
and after the clocks change, so its UTC instant moves by an hour. A local time that does not
exist (inside the spring gap) is moved forward by the gap, as a clock would be.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import dateformat
from django.utils.translation import gettext as _

from marketplace.availability import WeeklySlot, as_slots

#: How far ahead visits are written down as rows.
HORIZON = dt.timedelta(weeks=4)
#: A one-off visit with no window of its own, or a window longer than this, is planned for
#: this long from its start.
DEFAULT_VISIT = dt.timedelta(hours=1)
LONGEST_VISIT = dt.timedelta(hours=4)
#: Where a recurring arrangement has no agreed weekly time, it starts with this one, which
#: either person can then change.
FALLBACK_START, FALLBACK_END = dt.time(10, 0), dt.time(11, 0)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def at_local(day: dt.date, time: dt.time) -> dt.datetime:
    """The aware instant at `time` on the clock on `day`."""
    zone = local_zone()
    naive = dt.datetime.combine(day, time)
    aware = naive.replace(tzinfo=zone)
    # A time in the spring gap does not survive the round trip through UTC: it comes back an
    # hour later, which is what a clock shows.
    return aware.astimezone(dt.UTC).astimezone(zone)


def spoken(moment: dt.datetime) -> str:
    """An instant as people say it, in local time and the active language: "Monday 7
    December at 12:00" ("Dydd Llun 7 Rhagfyr am 12:00")."""
    local = moment.astimezone(local_zone())
    return _("%(date)s at %(time)s") % {
        "date": dateformat.format(local, "l j F"),
        "time": f"{local:%H:%M}",
    }


def _intersection(a: WeeklySlot, b: WeeklySlot) -> WeeklySlot | None:
    if a.weekday != b.weekday:
        return None
    start, end = max(a.start, b.start), min(a.end, b.end)
    return WeeklySlot(a.weekday, start, end) if end > start else None


def agreed_times(need_slots: Sequence, offer_slots: Sequence) -> list[WeeklySlot]:
    """The weekly times both sides said they can do: where the need's and the offer's slots
    overlap. With no overlap, the need's own times (the helper accepted the need as it was),
    else the offer's, else none."""
    need, offer = as_slots(need_slots), as_slots(offer_slots)
    both = [x for n in need for o in offer if (x := _intersection(n, o)) is not None]
    if both:
        return sorted(set(both))
    return sorted(need or offer)


def _fortnight_on(day: dt.date, first: dt.date) -> bool:
    """Whether `day` falls in an "on" week of a fortnightly schedule begun on `first`."""
    week0 = first - dt.timedelta(days=first.weekday())
    return ((day - week0).days // 7) % 2 == 0


def occurrences(
    *,
    frequency: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    times: Iterable,
    date_from: dt.date,
    date_to: dt.date,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The (start, end) instants of a weekly or fortnightly schedule between `date_from` and
    `date_to` (both included), within its own start and end dates, in time order."""
    slots = as_slots(times)
    first = max(starts_on, date_from)
    last = date_to if ends_on is None else min(ends_on, date_to)
    found = []
    day = first
    while day <= last:
        if frequency == "weekly" or _fortnight_on(day, starts_on):
            for slot in slots:
                if slot.weekday == day.weekday():
                    found.append((at_local(day, slot.start), at_local(day, slot.end)))
        day += dt.timedelta(days=1)
    return sorted(found)


def one_off_visit(
    *, starts_at: dt.datetime | None, ends_at: dt.datetime | None, not_before: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """The one visit of a one-off need: its window (at most `LONGEST_VISIT` of it), or, with
    no window or one already past, the next day at 10:00 for an hour, to be moved by
    agreement."""
    if starts_at is not None and starts_at >= not_before:
        end = ends_at if ends_at is not None else starts_at + DEFAULT_VISIT
        if end - starts_at > LONGEST_VISIT:
            end = starts_at + DEFAULT_VISIT
        return starts_at, end
    day = not_before.astimezone(local_zone()).date() + dt.timedelta(days=1)
    return at_local(day, FALLBACK_START), at_local(day, FALLBACK_END)
