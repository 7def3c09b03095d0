"""Demo data owned by matching: matches in every state, so the demo shows the whole lifecycle.

Runs after `demo.listings.seed_listings` (which recreates the demo listings, and with
them their matches). Everything goes through the real services, so the audit log, statuses
and constraints are exactly what a person would produce. Deterministic: the same listings
give the same pairs (needs in creation order, the best-ranked candidate for each).
Idempotent: the council's demo matches are removed first.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Council, StaffMembership, User
from marketplace.models import Need
from matching import services
from matching.candidates import ranked_offers_for_need
from matching.models import Match

DEMO_CITIZEN = "citizen@kith.example"
DEMO_HELPER = "helper@kith.example"

# The order in which states are handed out: the demo citizen's own needs get the first ones.
STATES = [
    "accepted",
    "active",
    "completed",
    "proposed_by_helper",
    "proposed_by_citizen",
    "proposed_by_staff",
    "declined",
    "cancelled",
    "expired",
]

CONVERSATION = [
    ("helper", "Hello! I saw your request and I would be glad to help."),
    ("citizen", "Thank you, that is very kind. Would Tuesday suit you?"),
    ("helper", "Tuesday is fine. I will knock around six."),
]


def _pick(need: Need, *, prefer: User | None):
    ranked = ranked_offers_for_need(need=need, limit=10)
    if not ranked:
        return None
    for pair in ranked:
        if prefer is not None and pair.offer.helper_id == prefer.pk:
            return pair.offer
    return ranked[0].offer


def _talk(match: Match, citizen: User, helper: User) -> None:
    for who, body in CONVERSATION:
        services.message_send(
            user=helper if who == "helper" else citizen, match_id=match.pk, body=body
        )


def _make(state: str, *, need: Need, offer_id: int, helper: User, staff: User | None) -> Match:
    citizen = need.owner
    if state == "proposed_by_citizen":
        return services.match_request(citizen=citizen, need_id=need.pk, offer_id=offer_id)
    if state == "proposed_by_staff":
        if staff is None:  # seed_matches skips this state when the council has no moderator
            raise ValueError("A proposal by staff needs a moderator of the demo council.")
        return services.match_propose_by_staff(staff=staff, need_id=need.pk, offer_id=offer_id)
    match = services.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer_id)
    if state == "declined":
        return services.match_decline(
            user=citizen, match_id=match.pk, reason="I have found help from a neighbour."
        )
    if state == "expired":
        Match.objects.filter(pk=match.pk).update(created_at=timezone.now() - dt.timedelta(days=20))
        services.matches_expire(older_than=dt.timedelta(days=14))
        match.refresh_from_db()
        return match
    if state == "proposed_by_helper":
        return match
    services.match_accept(user=citizen, match_id=match.pk)
    _talk(match, citizen, helper)
    if state == "cancelled":
        return services.match_cancel(
            user=helper, match_id=match.pk, reason="I am moving away, sorry."
        )
    if state in ("active", "completed"):
        services.match_start(user=helper, match_id=match.pk)
    if state == "completed":
        services.match_complete(user=citizen, match_id=match.pk)
        services.feedback_leave(
            user=citizen, match_id=match.pk, rating=5, comment="Always on time and so kind."
        )
        services.feedback_leave(
            user=helper, match_id=match.pk, rating=5, comment="A pleasure to help."
        )
    match.refresh_from_db()
    return match


@transaction.atomic
def seed_matches(*, council: Council) -> str:
    Match.objects.filter(council=council).delete()
    citizen = User.objects.filter(email=DEMO_CITIZEN).first()
    demo_helper = User.objects.filter(email=DEMO_HELPER).first()
    staff_row = (
        StaffMembership.objects.filter(council=council, role=StaffMembership.Role.MODERATOR)
        .select_related("user")
        .order_by("id")
        .first()
    )
    staff = staff_row.user if staff_row else None
    open_needs = list(
        Need.objects.filter(council=council, status=Need.Status.OPEN)
        .select_related("owner", "category", "council")
        .order_by("id")
    )
    # The demo citizen's needs first, so signing in as them shows the lifecycle.
    open_needs.sort(key=lambda n: (0 if citizen and n.owner_id == citizen.pk else 1, n.pk))
    made: dict[str, int] = {}
    queue = list(STATES)
    for need in open_needs:
        if not queue:
            break
        state = queue[0]
        if state == "proposed_by_staff" and staff is None:
            queue.pop(0)
            continue
        need.refresh_from_db()
        if need.status != Need.Status.OPEN:
            continue
        offer = _pick(need, prefer=demo_helper)
        if offer is None:
            continue
        helper = User.objects.get(pk=offer.helper_id)
        _make(state, need=need, offer_id=offer.pk, helper=helper, staff=staff)
        made[state] = made.get(state, 0) + 1
        queue.pop(0)
    parts = ", ".join(f"{state.replace('_', ' ')}" for state in STATES if state in made)
    return f"Matches: {sum(made.values())} ({parts})"
