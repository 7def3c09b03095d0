"""When visits fall: weekly and fortnightly schedules, end dates, clocks changing, the agreed
times of a new arrangement, and a one-off visit."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from arrangements import schedule
from marketplace.availability import WeeklySlot

LONDON = ZoneInfo("Europe/London")
MON_10 = [(0, dt.time(10), dt.time(11))]


def local(instant: dt.datetime) -> tuple[dt.date, dt.time]:
    moment = instant.astimezone(LONDON)
    return moment.date(), moment.time()


def test_weekly_gives_every_matching_weekday_in_range():
    found = schedule.occurrences(
        frequency="weekly",
        starts_on=dt.date(2026, 11, 2),  # a Monday
        ends_on=None,
        times=MON_10 + [(2, dt.time(12), dt.time(13)), (4, dt.time(12), dt.time(13))],
        date_from=dt.date(2026, 11, 2),
        date_to=dt.date(2026, 11, 15),
    )
    days = [local(start)[0] for start, _ in found]
    assert days == [
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 4),
        dt.date(2026, 11, 6),
        dt.date(2026, 11, 9),
        dt.date(2026, 11, 11),
        dt.date(2026, 11, 13),
    ]
    assert all(end - start == dt.timedelta(hours=1) for start, end in found)


def test_fortnightly_counts_weeks_from_the_start_not_from_the_range():
    args = {
        "frequency": "fortnightly",
        "starts_on": dt.date(2026, 11, 4),
        "ends_on": None,
        "times": MON_10,
    }
    # Starting on a Wednesday: the first Monday of an "on" week is the one of the start's week
    # (already past), so the next is a fortnight later.
    found = schedule.occurrences(
        **args, date_from=dt.date(2026, 11, 4), date_to=dt.date(2026, 12, 31)
    )
    assert [local(s)[0] for s, _ in found] == [
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 14),
        dt.date(2026, 12, 28),
    ]
    # Generating the same schedule in two pieces gives the same visits.
    first = schedule.occurrences(
        **args, date_from=dt.date(2026, 11, 4), date_to=dt.date(2026, 11, 20)
    )
    rest = schedule.occurrences(
        **args, date_from=dt.date(2026, 11, 21), date_to=dt.date(2026, 12, 31)
    )
    assert first + rest == found


def test_end_date_is_the_last_day():
    found = schedule.occurrences(
        frequency="weekly",
        starts_on=dt.date(2026, 11, 2),
        ends_on=dt.date(2026, 11, 16),
        times=MON_10,
        date_from=dt.date(2026, 11, 1),
        date_to=dt.date(2027, 1, 31),
    )
    assert [local(s)[0] for s, _ in found] == [
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 9),
        dt.date(2026, 11, 16),
    ]


def test_clocks_changing_keeps_the_local_time():
    # The clocks go back on Sunday 25 October 2026 and forward on Sunday 28 March 2027.
    found = schedule.occurrences(
        frequency="weekly",
        starts_on=dt.date(2026, 10, 19),
        ends_on=None,
        times=MON_10,
        date_from=dt.date(2026, 10, 19),
        date_to=dt.date(2026, 10, 26),
    )
    assert [local(s)[1] for s, _ in found] == [dt.time(10), dt.time(10)]
    utc_hours = [s.astimezone(dt.UTC).hour for s, _ in found]
    assert utc_hours == [9, 10]  # BST, then GMT
    spring = schedule.occurrences(
        frequency="weekly",
        starts_on=dt.date(2027, 3, 22),
        ends_on=None,
        times=MON_10,
        date_from=dt.date(2027, 3, 22),
        date_to=dt.date(2027, 3, 29),
    )
    assert [s.astimezone(dt.UTC).hour for s, _ in spring] == [10, 9]


def test_a_time_in_the_spring_gap_moves_forward_as_a_clock_would():
    moment = schedule.at_local(dt.date(2027, 3, 28), dt.time(1, 30))
    assert moment.astimezone(LONDON).time() == dt.time(2, 30)


def test_agreed_times_are_where_both_sides_can_do():
    need = [(0, dt.time(9), dt.time(12)), (2, dt.time(14), dt.time(16))]
    offer = [(0, dt.time(10), dt.time(13)), (3, dt.time(9), dt.time(17))]
    assert schedule.agreed_times(need, offer) == [WeeklySlot(0, dt.time(10), dt.time(12))]
    # No overlap: the need's own times; none at all: nothing.
    assert schedule.agreed_times(need, [(5, dt.time(9), dt.time(10))]) == sorted(
        WeeklySlot(*row) for row in need
    )
    assert schedule.agreed_times([], []) == []


def test_one_off_visit_uses_the_window_or_the_next_morning():
    now = dt.datetime(2026, 12, 4, 15, tzinfo=dt.UTC)
    start = dt.datetime(2026, 12, 8, 14, tzinfo=dt.UTC)
    assert schedule.one_off_visit(
        starts_at=start, ends_at=start + dt.timedelta(hours=2), not_before=now
    ) == (start, start + dt.timedelta(hours=2))
    # A whole-day window is planned as an hour from its start.
    assert schedule.one_off_visit(
        starts_at=start, ends_at=start + dt.timedelta(hours=10), not_before=now
    )[1] == start + dt.timedelta(hours=1)
    begin, end = schedule.one_off_visit(starts_at=None, ends_at=None, not_before=now)
    assert local(begin) == (dt.date(2026, 12, 5), dt.time(10)) and end - begin == dt.timedelta(
        hours=1
    )
