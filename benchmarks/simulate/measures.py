"""The measures of one run, read from what Kith recorded (needs, matches, alerts) and from
what only the simulator knows (where people are, who left, each area's deprivation).

- met: a need with a match accepted before the time by which it had to be met; expired
  unmet: every other need (arrivals stop at the end of the run, and the clock runs on until
  every need's time has ended);
- time to a match: from the need opening to the match being accepted (met needs only); each
  wait is kept, and the report's p50 and p95 are over the met needs of every seed together;
- weekly share offered: in each week, of the helpers eligible that week (at least one need
  arrived that week while they were there, after they joined and before they left, of a kind
  they offer with an offer Kith opened, within their radius), the share asked at least once
  (an alert or idle ask, or a match proposed to them by the person asking or by a round; a
  helper's own offer to help is not an ask);
- Gini of offers: of the number of asks across every helper eligible in some week;
- alerts per match: urgent alerts sent per urgent need met; asks per match: every ask (alerts,
  idle asks, proposals) per need met;
- helpers left: those who left while needs were still arriving;
- distance: home to home, metres, of the matches accepted;
- continuity: of the weekly repeats that were met, the share met by a helper who had already
  helped the same person;
- deprivation gap: the share met in the most deprived fifth of areas minus the least.
"""

from __future__ import annotations

import numpy as np

from benchmarks.simulate.engine import Record
from benchmarks.simulate.world import URGENCIES, Arrivals
from marketplace.models import Need
from matching.models import AlertSent, Match


def gini(values: np.ndarray) -> float:
    v = np.sort(np.asarray(values, dtype=float))
    if v.size == 0 or v.sum() == 0:
        return 0.0
    n = v.size
    return float((2 * np.arange(1, n + 1) - n - 1).dot(v) / (n * v.sum()))


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def measure(world: Arrivals, record: Record) -> dict:
    start = record.start
    hours = lambda t: (t - start).total_seconds() / 3600  # noqa: E731
    n = world.needs
    h = world.helpers
    helper_index = {uid: i for i, uid in enumerate(record.helper_user_ids)}
    need_index = {nid: i for i, nid in enumerate(record.need_ids) if nid}
    needs = {
        row["id"]: row
        for row in Need.objects.filter(pk__in=need_index).values("id", "published_at", "ends_at")
    }
    accepted: dict[int, tuple[int, float]] = {}  # need index -> (helper index, hours)
    asks = np.zeros(len(record.helper_user_ids))
    ask_week: list[tuple[int, int]] = []
    for m in Match.objects.filter(need_id__in=need_index).values(
        "need_id", "offer__helper_id", "accepted_at", "created_at", "proposed_by"
    ):
        i, helper = need_index[m["need_id"]], helper_index[m["offer__helper_id"]]
        if m["proposed_by"] != Match.ProposedBy.HELPER:
            asks[helper] += 1
            ask_week.append((helper, int(hours(m["created_at"]) // 168)))
        at = m["accepted_at"]
        if at is not None and at <= needs[m["need_id"]]["ends_at"]:
            accepted.setdefault(i, (helper, hours(at) - hours(needs[m["need_id"]]["published_at"])))
    alerts = idle_asks = 0
    for a in AlertSent.objects.filter(need_id__in=need_index).values(
        "helper_id", "sent_at", "kind"
    ):
        helper = helper_index[a["helper_id"]]
        asks[helper] += 1
        if a["kind"] == AlertSent.Kind.URGENT:
            alerts += 1
        else:
            idle_asks += 1
        ask_week.append((helper, int(hours(a["sent_at"]) // 168)))

    counted = [i for i in range(len(n.at_h)) if record.need_ids[i]]
    met = {i for i in counted if i in accepted}
    out: dict = {"needs": len(counted), "met": _share(len(met), len(counted))}
    out["expired_unmet"] = _share(len(counted) - len(met), len(counted))
    for u, name in enumerate(URGENCIES):
        mine = [i for i in counted if n.urgency[i] == u]
        waits = [accepted[i][1] for i in mine if i in met]
        out[name] = {
            "needs": len(mine),
            "met": _share(sum(1 for i in mine if i in met), len(mine)),
            "p50_h": _pct(waits, 50),
            "p95_h": _pct(waits, 95),
            # Each met need's wait, so that percentiles can be taken over every seed's needs
            # together (`report.pooled`): a seed meets only a handful of urgent needs.
            "waits_h": sorted(round(w, 3) for w in waits),
        }
    urgent_met = sum(1 for i in met if URGENCIES[n.urgency[i]] == "urgent")
    out["alerts"] = alerts
    out["alerts_per_match"] = round(alerts / urgent_met, 2) if urgent_met else None
    out["idle_asks"] = idle_asks
    out["asks_per_match"] = round(float(asks.sum()) / len(met), 2) if met else None
    weekly, ever = _weekly_share(world, record, set(ask_week))
    out["weekly_offered"] = weekly
    out["weekly_offered_mean"] = round(float(np.mean(weekly)), 3) if weekly else None
    out["gini_offers"] = round(gini(asks[sorted(ever)]), 3) if ever else None
    # Left while needs were still arriving (after that, every helper runs out of asks alike).
    end_h = world.scenario.days * 24
    out["helpers_left"] = sum(1 for at in record.left_h.values() if at <= end_h)
    out["helpers"] = len(record.helper_user_ids)
    dist = [float(np.hypot(h.x[k] - n.x[i], h.y[k] - n.y[i])) for i, (k, _w) in accepted.items()]
    out["mean_distance_m"] = round(float(np.mean(dist))) if dist else None
    out["continuity"] = _continuity(world, accepted, met)
    quint = world.geo.quintile_at(n.x, n.y)
    by_q = {}
    for q in (1, 5):
        mine = [i for i in counted if quint[i] == q]
        by_q[q] = _share(sum(1 for i in mine if i in met), len(mine))
    out["met_least_deprived"], out["met_most_deprived"] = by_q[1], by_q[5]
    out["deprivation_gap"] = (
        round(by_q[5] - by_q[1], 3) if by_q[1] is not None and by_q[5] is not None else None
    )
    out["refused_steps"] = record.refused
    out["refused_by"] = dict(sorted(record.refused_by.items()))
    out["steps"] = record.steps
    return out


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _weekly_share(
    world: Arrivals, record: Record, asked: set[tuple[int, int]]
) -> tuple[list[float], set[int]]:
    n, h = world.needs, world.helpers
    kinds = int(max(n.category.max(initial=0), max(max(c) for c in h.categories)) + 1)
    offers_kind = np.zeros((len(h.x), kinds), dtype=bool)
    for i, cats in record.open_kinds.items():
        offers_kind[i, list(cats)] = True
    joined_h = h.join_day * 24
    left_h = np.array([record.left_h.get(i, np.inf) for i in range(len(h.x))])
    weeks = max(1, world.scenario.days // 7)
    shares, ever = [], set()
    for w in range(weeks):
        lo, hi = w * 168.0, (w + 1) * 168.0
        week = (n.at_h >= lo) & (n.at_h < hi)
        if not week.any():
            continue
        at = n.at_h[week][None, :]
        there = (joined_h[:, None] <= at) & (at < left_h[:, None])
        dx = h.x[:, None] - n.x[week][None, :]
        dy = h.y[:, None] - n.y[week][None, :]
        near = np.hypot(dx, dy) <= h.radius_m[:, None]
        kind_ok = offers_kind[:, n.category[week]]
        eligible = np.flatnonzero((there & near & kind_ok).any(axis=1))
        if eligible.size == 0:
            continue
        ever.update(int(i) for i in eligible)
        offered = sum(1 for i in eligible if (int(i), w) in asked)
        shares.append(round(offered / eligible.size, 3))
    return shares, ever


def _continuity(world: Arrivals, accepted: dict, met: set[int]) -> float | None:
    n = world.needs
    helped: dict[int, set[int]] = {}
    again = repeats = 0
    for i in np.argsort(n.at_h, kind="stable"):
        i = int(i)
        if i not in met:
            continue
        owner, helper = int(n.owner[i]), accepted[i][0]
        if n.repeat[i]:
            repeats += 1
            again += helper in helped.get(owner, set())
        helped.setdefault(owner, set()).add(helper)
    return _share(again, repeats)
