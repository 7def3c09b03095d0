"""A matching round's problem (`matching.rounds`, steps 1 and 2): every eligible pair of a
council's open needs and offers, paired at their grid cell centres (`matching.round_pairs`
applies the hard constraints of `matching.eligibility` to each), each need keeping its
`ROUND_EDGES_PER_NEED` nearest eligible offers, scored with ranking's component registry,
`combine` and council weights from the same facts; and `Progress`, the stage and N of M a
round's job writes to its row, each write a checkpoint where staff may cancel it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Council

from . import eligibility, round_pairs, scoring
from .history import (
    NO_HISTORY,
    HelperHistory,
    good_pairs_sql,
    histories_sql,
    read_good_pairs,
    read_histories,
)
from .models import Round
from .scoring import ScoringContext, council_weights

ROUND_EDGES_PER_NEED = 8


@dataclass
class Problem:
    need_ids: list[int]
    offer_ids: list[int]
    need_cap: dict[int, int]
    offer_cap: dict[int, int]
    edges: list[tuple[int, int]]  # (need_id, offer_id)
    scores: list[float]
    approx_m: list[float] = field(default_factory=list)
    # What scoring needs, already read by build_problem (reused for the explanations).
    context: ScoringContext | None = None
    # The facts of the pair at an index of `edges`, and its components (for its explanation).
    facts: Callable[[int], scoring.PairFacts] | None = None
    components: dict[str, np.ndarray] = field(default_factory=dict)
    # The helper of each pair's offer (empty: every offer its own helper). A need is proposed
    # to a helper once (`matching.eligibility`, one proposal per need and helper), so a
    # helper with two offers in reach of a need wanting two helpers fills one of its places.
    edge_helpers: list[int] = field(default_factory=list)


class RoundCancelled(Exception):
    """Staff asked to cancel the round: the job stops at its next checkpoint."""


class Progress:
    """A round's stage and N of M, written to its row at each step. Outside a transaction
    (the worker) each write commits at once, so staff see it. Each write is also a
    checkpoint: it raises `RoundCancelled` once staff have asked to cancel the round."""

    def __init__(self, round_id: int | None):
        self.round_id, self.stage, self.done, self.total = round_id, "", 0, 0

    def start(self, stage: str, total: int) -> None:
        self.stage, self.done, self.total = stage, 0, total
        self._write()

    def step(self, count: int = 1) -> None:
        self.done = min(self.total, self.done + count)
        self._write()

    def _write(self) -> None:
        if self.round_id is None:
            return
        with transaction.atomic():
            # Progress lost in a crash is harmless: its commit need not wait for the disk.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO off")
            written = Round.objects.filter(
                pk=self.round_id, cancel_requested_at__isnull=True
            ).update(stage=self.stage, progress_done=self.done, progress_total=self.total)
        if not written:
            raise RoundCancelled()


NO_PROGRESS = Progress(None)
BUILD_STEPS = 4  # the listings, the eligible pairs, people's history, the scores


def build_problem(
    *,
    council: Council,
    per_need: int = ROUND_EDGES_PER_NEED,
    progress: Progress = NO_PROGRESS,
) -> Problem:
    """Every eligible pair of the council's open needs and offers (each need keeping its
    `per_need` nearest eligible offers), with scores and the free places on each side.

    A round looks at every listing of the council at once, so instead of one index probe
    per need it reads the council's open listings in two statements and pairs them with a
    KD-tree per category, then applies the hard constraints of `matching.eligibility` to
    the rows (the checks `pair_problem` makes for one pair; `matching.round_pairs`) and
    scores each pair with the component registry of `matching.scoring`, as ranking does.
    """
    progress.start(Round.Stage.BUILDING, BUILD_STEPS)
    offers, needs = round_pairs.listings(council)
    # Rule 10 reads one listing at a time: drop the full ones before pairing.
    offers = [o for o in offers if eligibility.places_left(holding=o.holding, wanted=o.capacity)]
    needs = [
        n for n in needs if eligibility.places_left(holding=n.holding, wanted=n.helpers_wanted)
    ]
    progress.step()
    if not offers or not needs:
        return Problem([], [], {}, {}, [], [], [])
    slots = round_pairs.weekly_times(council.pk)
    kept = round_pairs.eligible_pairs(council, offers, needs, slots=slots, per_need=per_need)
    progress.step()
    if not len(kept.need):
        return Problem([], [], {}, {}, [], [], [])
    # Scores: the same registry, facts and weights as ranking, without the sentences.
    history, good = _history(council=council)
    progress.step()
    context = ScoringContext(
        need_slots=slots[0],
        offer_slots=slots[1],
        history=history,
        good_pairs=good,
        holding={o.id: o.holding for o in offers},
    )
    need_id = np.array([n.id for n in needs], dtype=np.int64)
    offer_id = np.array([o.id for o in offers], dtype=np.int64)
    pair_need, pair_offer = need_id[kept.need], offer_id[kept.offer]
    used_needs, first_need = np.unique(pair_need, return_index=True)
    used_offers, first_offer = np.unique(pair_offer, return_index=True)
    need_free = {
        n.id: max(0, n.helpers_wanted - n.holding)
        for n in (needs[j] for j in kept.need[first_need])
    }
    offer_free = {
        o.id: max(0, o.capacity - o.holding) for o in (offers[i] for i in kept.offer[first_offer])
    }
    facts = _facts_of(needs, offers, context=context, now=timezone.now())
    columns = _columns(kept, needs, offers, facts=facts, context=context)
    scores = scoring.combine_columns(columns, council_weights(council))
    progress.step()
    need_l, offer_l, metres_l = kept.need.tolist(), kept.offer.tolist(), kept.metres.tolist()
    helper_id = np.array([o.helper_id for o in offers], dtype=np.int64)
    return Problem(
        need_ids=used_needs.tolist(),
        offer_ids=used_offers.tolist(),
        need_cap=need_free,
        offer_cap=offer_free,
        edges=list(zip(pair_need.tolist(), pair_offer.tolist(), strict=True)),
        scores=scores,
        approx_m=metres_l,
        context=context,
        facts=lambda k: facts(need_l[k], offer_l[k], metres_l[k]),
        components=columns,
        edge_helpers=helper_id[kept.offer].tolist(),
    )


# What each component of a pair's scope reads of its facts (`scoring.PairFacts`), so that a
# round asks it once for each combination of those facts rather than once for each pair. A
# component not listed here is asked for each pair: slower, never wrong.
PAIR_READS: dict[str, tuple[str, ...]] = {
    "proximity": ("approx_m", "radius_m"),
    "availability": ("need_slots", "offer_slots"),
    "language": ("wanted", "spoken"),
    "continuity": ("good_match",),
}


def _codes(values: list) -> np.ndarray:
    """A small number for each value, the same for equal values."""
    seen: dict = {}
    return np.array([seen.setdefault(v, len(seen)) for v in values], dtype=np.int64)


def _combined(columns: list[np.ndarray]) -> np.ndarray:
    """One number per row for several columns of small non-negative numbers, equal when all
    are equal: the columns read as the digits of one number, made small again only when the
    next digit would not fit."""
    key, span = np.zeros(len(columns[0]), dtype=np.int64), 1
    for column in columns:
        digits = np.asarray(column).astype(np.int64)
        width = int(digits.max(initial=0)) + 1
        if span * width >= 2**62:
            _, key = np.unique(key, return_inverse=True)
            key = key.reshape(-1).astype(np.int64)
            span = int(key.max(initial=0)) + 1
        key, span = key * width + digits, span * width
    return key


def _fact_codes(
    kept: round_pairs.Pairs,
    needs: list[round_pairs.NeedRow],
    offers: list[round_pairs.OfferRow],
    context: ScoringContext,
) -> dict[str, np.ndarray]:
    """For each fact a pair component may read, a number per pair, equal for pairs whose
    fact is equal."""
    ns, os_ = context.need_slots, context.offer_slots
    by_need = {
        "need_slots": _codes([tuple(ns.get(n.id, ())) for n in needs]),
        "wanted": _codes([tuple(n.languages or n.preferred_languages or ()) for n in needs]),
    }
    by_offer = {
        "offer_slots": _codes([tuple(os_.get(o.id, ())) for o in offers]),
        "spoken": _codes([tuple(o.languages or o.preferred_languages or ()) for o in offers]),
        "radius_m": np.array([o.radius_m for o in offers], dtype=np.int64),
    }
    owner = np.array([n.owner_id for n in needs], dtype=np.int64)[kept.need]
    helper = np.array([o.helper_id for o in offers], dtype=np.int64)[kept.offer]
    good = np.array(sorted(context.good_pairs), dtype=np.int64).reshape(-1, 2)
    width = int(max(helper.max(initial=0), good[:, 1].max(initial=0))) + 1
    return (
        {name: codes[kept.need] for name, codes in by_need.items()}
        | {name: codes[kept.offer] for name, codes in by_offer.items()}
        | {
            "approx_m": np.unique(kept.metres, return_inverse=True)[1].reshape(-1),
            "good_match": np.isin(owner * width + helper, good[:, 0] * width + good[:, 1]),
        }
    )


def _columns(
    kept: round_pairs.Pairs,
    needs: list[round_pairs.NeedRow],
    offers: list[round_pairs.OfferRow],
    *,
    facts: Callable[[int, int, float], scoring.PairFacts],
    context: ScoringContext,
) -> dict[str, np.ndarray]:
    """Each pair's components (`matching.scoring`'s registry), column by column, each
    rounded to 4 places as `components_of` gives them; `combine_columns` makes the scores.

    Each component is computed by its own function from the facts of one pair standing for
    all the pairs that give it the same facts: a component of a need (or an offer) once per
    need (offer), a pair component once per combination of the facts it reads
    (`PAIR_READS`). The same functions and numbers, far fewer calls."""
    need_l, offer_l, metres_l = kept.need, kept.offer, kept.metres

    def column(component: scoring.Component, keys: np.ndarray | None) -> np.ndarray:
        if keys is None:  # every pair its own
            first = position = np.arange(len(need_l))
        else:
            _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
            position = inverse.reshape(-1)
        values = np.array(
            [
                round(
                    component.score(facts(int(need_l[k]), int(offer_l[k]), float(metres_l[k]))), 4
                )
                for k in first.tolist()
            ],
            dtype=float,
        )
        return values[position]

    codes = _fact_codes(kept, needs, offers, context)
    columns: dict[str, np.ndarray] = {}
    for component in scoring.REGISTRY:
        if component.scope == scoring.NEED:
            keys = need_l
        elif component.scope == scoring.OFFER:
            keys = offer_l
        elif component.name in PAIR_READS:
            keys = _combined([codes[name] for name in PAIR_READS[component.name]])
        else:
            keys = None
        columns[component.name] = column(component, keys)
    return columns


def _facts_of(
    needs: list[round_pairs.NeedRow],
    offers: list[round_pairs.OfferRow],
    *,
    context: ScoringContext,
    now: dt.datetime,
) -> Callable[[int, int, float], scoring.PairFacts]:
    """The facts of a pair (need index, offer index, metres) from the rows, as
    `scoring.pair_facts` makes them from model instances."""
    # What each need and each offer brings to its pairs' facts, looked up once.
    wanted = [n.languages or n.preferred_languages or [] for n in needs]
    spoken = [o.languages or o.preferred_languages or [] for o in offers]
    need_slots = [context.need_slots.get(n.id, []) for n in needs]
    offer_slots = [context.offer_slots.get(o.id, []) for o in offers]
    history = [context.history.get(o.helper_id, NO_HISTORY) for o in offers]
    good = context.good_pairs

    def facts(j: int, i: int, metres: float) -> scoring.PairFacts:
        n, o = needs[j], offers[i]
        return scoring.PairFacts(
            approx_m=metres,
            radius_m=o.radius_m,
            need_slots=need_slots[j],
            offer_slots=offer_slots[i],
            wanted=wanted[j],
            spoken=spoken[i],
            history=history[i],
            good_match=(n.owner_id, o.helper_id) in good,
            published_at=n.published_at,
            now=now,
            holding=o.holding,
            capacity=o.capacity,
        )

    return facts


_COUNCIL_HELPERS = (
    "(SELECT DISTINCT helper_id FROM marketplace_offer"
    " WHERE council_id = %(council)s AND status = 'open') AS h(id)"
)
_COUNCIL_OWNERS = (
    "pn.owner_id IN (SELECT owner_id FROM marketplace_need"
    " WHERE council_id = %(council)s AND status = 'open')"
)


def _history(*, council: Council) -> tuple[dict[int, HelperHistory], set[tuple[int, int]]]:
    """The history of the council's helpers with open offers, and the good past pairs of the
    people with open needs (`matching.history`, read per council)."""
    params = {"council": council.pk}
    return (
        read_histories(histories_sql(_COUNCIL_HELPERS), params),
        read_good_pairs(good_pairs_sql(_COUNCIL_OWNERS), params),
    )
