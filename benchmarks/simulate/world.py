"""The simulated council and its arrivals, drawn from seeded distributions (no database).

Geography (the same for every seed, so that seeds vary the people and not the place): a market
town of a few tens of thousands and three villages inside a 24 km square, people placed by a
mixture of Gaussians around their centres (60 % in the town, σ 3 km; 10 % around each village,
σ 1 km; 10 % spread over the countryside). The square is cut into 1 km areas, and each area
has a deprivation index between 0 and 1. Kith ships no deprivation data, so the index is
synthetic and says so: higher towards the town centre (inner-town deprivation, as in most
English market towns), plus noise; the areas are then ranked into quintiles, weighted by how
many people live in each. Helpers are fewer where deprivation is higher (formal volunteering
is lower in the most deprived areas: NCVO, Time Well Spent 2023), people asking for help more.

Each seed draws:

- helpers: a home point, a travel radius (1–8 km), capacity (1–3 at once), one to three
  kinds of help, whether they take alerts (70 %) and quiet hours (half: 22:00–07:00), a day
  they join (most at the start), and a rested chance of answering an ask (Beta(3, 4), mean
  0.43);
- needs: Poisson arrivals, mostly in the day (08:00–20:00), each with a kind of help (some
  kinds asked for more often), an urgency (urgent 15 %, soon 35 %, routine 50 %) and a time
  by which it must be met (urgent: 3–8 hours; soon: 1–3 days; routine: 4–10 days); 30 % of
  the people asking come back every week with the same kind of need (recurrence, which
  continuity measures).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

M_PER_DEG = 111_320.0
#: A made-up market town's centre in the English Midlands.
CENTRE_LON, CENTRE_LAT = -1.55, 52.28
HALF_M = 12_000
AREA_M = 1_000
RADII_M = np.array([1000, 2000, 3000, 5000, 8000])
RADII_P = np.array([0.15, 0.25, 0.3, 0.2, 0.1])
URGENCIES = ("urgent", "soon", "routine")
URGENCY_P = np.array([0.15, 0.35, 0.5])
#: Hours until a need must be met, by urgency (uniform between the two).
WINDOW_H = {"urgent": (3, 8), "soon": (24, 72), "routine": (96, 240)}
RECURRING_SHARE = 0.3
ALERTS_OPT_IN = 0.7
GEOGRAPHY_SEED = 2021
# (x, y, σ, share) in metres around the centre: the town, three villages, the countryside.
CLUSTERS = ((0, 0, 3000, 0.6), (-7000, 5000, 1000, 0.1), (6000, 6500, 1000, 0.1),
            (4000, -7000, 1000, 0.1))  # fmt: skip


@dataclass(frozen=True)
class Scenario:
    name: str
    helpers: int
    citizens: int
    needs_per_day: float
    days: int
    #: Share of the helpers who join during the run (the others are there at the start).
    joining_share: float = 0.2


SCENARIOS = {
    "helpers_outnumber": Scenario("helpers_outnumber", helpers=150, citizens=150,
                                  needs_per_day=4, days=14),
    "needs_outnumber": Scenario("needs_outnumber", helpers=60, citizens=250,
                                needs_per_day=10, days=14),
}  # fmt: skip
#: The target size: a 20k-person council for 8 weeks (people = helpers + people asking).
COUNCIL_20K = Scenario("council_20k", helpers=1500, citizens=18_500, needs_per_day=60, days=56)


def lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lat = CENTRE_LAT + y / M_PER_DEG
    lon = CENTRE_LON + x / (M_PER_DEG * math.cos(math.radians(CENTRE_LAT)))
    return lon, lat


@dataclass(frozen=True)
class Geography:
    """1 km areas over the square: each area's deprivation quintile (1 least, 5 most)."""

    deprivation: np.ndarray  # (cells, cells) index 0..1
    quintile: np.ndarray  # (cells, cells) 1..5

    def area_of(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = self.deprivation.shape[0]
        col = np.clip(((x + HALF_M) // AREA_M).astype(int), 0, n - 1)
        row = np.clip(((y + HALF_M) // AREA_M).astype(int), 0, n - 1)
        return row, col

    def quintile_at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        row, col = self.area_of(x, y)
        return self.quintile[row, col]

    def index_at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        row, col = self.area_of(x, y)
        return self.deprivation[row, col]


def _mixture(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    shares = np.array([c[3] for c in CLUSTERS] + [1 - sum(c[3] for c in CLUSTERS)])
    which = rng.choice(len(shares), size=n, p=shares)
    x = rng.uniform(-HALF_M, HALF_M, n)
    y = rng.uniform(-HALF_M, HALF_M, n)
    for k, (cx, cy, sigma, _share) in enumerate(CLUSTERS):
        mask = which == k
        x[mask] = rng.normal(cx, sigma, mask.sum())
        y[mask] = rng.normal(cy, sigma, mask.sum())
    return np.clip(x, -HALF_M + 1, HALF_M - 1), np.clip(y, -HALF_M + 1, HALF_M - 1)


def geography() -> Geography:
    rng = np.random.default_rng(GEOGRAPHY_SEED)
    n = 2 * HALF_M // AREA_M
    centres = (np.arange(n) + 0.5) * AREA_M - HALF_M
    cx, cy = np.meshgrid(centres, centres)
    r2 = cx**2 + cy**2
    index = np.clip(0.65 * np.exp(-r2 / (2 * 2500.0**2)) + 0.35 * rng.random((n, n)), 0, 1)
    # Quintiles weighted by population: place many people, rank the areas they live in.
    px, py = _mixture(rng, 50_000)
    row = np.clip(((py + HALF_M) // AREA_M).astype(int), 0, n - 1)
    col = np.clip(((px + HALF_M) // AREA_M).astype(int), 0, n - 1)
    people_index = index[row, col]
    edges = np.quantile(people_index, [0.2, 0.4, 0.6, 0.8])
    quintile = 1 + np.searchsorted(edges, index, side="right")
    return Geography(deprivation=index, quintile=quintile)


def _placed(
    rng: np.random.Generator, geo: Geography, n: int, *, keep
) -> tuple[np.ndarray, np.ndarray]:
    """`n` points from the mixture, each kept with probability `keep(deprivation)`."""
    xs, ys = [], []
    got = 0
    while got < n:
        x, y = _mixture(rng, 2 * (n - got) + 16)
        kept = rng.random(x.size) < keep(geo.index_at(x, y))
        xs.append(x[kept])
        ys.append(y[kept])
        got += int(kept.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


@dataclass(frozen=True)
class Helpers:
    x: np.ndarray
    y: np.ndarray
    radius_m: np.ndarray
    capacity: np.ndarray
    categories: list[tuple[int, ...]]  # indexes into the council's kinds of help
    alerts: np.ndarray  # bool: takes alerts
    quiet: np.ndarray  # bool: quiet 22:00-07:00
    join_day: np.ndarray  # float days from the start
    reply: np.ndarray  # rested chance of answering an ask


@dataclass(frozen=True)
class Needs:
    """Sorted by arrival. `owner` indexes the people asking; `repeat` is True for a need that
    comes back weekly from the same person (not the first of them)."""

    at_h: np.ndarray  # hours from the start
    owner: np.ndarray
    category: np.ndarray
    urgency: np.ndarray  # index into URGENCIES
    window_h: np.ndarray  # hours until it must be met
    x: np.ndarray
    y: np.ndarray
    repeat: np.ndarray


@dataclass(frozen=True)
class Arrivals:
    scenario: Scenario
    seed: int
    geo: Geography
    helpers: Helpers
    citizen_x: np.ndarray
    citizen_y: np.ndarray
    needs: Needs


def _category_weights(kinds: int) -> np.ndarray:
    w = 1.0 / np.arange(1, kinds + 1) ** 0.7
    return w / w.sum()


def draw(scenario: Scenario, seed: int, *, kinds: int) -> Arrivals:
    """Everything that arrives in `scenario` under `seed`, over `kinds` kinds of help."""
    geo = geography()
    rng = np.random.default_rng(seed)
    cat_w = _category_weights(kinds)
    h = scenario.helpers
    hx, hy = _placed(rng, geo, h, keep=lambda d: 1.0 - 0.6 * d)
    how_many = rng.choice(np.array([1, 2, 3]), size=h, p=np.array([0.4, 0.4, 0.2]))
    categories = [
        tuple(sorted(int(k) for k in rng.choice(kinds, size=min(int(m), kinds), replace=False,
                                                 p=cat_w)))
        for m in how_many
    ]  # fmt: skip
    joining = rng.random(h) < scenario.joining_share
    helpers = Helpers(
        x=hx,
        y=hy,
        radius_m=rng.choice(RADII_M, size=h, p=RADII_P),
        capacity=rng.choice(np.array([1, 1, 2, 3]), size=h),
        categories=categories,
        alerts=rng.random(h) < ALERTS_OPT_IN,
        quiet=rng.random(h) < 0.5,
        join_day=np.where(joining, rng.uniform(0, scenario.days, h), 0.0),
        reply=rng.beta(3, 4, h),
    )
    c = scenario.citizens
    cx, cy = _placed(rng, geo, c, keep=lambda d: 0.5 + 0.5 * d)
    return Arrivals(
        scenario=scenario,
        seed=seed,
        geo=geo,
        helpers=helpers,
        citizen_x=cx,
        citizen_y=cy,
        needs=_needs(rng, scenario, c, cx, cy, cat_w),
    )


def _arrival_hours(rng: np.random.Generator, n: int, days: int) -> np.ndarray:
    day = rng.integers(0, days, n)
    daytime = rng.random(n) < 0.85
    hour = np.where(daytime, rng.uniform(8, 20, n), rng.uniform(0, 24, n))
    return day * 24.0 + hour


def _needs(
    rng: np.random.Generator,
    scenario: Scenario,
    citizens: int,
    cx: np.ndarray,
    cy: np.ndarray,
    cat_w: np.ndarray,
) -> Needs:
    total = rng.poisson(scenario.needs_per_day * scenario.days)
    # A share of the people asking come back weekly: their first need, then repeats.
    recurring = rng.random(citizens) < RECURRING_SHARE
    weeks = max(1, scenario.days // 7)
    first_at = _arrival_hours(rng, total, min(7, scenario.days))
    owner = rng.integers(0, citizens, total)
    category = rng.choice(len(cat_w), size=total, p=cat_w)
    urgency = rng.choice(3, size=total, p=URGENCY_P)
    at = np.where(recurring[owner], first_at, _arrival_hours(rng, total, scenario.days))
    rows = [(at, owner, category, urgency, np.zeros(total, dtype=bool))]
    # Each recurring person's first need (the earliest of theirs) comes back every week,
    # routine, as long as the run lasts; one-off needs stay as drawn.
    seen: set[int] = set()
    reps: list[tuple[float, int, int]] = []
    for i in np.argsort(at):
        o = int(owner[i])
        if recurring[o] and o not in seen:
            seen.add(o)
            reps += [(float(at[i]) + 168.0 * w, o, int(category[i])) for w in range(1, weeks)]
    if reps:
        ra = np.array(reps)
        n = len(reps)
        rows.append(
            (ra[:, 0], ra[:, 1].astype(int), ra[:, 2].astype(int), np.full(n, 2),
             np.ones(n, dtype=bool))
        )  # fmt: skip
    at_h = np.concatenate([r[0] for r in rows])
    keep = at_h < scenario.days * 24
    order = np.argsort(at_h[keep], kind="stable")

    def col(k: int) -> np.ndarray:
        return np.concatenate([r[k] for r in rows])[keep][order]

    urg = col(3)
    lo = np.array([WINDOW_H[URGENCIES[u]][0] for u in urg], dtype=float)
    hi = np.array([WINDOW_H[URGENCIES[u]][1] for u in urg], dtype=float)
    owners = col(1)
    return Needs(
        at_h=at_h[keep][order],
        owner=owners,
        category=col(2),
        urgency=urg,
        window_h=rng.uniform(lo, hi) if urg.size else lo,
        x=cx[owners],
        y=cy[owners],
        repeat=col(4),
    )
