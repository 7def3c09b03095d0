"""Reads of the directory room: the other help near a need, and the council's source."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.measure import D

from accounts.models import Council
from marketplace.models import Need
from places.geo import distance_said

from .models import DirectorySource, OtherService

# How far away a service with a place may be to be suggested; services without a place (the
# whole area, by phone or online) are suggested after those near.
NEAR_M = 20_000
SHOWN = 5


@dataclass(frozen=True)
class OtherHelp:
    service: OtherService
    # Roughly how far from the person's approximate home, in words; "" when it has no place.
    distance: str
    # Whether the directory files it under words of the need's kind of help.
    same_kind: bool


def _kind_words(need: Need) -> set[str]:
    category = need.category
    words = {category.slug.replace("-", " "), category.name}
    return {w.lower() for w in words if w}


def _same_kind(service: OtherService, words: set[str]) -> bool:
    text = " ".join([service.name, service.description, *service.terms]).lower()
    kinds = " ".join(words)
    return any(w in text for w in words) or any(t in kinds for t in service.terms)


def other_help_for_need(*, need: Need, limit: int = SHOWN) -> list[OtherHelp]:
    """Services of the need's council's directory: those of the same kind of help first, then
    the nearest (measured from the approximate home, never the exact one), then those that
    cover the whole area. Empty when the council has no directory."""
    base = OtherService.objects.filter(council_id=need.council_id)
    near = list(
        base.filter(point__dwithin=(need.approx_location, D(m=NEAR_M)))
        .annotate(distance=Distance("point", need.approx_location))
        .order_by("distance", "name")[:50]
    )
    anywhere = list(base.filter(point__isnull=True).order_by("name")[:50])
    words = _kind_words(need)
    found = [
        OtherHelp(
            service=s,
            distance=(distance_said(s.distance.m) or "") if s.point else "",
            same_kind=_same_kind(s, words),
        )
        for s in near
    ] + [OtherHelp(service=s, distance="", same_kind=_same_kind(s, words)) for s in anywhere]
    # A stable sort keeps nearest-first within each group.
    found.sort(key=lambda h: not h.same_kind)
    return found[:limit]


def directory_source_of(council: Council) -> DirectorySource | None:
    return DirectorySource.objects.filter(council=council).first()


def directory_services_count(council: Council) -> int:
    return OtherService.objects.filter(council=council).count()


def directory_services(council: Council):
    return OtherService.objects.filter(council=council).order_by("name")
