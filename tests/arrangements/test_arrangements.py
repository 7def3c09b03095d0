"""An accepted match becomes an arrangement with visits; changes by agreement; ending."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from arrangements import services
from arrangements.models import Arrangement, ScheduleChange, Visit
from arrangements.schedule import local_zone
from core.errors import ApplicationError
from core.models import AuditEvent
from marketplace.models import Need
from matching import services as matching
from matching.models import Match

from .conftest import make_arrangement

pytestmark = pytest.mark.django_db


def test_accepting_a_weekly_need_starts_an_arrangement_at_the_agreed_times(arrangement):
    times = [(t.weekday, t.start, t.end) for t in arrangement.times.all()]
    assert times == [
        (0, dt.time(12), dt.time(13)),
        (2, dt.time(12), dt.time(13)),
        (4, dt.time(12), dt.time(13)),
    ]
    visits = list(arrangement.visits.all())
    assert 11 <= len(visits) <= 13  # four weeks of Mon/Wed/Fri
    assert all(v.status == "planned" for v in visits)
    assert all(v.starts_at.astimezone(local_zone()).time() == dt.time(12) for v in visits)
    assert visits[0].starts_at > timezone.now()
    assert AuditEvent.objects.filter(verb="arrangement.started", target_id=arrangement.pk).exists()
    # Generating again makes nothing twice.
    assert services.visits_generate(arrangement=arrangement) == 0
    later = timezone.now() + dt.timedelta(weeks=2)
    assert services.visits_generate(arrangement=arrangement, now=later) == 6
    assert arrangement.visits.count() == len(visits) + 6


def test_first_meeting_marks_the_first_visit_for_befriending_only(mcouncil):
    befriending = make_arrangement(mcouncil)
    assert befriending.first_meeting
    assert [v.is_introduction for v in befriending.visits.all()[:2]] == [True, False]
    shopping = make_arrangement(mcouncil, category="shopping")
    assert not shopping.first_meeting
    assert not shopping.visits.filter(is_introduction=True).exists()


def test_a_one_off_need_keeps_one_visit(mcouncil):
    one_off = make_arrangement(mcouncil, timing="one_off")
    assert one_off.frequency == "once"
    assert one_off.visits.count() == 1
    # "The help is done" records the visit as done.
    helper = one_off.match.offer.helper
    matching.match_complete(user=helper, match_id=one_off.match_id)
    visit = one_off.visits.get()
    assert visit.status == "done" and visit.minutes_spent == 60
    one_off.refresh_from_db()
    assert (one_off.status, one_off.end_reason) == ("ended", "done")


def test_skip_one_visit_with_a_reason(arrangement):
    citizen = arrangement.match.need.owner
    visit = arrangement.visits.first()
    with pytest.raises(ApplicationError, match="Say why"):
        services.visit_skip(
            user=citizen, arrangement_id=arrangement.pk, visit_id=visit.pk, reason=" "
        )
    services.visit_skip(
        user=citizen, arrangement_id=arrangement.pk, visit_id=visit.pk, reason="At the hospital"
    )
    visit.refresh_from_db()
    assert (visit.status, visit.skip_reason, visit.changed_by_role) == (
        "skipped",
        "At the hospital",
        "citizen",
    )
    # A skipped visit is never made again.
    services.visits_generate(arrangement=arrangement, now=timezone.now() + dt.timedelta(days=3))
    assert arrangement.visits.filter(planned_for=visit.planned_for).count() == 1


def test_moving_a_visit_waits_for_the_other_person(arrangement):
    citizen, helper = arrangement.match.need.owner, arrangement.match.offer.helper
    visit = arrangement.visits.first()
    new_time = visit.starts_at + dt.timedelta(days=1, hours=2)
    change = services.change_ask(
        user=helper,
        arrangement_id=arrangement.pk,
        kind="move_visit",
        visit_id=visit.pk,
        new_starts_at=new_time,
    )
    visit.refresh_from_db()
    assert visit.starts_at != new_time  # not yet
    with pytest.raises(ApplicationError, match="already waiting"):
        services.change_ask(
            user=citizen,
            arrangement_id=arrangement.pk,
            kind="move_visit",
            visit_id=visit.pk,
            new_starts_at=new_time,
        )
    with pytest.raises(ApplicationError, match="other person agrees"):
        services.change_decide(
            user=helper, arrangement_id=arrangement.pk, change_id=change.pk, agree=True
        )
    services.change_decide(
        user=citizen, arrangement_id=arrangement.pk, change_id=change.pk, agree=True
    )
    visit.refresh_from_db()
    assert visit.starts_at == new_time and visit.ends_at == new_time + dt.timedelta(hours=1)
    assert visit.planned_for != new_time
    # The moved visit is not made again at its old time.
    services.visits_generate(arrangement=arrangement, now=timezone.now() + dt.timedelta(days=1))
    assert not arrangement.visits.filter(starts_at=visit.planned_for).exists()


def test_changing_the_regular_time_to_fortnightly(arrangement):
    citizen, helper = arrangement.match.need.owner, arrangement.match.offer.helper
    change = services.change_ask(
        user=citizen,
        arrangement_id=arrangement.pk,
        kind="change_time",
        new_weekday=1,
        new_start=dt.time(15),
        new_end=dt.time(16),
        new_frequency="fortnightly",
    )
    services.change_decide(
        user=helper, arrangement_id=arrangement.pk, change_id=change.pk, agree=True
    )
    arrangement.refresh_from_db()
    assert arrangement.frequency == "fortnightly"
    planned = list(arrangement.visits.filter(status="planned"))
    tomorrow = timezone.now() + dt.timedelta(days=1)
    later = [v for v in planned if v.starts_at > tomorrow]
    assert later and all(v.starts_at.astimezone(local_zone()).weekday() == 1 for v in later)
    gaps = {(b.starts_at - a.starts_at).days for a, b in zip(later, later[1:], strict=False)}
    assert gaps <= {14}
    assert ScheduleChange.objects.get(pk=change.pk).status == "confirmed"


def test_a_declined_change_changes_nothing(arrangement):
    citizen, helper = arrangement.match.need.owner, arrangement.match.offer.helper
    before = list(arrangement.visits.values_list("starts_at", flat=True))
    change = services.change_ask(
        user=citizen,
        arrangement_id=arrangement.pk,
        kind="change_time",
        new_weekday=1,
        new_start=dt.time(15),
        new_end=dt.time(16),
    )
    services.change_decide(
        user=helper, arrangement_id=arrangement.pk, change_id=change.pk, agree=False
    )
    assert list(arrangement.visits.values_list("starts_at", flat=True)) == before


@pytest.mark.parametrize(
    ("who", "reason", "need_after", "blamed"),
    [
        ("citizen", "no_longer_needed", ("closed", "withdrawn"), False),
        ("helper", "cannot_continue", ("open", ""), True),
        ("helper", "not_a_good_fit", ("open", ""), False),
        ("citizen", "not_a_good_fit", ("open", ""), False),
    ],
)
def test_ending_from_either_side(arrangement, who, reason, need_after, blamed):
    person = arrangement.match.need.owner if who == "citizen" else arrangement.match.offer.helper
    services.arrangement_end(
        user=person, arrangement_id=arrangement.pk, reason=reason, note="Moving to Leeds"
    )
    arrangement.refresh_from_db()
    assert (arrangement.status, arrangement.end_reason, arrangement.ended_by_role) == (
        "ended",
        reason,
        who,
    )
    assert arrangement.end_note == "Moving to Leeds"
    assert not arrangement.visits.filter(status="planned").exists()
    match = Match.objects.get(pk=arrangement.match_id)
    assert match.status == "cancelled"  # nobody was helped yet
    assert (match.ended_by_id is not None) == blamed
    need = Need.objects.get(pk=match.need_id)
    assert (need.status, need.closed_reason) == need_after
    with pytest.raises(ApplicationError, match="already ended"):
        services.arrangement_end(user=person, arrangement_id=arrangement.pk, reason=reason)


def test_ending_after_visits_completes_the_match_and_invites_feedback(arrangement):
    visit = arrangement.visits.first()
    Visit.objects.filter(pk=visit.pk).update(status="done", minutes_spent=50)
    helper = arrangement.match.offer.helper
    services.arrangement_end(user=helper, arrangement_id=arrangement.pk, reason="cannot_continue")
    match = Match.objects.get(pk=arrangement.match_id)
    assert match.status == "completed" and match.ended_by_id is None
    assert Need.objects.get(pk=match.need_id).status == "open"  # the citizen still needs help
    assert AuditEvent.objects.filter(verb="match.completed", target_id=match.pk).exists()


def test_a_suspension_or_cancel_elsewhere_ends_the_arrangement(arrangement):
    matching.match_cancel(user=arrangement.match.need.owner, match_id=arrangement.match_id)
    arrangement.refresh_from_db()
    assert (arrangement.status, arrangement.end_reason) == ("ended", "match_ended")
    assert not arrangement.visits.filter(status="planned").exists()


def test_strangers_cannot_touch_an_arrangement(arrangement, mcouncil):
    from core.errors import NotFound
    from tests.kit import factories as make

    stranger = make.person(council=mcouncil)
    with pytest.raises(NotFound):
        services.arrangement_end(user=stranger, arrangement_id=arrangement.pk, reason="other")
    with pytest.raises(NotFound):
        services.visit_skip(
            user=stranger,
            arrangement_id=arrangement.pk,
            visit_id=arrangement.visits.first().pk,
            reason="x",
        )
    assert Arrangement.objects.get(pk=arrangement.pk).status == "running"


def test_a_visit_cannot_move_onto_another_or_past_the_end(arrangement):
    helper = arrangement.match.offer.helper
    first, second = list(arrangement.visits.order_by("starts_at")[:2])
    with pytest.raises(ApplicationError, match="Another visit"):
        services.change_ask(
            user=helper,
            arrangement_id=arrangement.pk,
            kind="move_visit",
            visit_id=first.pk,
            new_starts_at=second.starts_at + dt.timedelta(minutes=30),
        )
    Arrangement.objects.filter(pk=arrangement.pk).update(
        ends_on=second.starts_at.astimezone(local_zone()).date()
    )
    with pytest.raises(ApplicationError, match="before the arrangement ends"):
        services.change_ask(
            user=helper,
            arrangement_id=arrangement.pk,
            kind="move_visit",
            visit_id=first.pk,
            new_starts_at=second.starts_at + dt.timedelta(days=3),
        )
    assert not ScheduleChange.objects.exists()


def test_asking_for_the_time_it_already_has_is_refused(arrangement):
    """Moving a visit to its own time, or asking for the regular time it already has, would
    only ask the other person to agree to nothing: refused, with nothing saved. Asking for
    the same time every two weeks instead is a change."""
    helper = arrangement.match.offer.helper
    visit = arrangement.visits.order_by("starts_at").first()
    with pytest.raises(ApplicationError, match="already has") as err:
        services.change_ask(
            user=helper,
            arrangement_id=arrangement.pk,
            kind="move_visit",
            visit_id=visit.pk,
            new_starts_at=visit.starts_at,
        )
    assert err.value.code == "time_same"
    # One of its three regular times, asked again as it is.
    day, start, end = next((t.weekday, t.start, t.end) for t in arrangement.times.all())
    same = {"new_weekday": day, "new_start": start, "new_end": end}
    for frequency in ("", arrangement.frequency):
        with pytest.raises(ApplicationError, match="already the regular time") as err:
            services.change_ask(
                user=helper,
                arrangement_id=arrangement.pk,
                kind="change_time",
                new_frequency=frequency,
                replaces=(day, start),
                **same,
            )
        assert err.value.code == "time_same"
    # Its only regular time, asked again; then every two weeks instead, which is a change.
    single = make_arrangement(
        arrangement.council, slots=[(day, (start.hour, start.minute), (end.hour, end.minute))]
    )
    with pytest.raises(ApplicationError, match="already the regular time"):
        services.change_ask(
            user=single.match.offer.helper,
            arrangement_id=single.pk,
            kind="change_time",
            **same,
        )
    assert not ScheduleChange.objects.exists()
    services.change_ask(
        user=single.match.offer.helper,
        arrangement_id=single.pk,
        kind="change_time",
        new_frequency="fortnightly",
        **same,
    )


def test_help_done_before_the_planned_time_is_recorded_as_done_by_now(mcouncil):
    one_off = make_arrangement(mcouncil, timing="one_off")
    visit = one_off.visits.get()
    assert visit.starts_at > timezone.now()
    matching.match_complete(user=one_off.match.offer.helper, match_id=one_off.match_id)
    visit.refresh_from_db()
    assert visit.status == "done" and visit.ends_at <= timezone.now()
    assert visit.ends_at - visit.starts_at == dt.timedelta(hours=1)


def test_changing_one_of_several_regular_times_keeps_the_others(arrangement):
    citizen, helper = arrangement.match.need.owner, arrangement.match.offer.helper
    zone = local_zone()

    def days():
        return {
            v.starts_at.astimezone(zone).weekday()
            for v in arrangement.visits.filter(status="planned")
            if v.starts_at > timezone.now() + dt.timedelta(days=1)
        }

    mondays_before = set(
        arrangement.visits.filter(status="planned").values_list("planned_for", flat=True)
    )
    assert days() == {0, 2, 4}
    with pytest.raises(ApplicationError, match="change all the regular times"):
        services.change_ask(
            user=citizen,
            arrangement_id=arrangement.pk,
            kind="change_time",
            new_weekday=3,
            new_start=dt.time(12),
            new_end=dt.time(13),
            new_frequency="fortnightly",
            replaces=(2, dt.time(12)),
        )
    with pytest.raises(ApplicationError, match="overlap"):
        services.change_ask(
            user=citizen,
            arrangement_id=arrangement.pk,
            kind="change_time",
            new_weekday=0,
            new_start=dt.time(12, 30),
            new_end=dt.time(13, 30),
            replaces=(2, dt.time(12)),
        )
    change = services.change_ask(
        user=citizen,
        arrangement_id=arrangement.pk,
        kind="change_time",
        new_weekday=3,
        new_start=dt.time(15),
        new_end=dt.time(16),
        replaces=(2, dt.time(12)),
    )
    services.change_decide(
        user=helper, arrangement_id=arrangement.pk, change_id=change.pk, agree=True
    )
    assert [(t.weekday, t.start) for t in arrangement.times.all()] == [
        (0, dt.time(12)),
        (3, dt.time(15)),
        (4, dt.time(12)),
    ]
    assert days() == {0, 3, 4}
    arrangement.refresh_from_db()
    assert arrangement.frequency == "weekly"
    # The Monday and Friday visits are the same rows as before.
    kept = set(arrangement.visits.filter(status="planned").values_list("planned_for", flat=True))
    assert {p for p in mondays_before if p.astimezone(zone).weekday() in (0, 4)} <= kept
