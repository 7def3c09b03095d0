"""People's past in the benchmark data: completed, cancelled and declined matches on past
needs near the helpers' offers, the ratings of them, and blocks, loaded with COPY at every
size (`load_history`); history tied to the measured listings themselves
(`link_sample_history`), so that what ranking reads of people's past changes what it
returns; and what the database holds of it (`history_counts`)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from marketplace.models import Need, Offer

from .data import NEED_COLUMNS, _copy, _ewkt, _next_ids, approx

# --- History: past matches, feedback and blocks -----------------------------------------------
# Of the helpers' offers loaded at each size: 30 % have completed matches (1–3 each, on past
# needs nearby that are now closed as fulfilled), 8 % a match the helper cancelled (what
# reliability counts as failed), 5 % a match that was declined. The person helped rates 70 %
# of completed matches (mostly 4 or 5, one in ten 1 or 2, which also stops that pair counting
# as a good past match); the helper rates the person on 30 %. One helper in a hundred is in a
# block with a person (either way round). The people helped are the citizens.
COMPLETED_SHARE, CANCELLED_SHARE, DECLINED_SHARE, BLOCK_SHARE = 0.30, 0.08, 0.05, 0.01
RATED_SHARE, HELPER_RATES_SHARE = 0.70, 0.30
RATINGS, RATING_WEIGHTS = (5, 4, 3, 2, 1), (50, 30, 10, 6, 4)

MATCH_COLUMNS = [
    "id",
    "council_id",
    "need_id",
    "offer_id",
    "status",
    "proposed_by",
    "citizen_agreed_at",
    "helper_agreed_at",
    "explanation",
    "explanation_cy",
    "decline_reason",
    "ended_by_id",
    "created_at",
    "updated_at",
    "accepted_at",
    "started_at",
    "completed_at",
    "ended_at",
]
FEEDBACK_COLUMNS = ["match_id", "author_id", "subject_id", "rating", "comment", "created_at"]


@dataclass
class History:
    """Rows of past needs, matches, feedback and blocks, written with `save`."""

    needs: list = field(default_factory=list)
    matches: list = field(default_factory=list)
    feedback: list = field(default_factory=list)
    blocks: set = field(default_factory=set)

    def past_need(self, *, nid, offer, owner_id, when: dt.datetime, status="closed") -> None:
        """A need `offer` once helped with (same council, kind of help and place)."""
        _, _, council_id, category_id, lon, lat = offer
        alon, alat = approx(lon, lat)
        published = (when - dt.timedelta(days=7)).isoformat()
        self.needs.append(
            (
                nid,
                council_id,
                category_id,
                "I would like some help.",
                "",
                _ewkt(lon, lat),
                _ewkt(alon, alat),
                "{}",
                "",
                1,
                published,
                when.isoformat(),
                published,
                owner_id,
                f"Past need {nid}",
                status,
                "fulfilled" if status == "closed" else "",
                "weekly",
                "routine",
                "",
                "{}",
                1,
                "",
            )
        )

    def match(
        self,
        *,
        offer,
        owner_id,
        status,
        when: dt.datetime,
        past: int | None = None,
        need_id: int | None = None,
    ) -> int:
        """A match with `offer` that ended as `status` at `when`, of the past need numbered
        `past` (made with `past_need`) or of the stored need `need_id`. Returns its number."""
        mid = len(self.matches)
        offer_id, helper_id, council_id = offer[0], offer[1], offer[2]
        created = (when - dt.timedelta(days=5)).isoformat()
        at = when.isoformat()
        agreed = created if status != "declined" else None
        self.matches.append(
            (
                mid,
                council_id,
                (past, need_id),
                offer_id,
                status,
                "citizen",
                created,
                agreed,
                "",
                "",
                "Not able to help this time." if status == "declined" else "",
                helper_id
                if status == "cancelled"
                else (owner_id if status == "declined" else None),
                created,
                at,
                agreed,
                agreed,
                at if status == "completed" else None,
                at if status in ("cancelled", "declined") else None,
            )
        )
        return mid

    def save(self) -> None:
        first_need = _next_ids("marketplace_need", len(self.needs))
        first_match = _next_ids("matching_match", len(self.matches))
        # Ids were numbered from 0 while the rows were made; move them into the reserved ranges.
        needs = [(first_need + r[0], *r[1:]) for r in self.needs]
        matches = [
            (first_match + r[0], r[1], need_id if past is None else first_need + past, *r[3:])
            for r in self.matches
            for past, need_id in [r[2]]
        ]
        feedback = [(first_match + r[0], *r[1:]) for r in self.feedback]
        _copy("marketplace_need", NEED_COLUMNS, needs)
        _copy("matching_match", MATCH_COLUMNS, matches)
        _copy("matching_feedback", FEEDBACK_COLUMNS, feedback)
        now = timezone.now().isoformat()
        _copy(
            "marketplace_block",
            ["blocker_id", "blocked_id", "created_at"],
            ((a, b, now) for a, b in sorted(self.blocks)),
        )


def _offer_rows(offer_ids: list[int]) -> list[tuple]:
    """(id, helper, council, category, lon, lat) of the given offers (one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, helper_id, council_id, category_id, ST_X(location::geometry),"
            " ST_Y(location::geometry) FROM marketplace_offer WHERE id = ANY(%s) ORDER BY id",
            [list(offer_ids)],
        )
        return cursor.fetchall()


def _rating(rng: random.Random) -> int:
    return rng.choices(RATINGS, RATING_WEIGHTS)[0]


def load_history(*, offer_ids: list[int], owner_ids: list[int], seed: int) -> dict[str, int]:
    """Past matches, feedback and blocks for the helpers of `offer_ids`, with people of
    `owner_ids`, in the shares above (written with COPY). Returns what was written."""
    rng = random.Random(seed)
    history = History()
    now = timezone.now()
    for offer in _offer_rows(offer_ids):
        helper_id = offer[1]
        outcomes = []
        if rng.random() < COMPLETED_SHARE:
            outcomes += ["completed"] * rng.choice((1, 1, 2, 3))
        if rng.random() < CANCELLED_SHARE:
            outcomes.append("cancelled")
        if rng.random() < DECLINED_SHARE:
            outcomes.append("declined")
        for status in outcomes:
            owner_id = rng.choice(owner_ids)
            when = now - dt.timedelta(days=rng.uniform(10, 400))
            nid = len(history.needs)
            history.past_need(nid=nid, offer=offer, owner_id=owner_id, when=when)
            mid = history.match(offer=offer, owner_id=owner_id, status=status, when=when, past=nid)
            if status == "completed" and rng.random() < RATED_SHARE:
                history.feedback.append((mid, owner_id, helper_id, _rating(rng), "", now))
            if status == "completed" and rng.random() < HELPER_RATES_SHARE:
                history.feedback.append((mid, helper_id, owner_id, _rating(rng), "", now))
        if rng.random() < BLOCK_SHARE:
            owner_id = rng.choice(owner_ids)
            history.blocks.add(
                (owner_id, helper_id) if rng.random() < 0.5 else (helper_id, owner_id)
            )
    history.save()
    return {
        "matches": len(history.matches),
        "feedback": len(history.feedback),
        "blocks": len(history.blocks),
    }


def _nearest_candidates(need_ids: Sequence[int], offer_ids: Sequence[int]) -> list[tuple]:
    """For each measured listing that has a candidate, the nearest one as matching finds it
    (every hard constraint applied): (need id, its owner, (offer id, helper, council,
    category, lon, lat)), measured needs first, each side in id order."""
    from matching.candidates import need_candidates_for_offer, offer_candidates_for_need

    found = []
    needs = Need.objects.select_related("council", "category", "owner").filter(pk__in=need_ids)
    for need in needs.order_by("pk"):
        for c in offer_candidates_for_need(need=need, limit=1):
            cell = c.offer.approx_location
            offer = (c.offer.pk, c.offer.helper_id, need.council_id, need.category_id)
            found.append((need.pk, need.owner_id, (*offer, cell.x, cell.y)))
    offers = Offer.objects.select_related("council", "category", "helper").filter(pk__in=offer_ids)
    for offer in offers.order_by("pk"):
        for c in need_candidates_for_offer(offer=offer, limit=1):
            cell = offer.approx_location
            row = (offer.pk, offer.helper_id, offer.council_id, offer.category_id)
            found.append((c.need.pk, c.need.owner_id, (*row, cell.x, cell.y)))
    return found


def link_sample_history(
    *, need_ids: Sequence[int] = (), offer_ids: Sequence[int] = ()
) -> dict[str, int]:
    """History between the measured listings and the first candidate matching finds for
    each (the helper of a measured need's nearest eligible offer, the owner of a measured
    offer's nearest eligible need), so that every history rule changes what the measured
    rankings return. Of the measured listings that have a candidate, in turn: the two
    people completed a match before, rated 5 ("has helped you before"); the two are in a
    block, one way or the other (never ranked together again); the helper declined that
    very need (not suggested for it again); nothing."""
    history = History()
    now = timezone.now()
    for turn, (need_id, owner_id, offer) in enumerate(_nearest_candidates(need_ids, offer_ids)):
        helper_id = offer[1]
        when = now - dt.timedelta(days=30 + turn)
        if turn % 4 == 0:
            nid = len(history.needs)
            history.past_need(nid=nid, offer=offer, owner_id=owner_id, when=when)
            mid = history.match(
                offer=offer, owner_id=owner_id, status="completed", when=when, past=nid
            )
            history.feedback.append((mid, owner_id, helper_id, 5, "", now))
        elif turn % 4 == 1:
            history.blocks.add((owner_id, helper_id) if turn % 8 == 1 else (helper_id, owner_id))
        elif turn % 4 == 2:
            history.match(
                offer=offer, owner_id=owner_id, status="declined", when=when, need_id=need_id
            )
    history.save()
    return {
        "matches": len(history.matches),
        "feedback": len(history.feedback),
        "blocks": len(history.blocks),
    }


def history_counts() -> dict[str, int]:
    """What the database holds of people's past: matches by status, feedback, blocks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, count(*) FROM matching_match GROUP BY status")
        counts = {f"matches_{status}": n for status, n in cursor.fetchall()}
        cursor.execute("SELECT count(*) FROM matching_feedback")
        counts["feedback"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM marketplace_block")
        counts["blocks"] = cursor.fetchone()[0]
    return dict(sorted(counts.items()))
