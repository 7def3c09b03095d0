"""`make simulate` at a tiny size (a few simulated days, a few dozen people), so that it
cannot silently stop working.

The simulator's own functions and arguments run on the test database through Kith's real
services: needs opened by `need_create` on the simulated clock, proposals, alerts chosen by
the council's alert policy, rounds, answers, expiry. Its measures are checked against what
Kith recorded, and its report against the targets; figures themselves are not asserted
(they are what the simulator is for). Committed transactions (`transaction=True`) let each
step's commit run its alerts and notifications, as in a real run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pytest
from django.utils import timezone

from benchmarks.simulate.__main__ import _one, merged, parse_args, report, run
from benchmarks.simulate.engine import POLICIES, SimClock, ask_chance
from benchmarks.simulate.measures import gini
from benchmarks.simulate.world import SCENARIOS, draw, geography
from marketplace.models import Need
from matching.alert_policy import DEFAULT, alert_policy
from matching.models import AlertSent, Match, Round
from notifications.models import Notification

# Today's policy, rounds, and the patient policy with rotated alerts in waves and idle asks
# (last: its data stays).
TINY_POLICIES = [POLICIES[0].name, POLICIES[1].name, POLICIES[-1].name]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_simulator_runs_policies_through_kith_at_a_tiny_size(tmp_path):
    before = timezone.now()
    args = parse_args(
        ["--seeds=1", "--days=3", "--scale=0.25", "--plots=", "--policies", *TINY_POLICIES]
    )
    results = run(args)
    assert abs((timezone.now() - before).total_seconds()) < 600  # the real clock is back

    for name in SCENARIOS:
        policies = results["scenarios"][name]
        assert set(policies) == {*TINY_POLICIES, "_size"}
        for policy in TINY_POLICIES:
            [one] = policies[policy]["runs"]
            assert one["needs"] > 0 and one["steps"] > one["needs"]
            assert one["met"] + one["expired_unmet"] == pytest.approx(1.0)
            assert 0 <= one["weekly_offered_mean"] <= 1
            assert (
                one["urgent"]["needs"] + one["soon"]["needs"] + one["routine"]["needs"]
                == (one["needs"])
            )

    # The last run (needs outnumber helpers, patient with rotated alerts and idle asks) is
    # still stored.
    last = results["scenarios"]["needs_outnumber"][TINY_POLICIES[-1]]["runs"][0]
    needs = Need.objects.all()
    assert needs.count() == last["needs"]
    policy = alert_policy(needs.first().council)
    assert (policy.kind, policy.idle_asks, policy.idle_days) == ("rotated", 4, 3)
    assert (policy.waves, policy.wave_minutes) == (DEFAULT.waves, DEFAULT.wave_minutes)
    assert AlertSent.objects.filter(kind=AlertSent.Kind.URGENT).count() == last["alerts"]
    assert AlertSent.objects.filter(kind=AlertSent.Kind.IDLE).count() == last["idle_asks"]
    assert Round.objects.exists()  # rounds ran once a day
    assert not needs.filter(status=Need.Status.OPEN).exists()  # each was met or withdrawn
    # Every need was opened on the simulated clock, over the simulated days.
    opened = sorted(needs.values_list("published_at", flat=True))
    assert opened[-1] - opened[0] > dt.timedelta(hours=12)
    assert Match.objects.filter(accepted_at__isnull=False).count() >= round(
        last["met"] * last["needs"]
    )
    assert Notification.objects.exists()  # the notifications room heard the steps

    # Runs kept by separate processes are reported as one.
    for name in SCENARIOS:
        part = results | {"scenarios": {name: results["scenarios"][name]}}
        (tmp_path / f"{name}.json").write_text(json.dumps(part))
    together = merged([str(tmp_path / f"{name}.json") for name in SCENARIOS])
    assert together["scenarios"] == json.loads(json.dumps(results["scenarios"]))
    # ... and more seeds of the same scenario kept apart are put together.
    twice = merged([str(tmp_path / "needs_outnumber.json")] * 2)["scenarios"]["needs_outnumber"]
    assert len(twice[TINY_POLICIES[0]]["runs"]) == 2

    printed = report(results, str(tmp_path / "img"))
    assert "| policy |" in printed and "weekly share offered" in printed
    assert "load average" in printed and "not run (--timing)" in printed
    assert sorted(p.name for p in (tmp_path / "img").iterdir()) == [
        "matching-fairness.png",
        "matching-met.png",
        "matching-urgent.png",
    ]


def test_arrivals_are_the_same_for_the_same_seed_and_differ_for_another():
    scenario = SCENARIOS["helpers_outnumber"]
    a, b, c = draw(scenario, 7, kinds=8), draw(scenario, 7, kinds=8), draw(scenario, 8, kinds=8)
    assert np.array_equal(a.needs.at_h, b.needs.at_h)
    assert np.array_equal(a.helpers.x, b.helpers.x)
    assert not np.array_equal(a.needs.at_h, c.needs.at_h)
    assert np.all(np.diff(a.needs.at_h) >= 0)
    assert a.needs.repeat.any()  # weekly repeats from the same people
    # The areas' synthetic deprivation: five fifths, the town centre the most deprived.
    geo = geography()
    assert set(np.unique(geo.quintile)) == {1, 2, 3, 4, 5}
    assert geo.quintile_at(np.array([0.0]), np.array([0.0]))[0] == 5


def test_asks_tire_a_helper_for_a_while_and_gini_measures_spread():
    assert ask_chance(0.5, [], 100.0) == 0.5
    tired = ask_chance(0.5, [99.0, 98.0], 100.0)
    rested = ask_chance(0.5, [99.0 - 96, 98.0 - 96], 100.0)
    assert tired < rested < 0.5
    assert ask_chance(0.5, [0.0], 24 * 8) == 0.5  # a week on, forgotten
    assert gini(np.array([1, 1, 1, 1])) == 0
    assert gini(np.array([0, 0, 0, 4])) == pytest.approx(0.75)


def test_the_simulated_clock_is_kiths_only_inside_the_run():
    moment = dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC)
    clock = SimClock(moment)
    with clock.installed():
        assert timezone.now() == moment
        assert timezone.localdate() == dt.date(2030, 1, 1)
    assert timezone.now().year != 2030


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_seed_gives_the_same_measures_run_after_run():
    # Common random numbers: each run starts its ids afresh (`benchmarks.data.reset`), so the
    # draws keyed by a person or a need are the same in a second run, and so is every figure.
    scenario = dataclasses.replace(SCENARIOS["helpers_outnumber"], helpers=30, citizens=30,
                                   needs_per_day=3, days=2)  # fmt: skip
    first, second = (_one(scenario, POLICIES[0], 7) for _ in range(2))
    first.pop("seconds"), second.pop("seconds")
    assert first == second
    assert first["needs"] > 0


def test_a_shorter_timing_run_is_scaled_to_8_weeks_by_its_needs():
    size = {"helpers": 1500, "citizens": 18_500, "needs_per_day": 60, "days": 7}
    run_ = {"seconds": 100.0, "needs": 400, "steps": 2000}
    results = {
        "scenarios": {},
        "baseline": POLICIES[0].name,
        "timing": {"size": size, "runs": {"a policy": run_}, "needs_8_weeks": 9600},
        "load_average": {"start": [1.0], "end": [1.0]},
        "cpus": 2,
    }
    printed = report(results)
    # 0.25 s a need, 9,600 needs: 2,400 s, where scaling by days (x 8) would say 800 s.
    assert "0.25 s a need" in printed and "2400 s for the 9600 needs of 8 weeks" in printed
    assert "(NOT met)" in printed


def test_waits_are_pooled_over_seeds_and_the_p95_gap_has_the_seeds_interval():
    from benchmarks.simulate.report import p95_gap_interval, pooled, within_hour  # noqa: PLC0415

    def seed(n: int, waits: list[float]) -> dict:
        return {"seed": n, "urgent": {"p95_h": max(waits), "waits_h": waits}}

    fast = [seed(1, [0.1, 0.2]), seed(2, [0.3]), seed(3, [0.2, 0.4, 0.5])]
    every = [0.1, 0.2, 0.3, 0.2, 0.4, 0.5]
    assert pooled(fast, "urgent.p95_h") == pytest.approx(np.percentile(every, 95))
    assert pooled(fast, "urgent.p50_h") == pytest.approx(np.percentile(every, 50))
    # Results kept without the waits: the mean of the seeds' own figures.
    old = [{"urgent": {"p95_h": 1.0}}, {"urgent": {"p95_h": 2.0}}]
    assert pooled(old, "urgent.p95_h") == 1.5
    # The same seeds, each need met an hour later: the gap is an hour whatever is drawn.
    slow = [seed(r["seed"], [w + 1 for w in r["urgent"]["waits_h"]]) for r in fast]
    low, high = p95_gap_interval(slow, fast)
    assert low == pytest.approx(1.0) and high == pytest.approx(1.0)
    # Seeds differing in luck give an interval around the gap, and no interval from one seed.
    mixed = [seed(1, [0.1, 0.2]), seed(2, [2.0]), seed(3, [0.2, 0.4, 0.5])]
    low, high = p95_gap_interval(mixed, fast)
    assert low < high and low <= pooled(mixed, "urgent.p95_h") - pooled(fast, "urgent.p95_h")
    assert p95_gap_interval(fast[:1], fast[:1]) is None
    # Met within an hour, of every urgent need (met or not) of every seed.
    for run_, needs in zip(fast, (4, 2, 4), strict=True):
        run_["urgent"]["needs"] = needs
    assert within_hour(fast) == pytest.approx(6 / 10)
    assert within_hour(slow) is None  # no count of needs kept
