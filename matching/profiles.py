"""A helper's short profile, as the person being helped sees it on suggestions and matches:
first name and the initial of the family name (so two Bernards differ), the checks the
council holds for them ("ID checked", "DBS checked"), the languages they speak, since when
they have offered help on Kith and how many people they have helped. Never where they live:
a suggestion gives distance only as its band.

Profiles are read for many offers at once, in one statement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from core.db import prepared_cursor
from core.i18n import gettext as _
from core.i18n import ngettext
from marketplace.models import Offer
from trust.models import VerificationLevel

from . import eligibility
from .models import Match
from .scoring import RankedPair, languages_of
from .words import language_name, language_said

# A match in these states means the helper helped, or is helping, the person.
HELPED = (Match.Status.ACCEPTED, Match.Status.ACTIVE, Match.Status.COMPLETED)


def short_name(display_name: str) -> str:
    """'Bernard Hughes' → 'Bernard H.'; a single name stays as it is; blank stays blank. Only
    the first name and one initial, whatever else a person typed."""
    words = display_name.split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return f"{words[0]} {words[-1][0].upper()}."


def _profile_name(person) -> str:
    """First name and initial of the name others see; the stand-in whole (a name holding
    contact details is never shortened into view)."""
    public = person.public_name
    return short_name(public) if public == person.display_name else public


@dataclass(frozen=True)
class HelperProfile:
    name: str
    id_checked: bool = False
    dbs_checked: bool = False
    languages: list[str] = field(default_factory=list)
    helping_since: dt.date | None = None
    people_helped: int = 0

    @property
    def badges(self) -> list[str]:
        held = ((_("ID checked"), self.id_checked), (_("DBS checked"), self.dbs_checked))
        return [label for label, has in held if has]

    @property
    def people_helped_phrase(self) -> str:
        if not self.people_helped:
            return ""
        return ngettext(
            "has helped %(count)s person", "has helped %(count)s people", self.people_helped
        ) % {"count": self.people_helped}


# For each helper: the check level held today (`matching.eligibility`, as matching reads it),
# when they first offered help, and how many people they have helped.
_PROFILE_SQL = """
SELECT h.id, {level},
       (SELECT min(o.published_at) FROM marketplace_offer o
        WHERE o.helper_id = h.id AND o.published_at IS NOT NULL),
       (SELECT count(DISTINCT n.owner_id) FROM matching_match m
        JOIN marketplace_offer o ON o.id = m.offer_id
        JOIN marketplace_need n ON n.id = m.need_id
        WHERE o.helper_id = h.id AND m.status = ANY(%(helped)s))
FROM unnest(%(helpers)s::bigint[]) AS h(id)
"""


def profiles_for_offers(offers: Sequence[Offer]) -> dict[int, HelperProfile]:
    """{offer id: the profile of its helper}, the languages being the offer's own (else the
    helper's). Offers should come with `helper` loaded. One statement, however many offers."""
    if not offers:
        return {}
    helper_ids = sorted({o.helper_id for o in offers})
    with prepared_cursor() as cursor:
        cursor.execute(
            _PROFILE_SQL.format(level=eligibility.level_held_sql("h.id")),
            {"helpers": helper_ids, "helped": [str(s) for s in HELPED]}
            | eligibility.check_params(),
        )
        rows = cursor.fetchall()
    found = {helper: (level, first, people) for helper, level, first, people in rows}
    profiles = {}
    for offer in offers:
        helper = offer.helper
        level, first, people = found[helper.pk]  # a row for every helper asked about
        # The names in the language of the page (the profile is what a person reads).
        names = {
            language_said(language_name(lang))
            for lang in languages_of(offer, helper)
            if lang.strip()
        }
        profiles[offer.pk] = HelperProfile(
            name=_profile_name(helper),
            id_checked=level >= VerificationLevel.ID_CHECKED,
            dbs_checked=level >= VerificationLevel.ENHANCED_DBS_BARRED,
            languages=sorted(names),
            helping_since=first.date() if first else None,
            people_helped=people,
        )
    return profiles


def with_profiles(ranked: Iterable[RankedPair]) -> list[tuple[RankedPair, HelperProfile]]:
    """Ranked suggestions for a need, each with its helper's profile, in the same order."""
    pairs = list(ranked)
    profiles = profiles_for_offers([pair.offer for pair in pairs])
    return [(pair, profiles[pair.offer.pk]) for pair in pairs]
