"""The impact report: needs met, repeat pairings and cost avoided from the council's units
(a hot meal defaults to £4.90), hours given from the visit log, on the page and as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from arrangements.models import Visit
from core.errors import ApplicationError
from core.models import AuditEvent
from insights.impact import impact_report, impact_units_update
from marketplace import services as marketplace_services
from matching import services as matching_services
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def complete(*, need, offer, helper, moderator, minutes):
    """Match, accept, record one visit done (`minutes` spent, earlier today) and complete."""
    marketplace_services.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    match = matching_services.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    matching_services.match_accept(user=need.owner, match_id=match.pk)
    visit = Visit.objects.filter(arrangement__match=match).first()
    start = timezone.now() - dt.timedelta(minutes=minutes + 1)
    Visit.objects.filter(pk=visit.pk).update(
        status=Visit.Status.DONE,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes),
        minutes_spent=minutes,
    )
    matching_services.match_complete(user=need.owner, match_id=match.pk)


@pytest.fixture
def meals(home_council, moderator, helper, citizen):
    make.record_check(actor=moderator, helper=helper)
    offer = make.offer(helper=helper, category_slug="hot-meals", title="Sunday roast for one more")
    marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    other = make.person(council=home_council, display_name="Another Asker")
    # Three visits done, of 60, 90 and 30 minutes: 3 hours given.
    for owner, title, minutes in (
        (citizen, "Meal one", 60),
        (citizen, "Meal two", 90),
        (other, "Meal three", 30),
    ):
        need = make.need(owner=owner, category_slug="hot-meals", title=title)
        complete(need=need, offer=offer, helper=helper, moderator=moderator, minutes=minutes)
    return offer


def today_range():
    today = timezone.localdate()
    return {"date_from": today - dt.timedelta(days=1), "date_to": today}


def test_report_counts_needs_met_repeats_hours_and_cost(home_council, meals):
    report = impact_report(council=home_council, **today_range())
    [row] = report.rows
    assert row.slug == "hot-meals"
    assert (row.completed, row.needs_met, row.repeat_pairs) == (3, 3, 1)
    assert row.hours == Decimal(3)
    assert row.unit_cost == Decimal("4.90") and row.cost_avoided == Decimal("14.70")
    assert report.total.cost_avoided == Decimal("14.70")


def test_council_units_change_the_estimate_and_are_audited(home_council, meals, council_admin):
    impact_units_update(actor=council_admin, unit_costs={"hot-meals": Decimal("5.00")})
    home_council.refresh_from_db()
    [row] = impact_report(council=home_council, **today_range()).rows
    # The cost is an estimate from the units; the hours are what the visit log records.
    assert row.cost_avoided == Decimal("15.00") and row.hours == Decimal(3)
    event = AuditEvent.objects.get(verb="council.impact_units_changed")
    assert event.data["before"]["unit_costs"]["hot-meals"] == "4.90"
    assert event.data["after"]["unit_costs"]["hot-meals"] == "5.00"
    with pytest.raises(ApplicationError):
        impact_units_update(
            actor=council_admin, unit_costs={"hot-meals": Decimal("-1")}, unit_hours={}
        )


def test_no_completions_outside_the_range(home_council, meals):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    report = impact_report(council=home_council, date_from=tomorrow, date_to=tomorrow)
    assert report.rows == [] and report.total.completed == 0


def test_impact_page_csv_and_units_form(client, council_admin, meals):
    client.force_login(council_admin)
    page = client.get(reverse("staff:impact"))
    assert page.status_code == 200
    assert "£14.70" in page.content.decode()
    response = client.get(reverse("staff:impact_csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:7] == [
        "kind_of_help",
        "completed_matches",
        "needs_met",
        "repeat_pairings",
        "hours_given",
        "unit_cost_gbp",
        "cost_avoided_gbp",
    ]
    assert rows[1][:7] == ["Hot meals", "3", "3", "1", "3.00", "4.90", "14.70"]
    total = dict(zip(rows[0], rows[-1], strict=True))
    assert total["kind_of_help"] == "All kinds of help" and total["cost_avoided_gbp"] == "14.70"
    assert total["visits_done"] == "3" and total["hours_given"] == "3.00"
    assert AuditEvent.objects.filter(verb="impact.exported").exists()

    bad = client.post(reverse("staff:impact_units"), {"cost_hot-meals": "lots"})
    assert bad.status_code == 400
    assert "Enter the cost for hot meals in pounds" in bad.content.decode()
    ok = client.post(reverse("staff:impact_units"), {"cost_hot-meals": "6"})
    assert ok.status_code == 302
    assert "£18.00" in client.get(reverse("staff:impact")).content.decode()
