"""Compatibility scores with their breakdown and a sentence a person can read.

Every component is in [0, 1]; the score is their weighted mean with the council's weights
(`Council.settings["matching_weights"]`, any subset of `DEFAULT_WEIGHTS`; missing keys keep
the default, negative values count as 0, and the weights are normalised to sum to 1).

Components:
- proximity: 1 at the need's door, 0 at the edge of the helper's travel radius. Computed from
  the approximate (grid) locations, so a published component never reveals more than the
  published grid cells already do.
- availability: the share of the need's weekly minutes the offer covers; 0.5 when either side
  gave no times ("to be arranged").
- language: 1 if the need asks for no language or the two share one; else 0.
- reliability: Beta-prior estimate of completion (prior 4 completions out of 5) averaged with
  a Beta-prior estimate of feedback (prior mean 0.8 with the weight of 4 ratings): a new
  helper starts at 0.8, not 0.
- continuity: 1 if the same helper and person completed a match before that the person did
  not rate 1 or 2.
- waiting: how long the need has been open, 0 when new, 1 at `WAITING_FULL_DAYS` (fairness to
  people who have waited longest).
- load: the share of the helper's capacity still free.

The explanation (`explain`) reads these same components: what counted for a pair, then,
after "but", each component low enough to count against it, the costliest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import Council
from core.i18n import gettext as _
from core.i18n import ngettext
from marketplace.availability import overlap_share
from marketplace.models import Need, NeedSlot, Offer, OfferSlot
from places.geo import band_said, distance_band

from .history import NO_HISTORY, HelperHistory, load_history
from .words import (
    and_list,
    few_times_phrase,
    language_key,
    language_name,
    language_said,
    or_list,
    times_phrase,
)

if TYPE_CHECKING:  # numpy only for the rounds' columns; ranking one pair at a time needs none
    import numpy as np

WAITING_FULL_DAYS = 14
RELIABILITY_PRIOR = (4.0, 1.0)  # Beta(successes, failures) before any history
RATING_PRIOR_MEAN, RATING_PRIOR_WEIGHT = 0.8, 4.0
UNKNOWN_AVAILABILITY = 0.5


def council_weights(council: Council | None) -> dict[str, float]:
    weights = dict(DEFAULT_WEIGHTS)
    overrides = ((council.settings or {}) if council else {}).get("matching_weights") or {}
    for key, value in overrides.items():
        if key in weights:
            try:
                weights[key] = max(0.0, float(value))
            except (TypeError, ValueError):
                continue
    total = sum(weights.values())
    if total <= 0:
        return dict(DEFAULT_WEIGHTS)
    return {key: value / total for key, value in weights.items()}


# --- Components -----------------------------------------------------------------------------
def _unit(x: float) -> float:
    return max(0.0, min(1.0, float(x)))


def proximity(*, distance_m: float, radius_m: float) -> float:
    if radius_m <= 0:
        return 0.0
    return _unit(1.0 - distance_m / radius_m)


def availability(*, need_slots: Sequence, offer_slots: Sequence) -> float:
    if not need_slots or not offer_slots:
        return UNKNOWN_AVAILABILITY
    return _unit(overlap_share(need_slots, offer_slots))


def language(*, wanted: Iterable[str], spoken: Iterable[str]) -> float:
    """1 if the helper speaks a language asked for (or none is asked for), else 0. A code and
    a name are the same language: "pl" and "Polish" match."""
    wanted_set = {language_key(w) for w in wanted if w.strip()}
    if not wanted_set:
        return 1.0
    return 1.0 if wanted_set & {language_key(s) for s in spoken if s.strip()} else 0.0


def reliability(*, completed: int, failed: int, rating_sum: float = 0, rating_n: int = 0) -> float:
    """`rating_sum` is the sum of ratings on the 1–5 scale."""
    a, b = RELIABILITY_PRIOR
    completion = (completed + a) / (completed + failed + a + b)
    rated = ((rating_sum - rating_n) / 4.0 + RATING_PRIOR_MEAN * RATING_PRIOR_WEIGHT) / (
        rating_n + RATING_PRIOR_WEIGHT
    )
    return _unit((completion + rated) / 2)


def continuity(*, had_good_match: bool) -> float:
    return 1.0 if had_good_match else 0.0


def waiting(*, published_at: dt.datetime | None, now: dt.datetime | None = None) -> float:
    if published_at is None:
        return 0.0
    now = now or timezone.now()
    days = (now - published_at).total_seconds() / 86400
    return _unit(days / WAITING_FULL_DAYS)


def load(*, holding: int, capacity: int) -> float:
    if capacity <= 0:
        return 0.0
    return _unit(1.0 - holding / capacity)


# --- The registry ---------------------------------------------------------------------------
@dataclass(slots=True)
class PairFacts:
    """Everything the components read about one pair, however it was loaded (a candidate
    statement, the rounds' council-wide reads or `load_context`)."""

    approx_m: float  # grid cell to grid cell (`places.geo.haversine_m`)
    radius_m: float
    need_slots: Sequence
    offer_slots: Sequence
    wanted: Sequence[str]  # the need's languages, else its owner's
    spoken: Sequence[str]  # the offer's languages, else its helper's
    history: HelperHistory
    good_match: bool
    published_at: dt.datetime | None
    now: dt.datetime
    holding: int
    capacity: int


# What a component reads: both listings of the pair, or only the need's or the offer's facts
# (a round, scoring thousands of pairs at once, then computes it once per need or offer).
PAIR, NEED, OFFER = "pair", "need", "offer"


@dataclass(frozen=True)
class Component:
    """One part of the score: its name (the key councils weight and the API shows), its
    default weight, how it is computed from a pair's facts, and which facts it reads."""

    name: str
    default_weight: float
    score: Callable[[PairFacts], float]
    scope: str = PAIR


# Adding a component: one line here (and its words in `explain`, and in `_against` for when
# it is low, if people should read it).
REGISTRY: tuple[Component, ...] = (
    Component("proximity", 0.30, lambda f: proximity(distance_m=f.approx_m, radius_m=f.radius_m)),
    Component(
        "availability",
        0.20,
        lambda f: availability(need_slots=f.need_slots, offer_slots=f.offer_slots),
    ),
    Component("language", 0.10, lambda f: language(wanted=f.wanted, spoken=f.spoken)),
    Component(
        "reliability",
        0.15,
        lambda f: reliability(
            completed=f.history.completed,
            failed=f.history.failed,
            rating_sum=f.history.rating_sum,
            rating_n=f.history.rating_n,
        ),
        scope=OFFER,
    ),
    Component("continuity", 0.10, lambda f: continuity(had_good_match=f.good_match)),
    Component(
        "waiting", 0.10, lambda f: waiting(published_at=f.published_at, now=f.now), scope=NEED
    ),
    Component("load", 0.05, lambda f: load(holding=f.holding, capacity=f.capacity), scope=OFFER),
)
DEFAULT_WEIGHTS: dict[str, float] = {c.name: c.default_weight for c in REGISTRY}
COMPONENTS = tuple(DEFAULT_WEIGHTS)


_BY_SCOPE = {scope: tuple(c for c in REGISTRY if c.scope == scope) for scope in (PAIR, NEED, OFFER)}


def components_of(facts: PairFacts, *, scope: str | None = None) -> dict[str, float]:
    """Every registered component of one pair (or only those of one `scope`), each rounded
    to 4 places (as published)."""
    chosen = REGISTRY if scope is None else _BY_SCOPE[scope]
    return {c.name: round(c.score(facts), 4) for c in chosen}


def component_columns(facts: Iterable[PairFacts], *, scope: str) -> dict[str, list[float]]:
    """`components_of` for many pairs at once: for each component of `scope`, its value for
    each pair, in the order of `facts`. Each pair's facts are read once, before the next
    pair's, so `facts` may make them one at a time (a round scores tens of thousands)."""
    chosen = _BY_SCOPE[scope]
    columns: dict[str, list[float]] = {c.name: [] for c in chosen}
    parts = [(c.score, columns[c.name].append) for c in chosen]
    for f in facts:
        for score, append in parts:
            append(round(score(f), 4))
    return columns


def _weighted_sum(components, weights: dict[str, float]):
    """Σ weight × component, added in the order of `COMPONENTS`: on floats, or on numpy
    arrays element by element (the same operations in the same order, so the same sums)."""
    total = 0.0
    for k in COMPONENTS:
        total = total + weights[k] * components[k]
    return total


def combine(components: dict[str, float], weights: dict[str, float]) -> float:
    """The score: the weighted mean of the components, in [0, 1], rounded to 4 places.
    Ranking and rounds both score with this, so a pair scores the same in both."""
    return round(_unit(_weighted_sum(components, weights)), 4)


def combine_columns(columns: dict[str, np.ndarray], weights: dict[str, float]) -> list[float]:
    """`combine` for many pairs at once: `columns` holds each component as an array with one
    element per pair. Each score is the one `combine` gives for that pair's components."""
    return [round(x, 4) for x in _weighted_sum(columns, weights).clip(0.0, 1.0).tolist()]


# --- Explanation ----------------------------------------------------------------------------
# Below these a component counted against the pair, and the explanation says so after
# "but". Proximity: beyond three quarters of the helper's travel radius (within it, a
# distance the helper chose to travel is not called far: 1.6 km of 3 km is not).
# Availability: under half the need's minutes (its 0.5 means "to be arranged").
# Language: no shared language. Reliability: worse than a new helper's (a new helper starts
# at the prior, so "new to Kith" is a plain fact, not a fault). Load: the helper already
# holds a match. Waiting (the helper's view only): under `WAITING_SAID_DAYS` days.
FAR_BELOW = 0.25
RELIABILITY_NEW = reliability(completed=0, failed=0)
WAITING_SAID_DAYS = 3

# How every list of suggestions is ordered, in one place: said above each list (the
# citizen's, the helper's and staff's pages) and in the API's description.
ORDERING = {
    "need": gettext_lazy(
        "Best match first. We weigh up distance, shared times, languages and experience "
        "together, so the nearest helper is not always first."
    ),
    "offer": gettext_lazy(
        "Best match first. We weigh up distance, shared times, languages and how long "
        "people have waited, so the nearest request is not always first."
    ),
}


def ordering_sentence(viewer: str) -> str:
    """How a list of suggestions for a need ("need") or for an offer ("offer") is ordered,
    in the language of the page."""
    return str(ORDERING[viewer])


def _waiting_days(facts: PairFacts) -> float:
    if facts.published_at is None:
        return 0.0
    return (facts.now - facts.published_at).total_seconds() / 86400


def _against(viewer: str, facts: PairFacts, components: dict[str, float]) -> dict[str, str]:
    """{component: words} for each component low enough to count against the pair, in the
    registry's order. The helper's own record and load are the same for every need, and a
    need's waiting the same for every helper: each is said only to the side it ranks."""
    said: dict[str, str] = {}
    if components["proximity"] < FAR_BELOW:
        said["proximity"] = (
            _("far for them to travel") if viewer == "need" else _("far for you to travel")
        )
    if components["availability"] < UNKNOWN_AVAILABILITY:
        said["availability"] = few_times_phrase(
            need_slots=facts.need_slots, offer_slots=facts.offer_slots, viewer=viewer
        )
    if components["language"] < 1:
        names = sorted({language_name(w) for w in facts.wanted if w.strip()})
        wanted = or_list([language_said(name) for name in names])
        said["language"] = (
            _("does not speak %(languages)s") % {"languages": wanted}
            if viewer == "need"
            else _("no shared language (they speak %(languages)s)") % {"languages": wanted}
        )
    if viewer == "need":
        if components["reliability"] < round(RELIABILITY_NEW, 4):
            said["reliability"] = _("a mixed record on Kith")
        if components["load"] < 1 and facts.holding > 0:
            said["load"] = ngettext(
                "already helping %(count)s person",
                "already helping %(count)s people",
                facts.holding,
            ) % {"count": facts.holding}
    else:
        days = _waiting_days(facts)
        if days < WAITING_SAID_DAYS:
            said["waiting"] = (
                _("waiting less than a day")
                if days < 1
                else ngettext(
                    "waiting only %(count)s day", "waiting only %(count)s days", int(days)
                )
                % {"count": int(days)}
            )
    return said


def explain(
    *,
    viewer: str,
    band: str | None,
    facts: PairFacts,
    components: dict[str, float],
    weights: dict[str, float] | None = None,
) -> str:
    """What counted for a pair, then, after "but", what counted against it: the components
    that ranked it (`components_of(facts)`), the costliest first (weight × shortfall, with
    the council's `weights`); a component the council does not weigh is not said against.
    Distance only as its band, never a place."""
    weights = weights if weights is not None else council_weights(None)
    against = _against(viewer, facts, components)
    parts = [band_said(band) if band else _("distance unknown")]
    if "availability" not in against:
        parts.append(
            times_phrase(need_slots=facts.need_slots, offer_slots=facts.offer_slots, viewer=viewer)
        )
    # English is assumed; only other shared languages are worth saying.
    spoken = {language_key(s) for s in facts.spoken if s.strip()}
    shared = {language_name(w) for w in facts.wanted if w.strip() and language_key(w) in spoken}
    other = sorted(shared - {"English"})
    if other:
        parts.append(
            _("speaks %(languages)s") % {"languages": and_list(list(map(language_said, other)))}
        )
    completed = facts.history.completed
    if viewer == "need":
        if facts.good_match:
            parts.append(_("has helped you before"))
        elif completed:
            parts.append(
                ngettext(
                    "has completed %(count)s match", "has completed %(count)s matches", completed
                )
                % {"count": completed}
            )
        elif not (facts.holding or facts.history.going or facts.history.failed):
            # Helping someone now (through this offer, said after "but", or another), or a
            # match they ended, is not new: their profile counts who they helped, and "a
            # mixed record" is said.
            parts.append(_("new to Kith"))
    else:
        if facts.good_match:
            parts.append(_("you have helped them before"))
        if _waiting_days(facts) >= WAITING_SAID_DAYS:
            parts.append(_("waiting %(count)s days") % {"count": int(_waiting_days(facts))})
    counted = sorted(
        (name for name in against if weights.get(name, 0) > 0),
        key=lambda name: -weights[name] * (1 - components[name]),
    )
    sentence = " · ".join(parts)
    if counted:
        sentence += " · " + _("but %(reasons)s") % {
            "reasons": and_list([against[name] for name in counted])
        }
    return sentence


# --- Batch scoring --------------------------------------------------------------------------
@dataclass
class RankedPair:
    need: Need
    offer: Offer
    score: float
    components: dict[str, float]
    explanation: str
    distance_band: str | None
    approx_distance_m: float = field(repr=False, default=0.0)


@dataclass
class ScoringContext:
    """What scoring needs beyond the two listings, read in bulk before scoring many pairs."""

    need_slots: dict[int, list] = field(default_factory=dict)
    offer_slots: dict[int, list] = field(default_factory=dict)
    history: dict[int, HelperHistory] = field(default_factory=dict)  # by helper id
    good_pairs: set[tuple[int, int]] = field(default_factory=set)  # (owner id, helper id)
    holding: dict[int, int] = field(default_factory=dict)  # by offer id


def load_context(needs: list[Need], offers: list[Offer]) -> ScoringContext:
    """The context for pairs that did not come from a candidate statement or a round."""
    from .models import Match  # local: models import nothing from here

    ctx = ScoringContext()
    for s in NeedSlot.objects.filter(need_id__in={n.pk for n in needs}).order_by():
        ctx.need_slots.setdefault(s.need_id, []).append(s)
    for t in OfferSlot.objects.filter(offer_id__in={o.pk for o in offers}).order_by():
        ctx.offer_slots.setdefault(t.offer_id, []).append(t)
    ctx.history, ctx.good_pairs = load_history(
        owner_ids={n.owner_id for n in needs}, helper_ids={o.helper_id for o in offers}
    )
    ctx.holding = (
        dict(
            Match.objects.filter(offer_id__in=[o.pk for o in offers], status__in=Match.HOLDING)
            .order_by()
            .values_list("offer_id")
            .annotate(n=Count("id"))
        )
        if offers
        else {}
    )
    return ctx


def languages_of(listing, person) -> list[str]:
    """The languages a listing asks for or offers: its own, else its person's."""
    return list(listing.languages or (person.preferred_languages if person else []) or [])


def pair_facts(
    *, need: Need, offer: Offer, approx_m: float, ctx: ScoringContext, now: dt.datetime
) -> PairFacts:
    return PairFacts(
        approx_m=approx_m,
        radius_m=offer.radius_m,
        need_slots=ctx.need_slots.get(need.pk, []),
        offer_slots=ctx.offer_slots.get(offer.pk, []),
        wanted=languages_of(need, need.owner),
        spoken=languages_of(offer, offer.helper),
        history=ctx.history.get(offer.helper_id, NO_HISTORY),
        good_match=(need.owner_id, offer.helper_id) in ctx.good_pairs,
        published_at=need.published_at,
        now=now,
        holding=ctx.holding.get(offer.pk, 0),
        capacity=offer.capacity,
    )


def score_pairs(
    *,
    pairs: Sequence[tuple[Need, Offer, float]],
    viewer: str,
    council: Council | None = None,
    now: dt.datetime | None = None,
    explain_pairs: bool = True,
    context: ScoringContext | None = None,
) -> list[RankedPair]:
    """Score (need, offer, approximate distance in metres) triples, best first.

    `viewer` is "need" (the person asking, or staff looking from the need) or "offer"; it
    decides the wording. Needs and offers should come with `owner` and `helper` loaded.
    Runs a fixed number of queries whatever the number of pairs (none with a `context`).
    """
    if not pairs:
        return []
    now = now or timezone.now()
    needs = list({n.pk: n for n, _, _ in pairs}.values())
    offers = list({o.pk: o for _, o, _ in pairs}.values())
    ctx = context if context is not None else load_context(needs, offers)
    weights = council_weights(council or needs[0].council)
    ranked = []
    for need, offer, approx_m in pairs:
        facts = pair_facts(need=need, offer=offer, approx_m=approx_m, ctx=ctx, now=now)
        components = components_of(facts)
        band = distance_band(approx_m)
        ranked.append(
            RankedPair(
                need=need,
                offer=offer,
                score=combine(components, weights),
                components=components,
                explanation=explain(
                    viewer=viewer, band=band, facts=facts, components=components, weights=weights
                )
                if explain_pairs
                else "",
                distance_band=band,
                approx_distance_m=approx_m,
            )
        )
    ranked.sort(key=lambda r: (-r.score, r.approx_distance_m, r.offer.pk, r.need.pk))
    return ranked
