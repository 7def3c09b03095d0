"""Reads about people and councils."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.utils import timezone

from .models import Council, HelperCheck, StaffMembership, User, VerificationLevel


def council_for_point(*, point: Point) -> Council | None:
    """The active council whose boundary contains `point` (WGS84), or None.

    Uses the GiST index on the boundary. Where boundaries touch, the lowest id wins so the
    answer is stable.
    """
    if point.srid is None:
        point = Point(point.x, point.y, srid=4326)
    return (
        Council.objects.filter(is_active=True, boundary__intersects=point)
        .order_by("id")
        .defer("boundary")
        .first()
    )


def staff_membership_for(*, user: User) -> StaffMembership | None:
    if not user.is_authenticated:
        return None
    try:
        return user.staff_membership
    except StaffMembership.DoesNotExist:
        return None


def helper_verification_level(*, user: User, on=None) -> int:
    """The highest verification level `user` holds today through unexpired, unrevoked checks."""
    day = on or timezone.localdate()
    best = VerificationLevel.NONE
    for check in HelperCheck.objects.filter(user=user, revoked_at__isnull=True):
        if check.is_valid_on(day):
            best = max(best, check.level)
    return int(best)
