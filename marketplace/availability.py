"""Weekly availability: validating slots and measuring how two weekly timetables overlap.

A slot is (weekday, start, end) in local time with end after start on the same day. Matching
uses `overlap_minutes` for the hard constraint and `overlap_share` for the score.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError

WEEKDAY_NAMES = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]
MAX_SLOTS = 21


@dataclass(frozen=True, order=True)
class WeeklySlot:
    weekday: int
    start: dt.time
    end: dt.time

    @property
    def minutes(self) -> int:
        return _minutes(self.end) - _minutes(self.start)

    def label(self) -> str:
        return f"{WEEKDAY_NAMES[self.weekday]} {self.start:%H:%M}–{self.end:%H:%M}"


def weekly_from_json(rows) -> list[WeeklySlot]:
    """Weekly slots from a statement's `json_agg(json_build_array(weekday, start, "end"))`
    (a JSON string, or the list a driver already decoded)."""
    if isinstance(rows, str):
        rows = json.loads(rows)
    return [
        WeeklySlot(int(d), dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for d, a, b in rows
    ]


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def as_slots(rows: Iterable) -> list[WeeklySlot]:
    """WeeklySlot values from model instances, dicts or tuples."""
    slots = []
    for row in rows:
        if isinstance(row, WeeklySlot):
            slots.append(row)
        elif isinstance(row, dict):
            slots.append(WeeklySlot(int(row["weekday"]), row["start"], row["end"]))
        elif isinstance(row, tuple | list):
            slots.append(WeeklySlot(int(row[0]), row[1], row[2]))
        else:
            slots.append(WeeklySlot(int(row.weekday), row.start, row.end))
    return slots


def validate_slots(rows: Iterable) -> list[WeeklySlot]:
    """Check slots and return them sorted; a clear ApplicationError names the bad one."""
    slots = as_slots(rows)
    if len(slots) > MAX_SLOTS:
        raise ApplicationError(
            _("Give at most %(count)s weekly times.") % {"count": MAX_SLOTS},
            code="slots_too_many",
        )
    for slot in slots:
        if not 0 <= slot.weekday <= 6:
            raise ApplicationError(_("Choose a day of the week."), code="slot_weekday")
        if slot.end <= slot.start:
            raise ApplicationError(
                _("%(day)s: the end time (%(end)s) must be after the start time (%(start)s).")
                % {
                    "day": WEEKDAY_NAMES[slot.weekday],
                    "end": f"{slot.end:%H:%M}",
                    "start": f"{slot.start:%H:%M}",
                },
                code="slot_end_before_start",
            )
    slots.sort()
    for previous, current in zip(slots, slots[1:], strict=False):
        if previous.weekday == current.weekday and current.start < previous.end:
            raise ApplicationError(
                _(
                    "%(first)s and %(second)s overlap. Join them into one time or change one "
                    "of them."
                )
                % {"first": previous.label(), "second": current.label()},
                code="slot_overlap",
            )
    return slots


def overlap_minutes(a: Sequence, b: Sequence) -> int:
    """Minutes per week during which both timetables are available."""
    total = 0
    for x in as_slots(a):
        for y in as_slots(b):
            if x.weekday != y.weekday:
                continue
            start = max(_minutes(x.start), _minutes(y.start))
            end = min(_minutes(x.end), _minutes(y.end))
            if end > start:
                total += end - start
    return total


def overlapping_slots(need_slots: Sequence, offer_slots: Sequence) -> list[WeeklySlot]:
    """The need's slots that the offer covers at least in part."""
    offer = as_slots(offer_slots)
    return [
        n
        for n in as_slots(need_slots)
        if any(
            o.weekday == n.weekday
            and min(_minutes(o.end), _minutes(n.end)) > max(_minutes(o.start), _minutes(n.start))
            for o in offer
        )
    ]


def overlap_share(need_slots: Sequence, offer_slots: Sequence) -> float:
    """Share of the need's weekly minutes that the offer covers, in [0, 1]."""
    need = as_slots(need_slots)
    wanted = sum(s.minutes for s in need)
    if wanted == 0:
        return 0.0
    return min(1.0, overlap_minutes(need, offer_slots) / wanted)
