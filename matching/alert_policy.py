"""Whom an urgent need's alert wakes: the council's alert policy (`Council.settings["alerts"]`).

Two policies, both run by `matching.tasks.alert_urgent_need`, both within each helper's quiet
hours and daily cap, both followed by a stand-down to everyone alerted once the need stops
being open (`notifications.rules.stand_down_if_filled`):

- `nearest`: the nearest opted-in eligible helpers, in rings of 1, 3 and 8 km, until five
  have been alerted. Every urgent need near the same few people wakes the same few people.
- `rotated`: every opted-in eligible helper within the council's furthest distance is a
  candidate; those asked least often in the last `window_days` come first (then those asked
  longest ago, then the nearest); nobody is asked more than `weekly_budget` times in the
  window; and the alert fans out to as many helpers as it takes for the chance that at least
  one answers to reach `target_reply_chance` (never more than `max_helpers`). Each helper's
  chance of answering is Kith's estimate, `reply_chance`, lowered by `fatigue_per_alert` for
  every time they were asked in the window: people who are asked often answer less (Manshadi
  & Rodilitz, Management Science 2022), so asking them again buys less than asking someone
  rested. Rotated alerts come in **waves**: if no helper has said yes `wave_minutes` after
  a wave, the next reaches helpers not yet alerted about the need, chosen the same way but
  with the weekly budget set aside (the need's urgency now outweighs it; the least asked
  still come first), up to `waves` in all (`matching.tasks.alert_waves_due`).

Kith's default is `rotated` in two waves a quarter of an hour apart (docs/matching-over-time.md:
on the simulator's arrival streams it met as many needs as `nearest`, urgent ones as fast,
with fewer alerts per match); a council may choose `nearest` in its settings.

Under either policy, every need that opens (urgent or not) may also be an **idle ask**: up
to `idle_asks` helpers who could help with it and whom nobody has asked for `idle_days` (no
alert, no idle ask, no match proposed to them) are told about it, those asked longest ago
first, then the nearest. Nobody is asked this way more than once in `idle_days`, so it cannot
tire anyone, and it reaches the helpers whom ranking and alerts would leave out: the ones who
do not live nearest to the most people. It is off unless the council turns it on
(`idle_asks` above 0): on the simulator's arrival streams it asked over 90 % of eligible
helpers every week, but met fewer needs, because every ask also tires (docs/matching-over-time.md).

"Asked" counts alerts and idle asks (`AlertSent`) and matches proposed to the helper. The simulator
(`benchmarks/simulate`, docs/matching-over-time.md) measures both policies over weeks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Count, Max

from accounts.models import Council

from .models import AlertSent, Match

NEAREST = "nearest"
ROTATED = "rotated"
KINDS = (NEAREST, ROTATED)
SETTINGS_KEY = "alerts"


@dataclass(frozen=True)
class AlertPolicy:
    kind: str = ROTATED
    #: The chance that at least one alerted helper answers, which the fan-out aims for.
    target_reply_chance: float = 0.9
    #: Kith's estimate of a rested helper answering an alert.
    reply_chance: float = 0.3
    #: How much each recent ask lowers that estimate (a share of what is left).
    fatigue_per_alert: float = 0.25
    #: The window in which asks count towards fatigue and the budget.
    window_days: int = 7
    #: The most a helper is asked in the window by the rotated policy.
    weekly_budget: int = 3
    #: The most helpers one need's alert reaches.
    max_helpers: int = 12
    #: How many idle helpers each opening need is told about (0: none).
    idle_asks: int = 0
    #: A helper not asked for this long is idle; nobody gets an idle ask more often.
    idle_days: int = 3
    #: Rotated alerts come in up to this many waves: while no helper has said yes
    #: `wave_minutes` after a wave, the next reaches helpers not yet alerted, the budget set
    #: aside (1: a single wave).
    waves: int = 2
    wave_minutes: int = 15


DEFAULT = AlertPolicy()

#: What a council may choose for each setting (the staff console's settings page offers these
#: bounds; a stored value outside them, or not a number, is brought back within them here).
RANGES: dict[str, tuple[float, float]] = {
    # The chance of at least one reply the fan-out aims for (100 % is never reached).
    "target_reply_chance": (0.5, 0.99),
    "reply_chance": (0.01, 0.99),
    "fatigue_per_alert": (0.0, 0.9),
    # The days in which alerts count towards the budget and a helper's tiredness.
    "window_days": (1, 28),
    # How many times one helper may be alerted within the window.
    "weekly_budget": (1, 14),
    # How many helpers one need's alert may reach.
    "max_helpers": (1, 30),
    # How many idle helpers each opening need is told about (0: idle asks off).
    "idle_asks": (0, 10),
    # After how many days without an ask a helper counts as idle.
    "idle_days": (1, 28),
    # How many waves one urgent need's rotated alerts may come in (1: no second wave).
    "waves": (1, 4),
    # How long a wave waits for a helper's yes before the next one goes out.
    "wave_minutes": (10, 240),
}


def _setting(stored: dict, name: str):
    default = getattr(DEFAULT, name)
    kind = type(default)
    try:
        value = kind(stored.get(name, default))
    except (TypeError, ValueError):
        return default
    if value != value:  # NaN
        return default
    low, high = RANGES[name]
    return kind(min(max(value, low), high))


def alert_policy(council: Council | None) -> AlertPolicy:
    """The council's alert policy: Kith's default with the council's own values on top, each
    within its range (`RANGES`), so that no stored value can, say, wake every helper."""
    stored = dict(((council.settings or {}) if council else {}).get(SETTINGS_KEY) or {})
    kind = stored.get("kind", DEFAULT.kind)
    return AlertPolicy(
        kind=kind if kind in KINDS else DEFAULT.kind,
        **{name: _setting(stored, name) for name in RANGES},
    )


@dataclass(frozen=True)
class HelperLoad:
    """How often (`asked`) and how recently (`last_at`) a helper was asked in the window."""

    asked: int = 0
    last_at: dt.datetime | None = None


RESTED = HelperLoad()


def helper_loads(*, helper_ids: Iterable[int], since: dt.datetime) -> dict[int, HelperLoad]:
    """Each helper's asks since `since`: alerts received and matches proposed to them."""
    ids = list(helper_ids)
    asked: dict[int, int] = {}
    last: dict[int, dt.datetime] = {}
    alerts = (
        AlertSent.objects.filter(helper_id__in=ids, sent_at__gte=since)
        .values("helper_id")
        .annotate(n=Count("id"), last=Max("sent_at"))
    )
    proposals = (
        Match.objects.filter(offer__helper_id__in=ids, created_at__gte=since)
        .values("offer__helper_id")
        .annotate(n=Count("id"), last=Max("created_at"))
    )
    for helper_id, n, at in [(r["helper_id"], r["n"], r["last"]) for r in alerts] + [
        (r["offer__helper_id"], r["n"], r["last"]) for r in proposals
    ]:
        asked[helper_id] = asked.get(helper_id, 0) + n
        last[helper_id] = max(at, last.get(helper_id, at))
    return {h: HelperLoad(asked=asked[h], last_at=last[h]) for h in asked}


def estimated_reply_chance(policy: AlertPolicy, load: HelperLoad) -> float:
    return policy.reply_chance * (1.0 - policy.fatigue_per_alert) ** load.asked


def rotated_choice(
    *,
    candidates: Sequence[tuple[int, float]],
    loads: Mapping[int, HelperLoad],
    policy: AlertPolicy,
    already: int = 0,
) -> list[int]:
    """The helpers to alert, in order, from `candidates` ((helper id, metres), any order, one
    per helper): least asked first, then asked longest ago, then nearest; within the budget;
    until the chance of a reply reaches the target. `already` helpers were alerted about this
    need before (a retried task): they count towards the target and the cap as rested ones."""
    within = [
        (helper_id, metres)
        for helper_id, metres in candidates
        if loads.get(helper_id, RESTED).asked < policy.weekly_budget
    ]

    def key(item: tuple[int, float]) -> tuple:
        load = loads.get(item[0], RESTED)
        last = load.last_at.timestamp() if load.last_at else float("-inf")
        return (load.asked, last, item[1], item[0])

    none_answer = (1.0 - policy.reply_chance) ** already
    chosen: list[int] = []
    for helper_id, _metres in sorted(within, key=key):
        if 1.0 - none_answer >= policy.target_reply_chance:
            break
        if already + len(chosen) >= policy.max_helpers:
            break
        chosen.append(helper_id)
        none_answer *= 1.0 - estimated_reply_chance(policy, loads.get(helper_id, RESTED))
    return chosen


def idle_choice(
    *,
    candidates: Sequence[tuple[int, float]],
    last_asked: Mapping[int, dt.datetime],
    policy: AlertPolicy,
    now: dt.datetime,
) -> list[int]:
    """The idle helpers to ask about a need, in order, from `candidates` ((helper id, metres),
    one per helper): only those not asked since `now - idle_days` (`last_asked`: each helper's
    last ask, absent if never), never asked first, then asked longest ago, then nearest; at
    most `idle_asks`."""
    if policy.idle_asks <= 0:
        return []
    since = now - dt.timedelta(days=policy.idle_days)
    idle = [(h, m) for h, m in candidates if h not in last_asked or last_asked[h] < since]

    def key(item: tuple[int, float]) -> tuple:
        last = last_asked.get(item[0])
        return (last.timestamp() if last else float("-inf"), item[1], item[0])

    return [h for h, _m in sorted(idle, key=key)[: policy.idle_asks]]
