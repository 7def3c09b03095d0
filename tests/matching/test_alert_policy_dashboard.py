"""The oversight dashboard's figures on how work reaches helpers, from live data: of the
active helpers, how many were asked to help in the last 7 days (an urgent alert, or a match
proposed to them), and how many have not been asked for 4 weeks or more."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from insights.oversight import helpers_asked
from matching.models import AlertSent, Match
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def _helper(council):
    return make.offer_row(council=council, at=make.point_at(0, 0), radius_m=8000)


def test_asked_this_week_and_idle_helpers(home_council, away_council):
    alerted, proposed, offered_help, asked_long_ago, never = (
        _helper(home_council) for _ in range(5)
    )
    need = make.need_row(council=home_council, urgency="urgent")
    AlertSent.objects.create(need=need, offer=alerted, helper=alerted.helper, ring_m=1000)
    Match.objects.create(council=home_council, need=need, offer=proposed,
                         proposed_by=Match.ProposedBy.CITIZEN)  # fmt: skip
    # A helper's own offer to help is not an ask.
    Match.objects.create(council=home_council, need=need, offer=offered_help,
                         proposed_by=Match.ProposedBy.HELPER)  # fmt: skip
    old = AlertSent.objects.create(
        need=make.need_row(council=home_council, urgency="urgent"),
        offer=asked_long_ago,
        helper=asked_long_ago.helper,
        ring_m=1000,
    )
    AlertSent.objects.filter(pk=old.pk).update(sent_at=timezone.now() - dt.timedelta(days=10))
    # Another council's helper, asked this week, counts for neither.
    other = make.offer_row(council=away_council, at=make.point_at(0, 0, origin=make.AWAY))
    away_need = make.need_row(council=away_council, at=make.point_at(0, 0, origin=make.AWAY))
    AlertSent.objects.create(need=away_need, offer=other, helper=other.helper, ring_m=1000)
    # A helper with no open offer is not active.
    paused = make.offer_row(council=home_council, status="paused")
    assert paused.helper_id not in {h.helper_id for h in (alerted, never)}

    asked, idle = helpers_asked(council=home_council)
    assert asked == 2  # alerted, proposed
    # Not asked for 4 weeks: the helper who offered help themselves, and the one never asked
    # (asked 10 days ago is not idle).
    assert idle == 2
    assert helpers_asked(council=home_council, now=timezone.now() + dt.timedelta(days=8)) == (
        0,
        2,
    )
    assert helpers_asked(council=home_council, now=timezone.now() + dt.timedelta(days=30)) == (
        0,
        5,
    )


def test_the_dashboard_shows_them_in_both_languages(client, council_admin, home_council):
    helper = _helper(home_council)
    _helper(home_council)
    need = make.need_row(council=home_council, urgency="urgent")
    AlertSent.objects.create(need=need, offer=helper, helper=helper.helper, ring_m=1000)
    client.force_login(council_admin)
    html = client.get(reverse("staff:oversight")).content.decode()
    assert "Active helpers asked to help in the last 7 days" in html
    assert ">1 (50%)</dd>" in html
    assert "Active helpers not asked to help for 4 weeks or more" in html
    client.get("/language/cy/?next=/")
    try:
        html = client.get(reverse("staff:oversight")).content.decode()
    finally:  # the language chosen must not outlive this test
        client.get("/language/en-gb/?next=/")
        translation.activate(settings.LANGUAGE_CODE)
    assert '<html lang="cy"' in html
    assert "Helpwyr gweithredol y gofynnwyd iddynt helpu yn ystod y 7 diwrnod diwethaf" in html
    assert "Helpwyr gweithredol na ofynnwyd iddynt helpu ers 4 wythnos neu fwy" in html
