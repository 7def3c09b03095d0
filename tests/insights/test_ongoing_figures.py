"""Figures of ongoing help (issue "Ongoing help", point 6), all from the visit log: hours
given, visits done and missed and the missed rate, arrangements running and their median
length, and welfare checks opened and how they ended — on the impact report, the oversight
dashboard and in the impact CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from arrangements.models import Arrangement, Visit, WelfareCheck
from arrangements.welfare import welfare_call_record, welfare_escalate, welfare_open
from insights import measures
from insights.impact import impact_report
from insights.oversight import oversight_for
from tests.arrangements.conftest import make_arrangement

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def _visit(arrangement, *, status, minutes=None, hours_ago=3):
    """The arrangement's next unused visit, moved to earlier today with `status`."""
    visit = arrangement.visits.filter(status=Visit.Status.PLANNED).order_by("id").first()
    start = timezone.now() - dt.timedelta(hours=hours_ago)
    Visit.objects.filter(pk=visit.pk).update(
        status=status, starts_at=start, ends_at=start + dt.timedelta(hours=1), minutes_spent=minutes
    )


def _age(arrangement, *, days: float, ended_after: float | None = None):
    """Backdate the start `days` ago; with `ended_after`, it ended that many days after."""
    created = timezone.now() - days * DAY
    fields = {"created_at": created}
    if ended_after is not None:
        fields |= {"status": Arrangement.Status.ENDED, "ended_at": created + ended_after * DAY}
    Arrangement.objects.filter(pk=arrangement.pk).update(**fields)


@pytest.fixture
def world(home_council, council_admin):
    befriending = [make_arrangement(home_council) for _ in range(3)]
    walks = [make_arrangement(home_council, category="dog-walking") for _ in range(2)]
    first, second, third = befriending
    # Visits: befriending 60 + 45 minutes done and one missed; dog walking 30 minutes done
    # and one missed; a visit still planned or skipped counts for neither.
    _visit(first, status=Visit.Status.DONE, minutes=60)
    _visit(first, status=Visit.Status.DONE, minutes=45)
    _visit(second, status=Visit.Status.MISSED)
    _visit(second, status=Visit.Status.SKIPPED)
    _visit(walks[0], status=Visit.Status.DONE, minutes=30)
    _visit(walks[0], status=Visit.Status.MISSED)
    # A visit done long before the range is not counted.
    _visit(walks[1], status=Visit.Status.DONE, minutes=600, hours_ago=24 * 200)
    # Welfare checks opened today: fine, needs something, escalated, still open.
    now = timezone.now()
    checks = [
        welfare_open(arrangement=a, visit=None, reason="citizen_said_no", now=now)
        for a in (first, second, third, walks[0])
    ]
    welfare_call_record(actor=council_admin, check_id=checks[0].pk, result="reached_fine")
    welfare_call_record(
        actor=council_admin, check_id=checks[1].pk, result="reached_needs", note="Shopping"
    )
    welfare_call_record(actor=council_admin, check_id=checks[2].pk, result="not_reached")
    welfare_escalate(actor=council_admin, check_id=checks[2].pk)
    # And one opened long ago, outside the range.
    old = welfare_open(arrangement=walks[1], visit=None, reason="two_unconfirmed", now=now)
    WelfareCheck.objects.filter(pk=old.pk).update(opened_at=now - 200 * DAY)
    # Lengths: befriending ended after 10 and 30 days (median 20), one running 4 days; dog
    # walking running 8 days and ended after 2 days long ago (outside the range).
    _age(first, days=12, ended_after=10)
    _age(second, days=31, ended_after=30)
    _age(third, days=4)
    _age(walks[0], days=8)
    _age(walks[1], days=300, ended_after=2)
    return {"befriending": first.match.need.category, "walks": walks[0].match.need.category}


def _range():
    today = timezone.localdate()
    return {"date_from": today - 30 * DAY, "date_to": today}


def test_figures_from_the_visit_log(home_council, world):
    start, end = measures.day_range(**_range())
    figures = measures.ongoing_figures(council_id=home_council.pk, start=start, end=end)
    total = figures[measures.TOTAL]
    assert total.hours == Decimal("2.25")  # (60 + 45 + 30) / 60
    assert (total.visits_done, total.visits_missed) == (3, 2)
    assert total.missed_rate == pytest.approx(2 / 5)
    assert total.active_arrangements == 2
    assert total.median_days_ended == pytest.approx(20, abs=0.01)
    assert total.median_days_running == pytest.approx(6, abs=0.01)
    outcomes = (
        total.welfare_opened,
        total.welfare_fine,
        total.welfare_needs,
        total.welfare_escalated,
        total.welfare_open,
    )
    assert outcomes == (4, 1, 1, 1, 1)

    befriending = figures[world["befriending"].pk]
    assert befriending.hours == Decimal("1.75")
    assert (befriending.visits_done, befriending.visits_missed) == (2, 1)
    assert befriending.missed_rate == pytest.approx(1 / 3)
    assert befriending.active_arrangements == 1
    assert befriending.median_days_ended == pytest.approx(20, abs=0.01)
    assert befriending.median_days_running == pytest.approx(4, abs=0.01)
    assert (befriending.welfare_opened, befriending.welfare_escalated) == (3, 1)
    walks = figures[world["walks"].pk]
    assert walks.hours == Decimal("0.50") and walks.missed_rate == pytest.approx(1 / 2)
    assert walks.median_days_ended is None  # the one that ended, ended long before the range
    assert (walks.welfare_opened, walks.welfare_open) == (1, 1)


def test_no_visits_no_rate(home_council):
    start, end = measures.day_range(**_range())
    total = measures.ongoing_figures(council_id=home_council.pk, start=start, end=end)[
        measures.TOTAL
    ]
    assert total.missed_rate is None and total.hours == Decimal(0)
    assert total.median_days_ended is None and total.median_days_running is None


def test_impact_report_takes_hours_from_visits(home_council, world):
    report = impact_report(council=home_council, **_range())
    rows = {row.slug: row for row in report.rows}
    assert rows["befriending"].hours == Decimal("1.75")
    assert rows["dog-walking"].hours == Decimal("0.50")
    # No completed matches: hours are not estimated from them, and no cost is avoided.
    assert rows["befriending"].completed == 0 and rows["befriending"].cost_avoided == 0
    assert report.total.hours == Decimal("2.25")
    assert report.total.ongoing.visits_missed == 2


def test_oversight_shows_ongoing_help(client, home_council, council_admin, world):
    data = oversight_for(council=home_council, **_range())
    assert data.ongoing.visits_done == 3 and data.ongoing.welfare_escalated == 1
    client.force_login(council_admin)
    page = client.get(reverse("staff:oversight"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Median length of arrangements that ended in these dates" in body
    assert "20.0 days" in body and "40% of visits done or missed" in body
    impact = client.get(reverse("staff:impact")).content.decode()
    assert "Arrangements running now" in impact and "Passed to the safeguarding lead" in impact


def test_csv_has_the_new_columns(client, council_admin, world):
    client.force_login(council_admin)
    response = client.get(reverse("staff:impact_csv"))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_kind = {row["kind_of_help"]: row for row in rows}
    total = by_kind["All kinds of help"]
    assert total["hours_given"] == "2.25"
    assert (total["visits_done"], total["visits_missed"]) == ("3", "2")
    assert total["missed_rate"] == "0.400"
    assert total["arrangements_running_now"] == "2"
    assert total["median_days_ended_arrangements"] == "20.0"
    assert total["median_days_so_far_running"] == "6.0"
    assert total["welfare_checks_opened"] == "4"
    assert [
        total[k]
        for k in (
            "welfare_closed_fine",
            "welfare_closed_needs_something",
            "welfare_escalated",
            "welfare_still_open",
        )
    ] == ["1", "1", "1", "1"]
    assert by_kind[world["befriending"].name]["hours_given"] == "1.75"
