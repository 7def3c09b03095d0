"""Urgent needs that open at once: the council's setting
(`Council.settings["open_urgent_needs_at_once"]`, off unless a council turns it on) and the one
rule for who is in good standing for it.

A need for "today or tomorrow" that would wait for review opens at once instead when both
hold, so nearby helpers are alerted while there is still time; it stays in the moderation
queue (`Need.review_after_open`) until a moderator has looked at it
(`marketplace.services.need_submit`, `moderation_approve`).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from accounts.models import Council, User
from marketplace.models import Need, Offer
from trust.models import Report, SafeguardingConcern

#: The key in `Council.settings`.
OPEN_URGENT_AT_ONCE = "open_urgent_needs_at_once"
#: How far back an upheld report about someone or their listings keeps them out of good standing.
UPHELD_REPORT_WINDOW = dt.timedelta(days=90)


def opens_urgent_needs_at_once(council: Council | None) -> bool:
    """Whether `council` opens urgent needs from people in good standing at once, with
    moderation afterwards. Off by default."""
    if council is None:
        return False
    return (council.settings or {}).get(OPEN_URGENT_AT_ONCE) is True


def in_good_standing(
    *, user: User, need: Need | None = None, now: dt.datetime | None = None
) -> bool:
    """Whether `user`'s urgent need may open before a moderator has seen it. All of:

    - their account is active and not suspended;
    - no safeguarding concern about them is open or in progress (in any council);
    - no report upheld in the last 90 days (`UPHELD_REPORT_WINDOW`) was about them or one of
      their needs or offers (reports of messages are not counted: messages belong to the
      matching room, above this one);
    - a moderator has already let one of their needs through: another need of theirs was
      published, was not taken down (closed as rejected) and is not itself still waiting for
      its look after opening at once. Someone new always waits for review.

    `need` is the need being decided, which never counts as their earlier one.
    """
    if not user.is_active or user.suspended_at is not None:
        return False
    if SafeguardingConcern.objects.filter(
        about=user,
        status__in=[SafeguardingConcern.Status.OPEN, SafeguardingConcern.Status.IN_PROGRESS],
    ).exists():
        return False
    since = (now or timezone.now()) - UPHELD_REPORT_WINDOW
    about_them = (
        Q(target_type=Report.TargetType.PERSON, target_id=user.pk)
        | Q(
            target_type=Report.TargetType.NEED,
            target_id__in=Need.objects.filter(owner=user).values("pk"),
        )
        | Q(
            target_type=Report.TargetType.OFFER,
            target_id__in=Offer.objects.filter(helper=user).values("pk"),
        )
    )
    if Report.objects.filter(
        about_them, status=Report.Status.UPHELD, decided_at__gte=since
    ).exists():
        return False
    earlier = Need.objects.filter(
        owner=user, published_at__isnull=False, review_after_open=False
    ).exclude(closed_reason=Need.ClosedReason.REJECTED)
    if need is not None:
        earlier = earlier.exclude(pk=need.pk)
    return earlier.exists()
