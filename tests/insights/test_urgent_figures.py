"""The oversight dashboard's urgent needs (`insights.measures.urgent_figures`): urgent needs
asked in the range, matched, matched within an hour of being asked, how many needed a second
wave of alerts, and the urgent alerts sent; read from the rows Kith keeps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from insights.measures import UrgentFigures, urgent_figures
from marketplace.models import Need
from matching.models import AlertRequest, AlertSent, Match
from staff_console.views.oversight import DEFAULT_RANGE_DAYS
from tests.kit import factories as make

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def urgent_need(council, *, asked_ago: dt.timedelta, urgency: str = "urgent") -> Need:
    need = make.need_row(council=council, urgency=urgency)
    Need.objects.filter(pk=need.pk).update(created_at=timezone.now() - asked_ago)
    need.refresh_from_db()
    return need


def accepted(need: Need, offer, *, after: dt.timedelta) -> None:
    Match.objects.create(
        council=need.council,
        need=need,
        offer=offer,
        status=Match.Status.ACCEPTED,
        proposed_by=Match.ProposedBy.HELPER,
        accepted_at=need.created_at + after,
    )


def alerted(need: Need, offer, helpers, *, waves: int) -> None:
    AlertRequest.objects.create(need=need, done_at=need.created_at, waves=waves)
    for k, helper in enumerate(helpers):
        AlertSent.objects.create(
            need=need, offer=offer, helper=helper, ring_m=8000, wave=1 + k % waves
        )


def test_urgent_needs_their_hour_and_their_waves(client, council_admin, home_council):
    offer = make.offer_row(council=home_council)
    helpers = [make.person(council=home_council) for _ in range(4)]
    quick = urgent_need(home_council, asked_ago=3 * HOUR)
    accepted(quick, offer, after=dt.timedelta(minutes=40))
    alerted(quick, offer, helpers[:3], waves=1)
    slow = urgent_need(home_council, asked_ago=5 * HOUR)
    accepted(slow, offer, after=2 * HOUR)
    alerted(slow, offer, helpers, waves=2)
    unmet = urgent_need(home_council, asked_ago=2 * HOUR)
    alerted(unmet, offer, helpers[:2], waves=2)
    # Not counted: a need that is not urgent, one asked before the range, another council's.
    soon = urgent_need(home_council, asked_ago=HOUR, urgency="soon")
    accepted(soon, offer, after=dt.timedelta(minutes=5))
    urgent_need(home_council, asked_ago=dt.timedelta(days=DEFAULT_RANGE_DAYS + 10))
    urgent_need(make.council(), asked_ago=HOUR)

    start, end = timezone.now() - dt.timedelta(days=DEFAULT_RANGE_DAYS), timezone.now()
    figures = urgent_figures(council_id=home_council.pk, start=start, end=end)
    assert figures == UrgentFigures(asked=3, matched=2, within_hour=1, second_wave=2, alerts=9)

    client.force_login(council_admin)
    page = client.get(reverse("staff:oversight")).content.decode()
    section = page.split('id="urgent-needs"')[1].split("</dl>")[0]
    assert "Urgent needs asked for" in section and "Matched within an hour" in section
    assert "1 (33%)" in section and "2 (67%)" in section
    assert "Needed a second wave of alerts" in section
