"""One definition of each measure: the same world gives the same figures in the oversight
dashboard, open data, `/metrics` and the impact report.

The world's times are moved forward from when its needs were recorded (moderation takes half
an hour, matches are accepted hours later), never back, so every need stays in today's day
and month whenever the test runs.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from insights import measures
from insights.impact import impact_report
from insights.oversight import oversight_for
from insights.publication import month_counts, needs_by_cell
from marketplace.lifecycle import need_transition
from marketplace.models import Need
from matching.models import Match
from matching.services import match_accept, match_complete, match_request
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
FAR = make.point_at(6000, 0)  # another hexagon of the grid, 6 km east


def _accept(*, need: Need, offer, hours_after_recorded: float) -> Match:
    match = match_request(citizen=need.owner, need_id=need.pk, offer_id=offer.pk)
    match = match_accept(user=offer.helper, match_id=match.pk)
    Match.objects.filter(pk=match.pk).update(
        accepted_at=need.created_at + hours_after_recorded * HOUR
    )
    return match


@pytest.fixture
def world():
    """15 needs asked, 7 matched, 5 fulfilled, 8 waiting (6 in one hexagon, 2 in another);
    a draft and a need turned down by moderators, which are not asked. Every matched need
    waited half an hour for a moderator, so time to match from publication would differ."""
    council = make.council(slug="same-figures")
    offer = make.offer_row(council=council, capacity=20)
    second = make.offer_row(council=council)
    matched = [make.need_row(council=council) for _ in range(6)]
    for hours, need in enumerate(matched, start=1):
        match = _accept(need=need, offer=offer, hours_after_recorded=hours)
        if hours <= 5:
            match_complete(user=need.owner, match_id=match.pk)
    # A need wanting two helpers is matched when its first helper accepts (after 7 hours),
    # not when its second does (after 20).
    both = make.need_row(council=council, helpers_wanted=2)
    _accept(need=both, offer=offer, hours_after_recorded=7)
    _accept(need=both, offer=second, hours_after_recorded=20)
    matched.append(both)
    Need.objects.filter(pk__in=[n.pk for n in matched]).update(
        published_at=timezone.now() + dt.timedelta(minutes=30)
    )
    for _ in range(6):
        make.need_row(council=council)
    for _ in range(2):
        make.need_row(council=council, at=FAR)
    make.need_row(council=council, status=Need.Status.DRAFT)
    turned_down = make.need_row(council=council)
    need_transition(need=turned_down, to=Need.Status.CLOSED, closed_reason="rejected")
    return council


def test_the_sql_names_statuses_the_models_have():
    """The fragments spell statuses as SQL literals; each is a value the models know."""
    fragments = (measures.ASKED, measures.WAITING, measures.FULFILLED)
    named = {
        value
        for fragment in fragments
        for value in re.findall(r"n\.(?:status|closed_reason) (?:<>|=) '(\w+)'", fragment)
    }
    assert named == {"draft", "closed", "rejected", "open", "fulfilled"}
    assert named <= set(Need.Status.values) | set(Need.ClosedReason.values)
    assert "m.status = 'completed'" in measures.FULFILLED
    assert "completed" in Match.Status.values


def _oversight(council):
    today = timezone.localdate()
    return oversight_for(council=council, date_from=today - dt.timedelta(days=7), date_to=today)


def _open_stats_row(council) -> dict:
    """The month's counts as open data counts them, before its disclosure rule (which is
    stricter than the oversight map's, insights.disclosure)."""
    counts = month_counts(council=council, month=timezone.localdate().replace(day=1))
    return {
        "needs_asked": sum(counts.asked.values()),
        "needs_matched": sum(counts.matched.values()),
        "needs_fulfilled": sum(counts.fulfilled.values()),
    }


def _metrics(client, council) -> dict[str, float]:
    """The council's samples on /metrics, by name and the labels other than the council."""
    operator = make.UserFactory(is_superuser=True, is_staff=True)  # /metrics is theirs
    make.enrol_totp(operator)
    client.force_login(operator)
    response = client.get("/metrics")
    assert response.status_code == 200
    values = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            labels = dict(sample.labels)
            if labels.pop("council", None) == council.slug:
                rest = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
                values[f"{sample.name}{{{rest}}}" if rest else sample.name] = sample.value
    return values


def test_asked_matched_and_fulfilled_are_the_same_in_oversight_and_open_data(world):
    oversight = _oversight(world)
    row = _open_stats_row(world)
    assert (oversight.created, oversight.matched, oversight.fulfilled) == (15, 7, 5)
    assert (row["needs_asked"], row["needs_matched"], row["needs_fulfilled"]) == (15, 7, 5)


def test_fulfilled_needs_are_the_needs_met_of_the_impact_report(world):
    today = timezone.localdate()
    impact = impact_report(council=world, date_from=today, date_to=today)
    assert impact.total.needs_met == _oversight(world).fulfilled == 5


def test_time_to_match_is_the_same_in_oversight_and_metrics(world, client):
    # From recording to each need's first accepted match: 1..6 hours and 7 hours; the median
    # is 4 hours (from publication it would be 3.5; over every accepted match, 4.5).
    assert _oversight(world).median_hours_to_match == pytest.approx(4.0)
    metrics = _metrics(client, world)
    assert metrics['kith_time_to_match_seconds{quantile="0.5"}'] == pytest.approx(4 * 3600)


def test_waiting_needs_are_the_same_in_oversight_open_data_and_metrics(world, client):
    oversight = _oversight(world)
    assert oversight.open_total == _metrics(client, world)["kith_needs_waiting"] == 8
    assert [h.count for h in oversight.demand.hexagons] == [6, None]  # 2 far away: suppressed
    assert _open_demand_counts(world) == [6, 2]


def _open_demand_counts(council) -> list[int]:
    """The open map's counts per hexagon, before its disclosure rule."""
    counts, _shapes = needs_by_cell(
        where=f"n.council_id = %(c)s AND {measures.WAITING} AND {measures.MODERATED}",
        params={"c": council.pk},
    )
    return sorted(counts.values(), reverse=True)


def test_one_suppression_threshold(world, monkeypatch):
    monkeypatch.setattr(measures, "SUPPRESS_BELOW", 2)
    assert [h.count for h in _oversight(world).demand.hexagons] == [6, 2]
    monkeypatch.setattr(measures, "SUPPRESS_BELOW", 7)
    assert [h.count for h in _oversight(world).demand.hexagons] == [None, None]


def test_one_hexagon_grid(world, monkeypatch):
    # Cells 200 km across hold the whole council: both maps then count its 8 waiting needs
    # in a single hexagon.
    monkeypatch.setattr(measures, "HEX_SIZE_M", 100_000)
    assert [h.count for h in _oversight(world).demand.hexagons] == [8]
    assert _open_demand_counts(world) == [8]
