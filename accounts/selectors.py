"""Reads about people and councils."""

from __future__ import annotations

from django.contrib.gis.geos import Point

from accounts.models import Council, StaffMembership, User, WebProfile


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


def web_profile_for(*, user: User) -> WebProfile:
    """The person's web profile, unsaved with defaults if they have not been through onboarding."""
    profile = WebProfile.objects.filter(user=user).first()
    return profile or WebProfile(user=user)


def person_of_council(*, council: Council, person_id: int | str) -> User | None:
    """Someone registered in `council`'s area, by number (None for anyone else)."""
    return User.objects.filter(pk=person_id, council=council).first()


def person_of_council_by_email(*, council: Council, email: str) -> User | None:
    """Someone registered in `council`'s area, by email address in any case."""
    return User.objects.filter(council=council, email__iexact=email).first()
