"""Reads about people and councils."""

from __future__ import annotations

from dataclasses import dataclass

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


# Where a council's Welsh-first choice is kept (`Council.settings["welsh_first"]`), as a
# lookup from a council; `is_welsh_first` reads the value found there.
WELSH_FIRST_LOOKUP = "settings__welsh_first"
# `is_welsh_first` in hand-written SQL, on the council table aliased {council}: true only for
# a JSON true (a boolean the database driver returns as such).
WELSH_FIRST_SQL = "({council}.settings -> 'welsh_first') = 'true'::jsonb"


def is_welsh_first(flag: object) -> bool:
    """Whether the value kept at `WELSH_FIRST_LOOKUP` makes a council Welsh-first."""
    return flag is True


def council_is_welsh_first(council_id: int | None) -> bool:
    """Whether a council speaks Welsh first to its people (`Council.settings["welsh_first"]`):
    their pages and messages are in Welsh unless they choose English."""
    if council_id is None:
        return False
    flag = Council.objects.filter(pk=council_id).values_list(WELSH_FIRST_LOOKUP, flat=True).first()
    return is_welsh_first(flag)


@dataclass(frozen=True)
class CouncilContact:
    """How people can reach a council other than online: its name (in the language of the
    page), its public email (`Council.contact_email`) and phone
    (`Council.settings["contact_phone"]`); either may be blank."""

    name: str
    email: str
    phone: str


def council_contact(council_id: int | None = None) -> CouncilContact | None:
    """The contact details of council `council_id`; with no council, those of the only active
    council when the service runs for one (a visitor's council is not known otherwise).
    None when there is no such council or it gives neither an email nor a phone."""
    councils = Council.objects.filter(is_active=True).defer("boundary")
    if council_id is not None:
        council = councils.filter(pk=council_id).first()
    else:
        only = list(councils[:2])
        council = only[0] if len(only) == 1 else None
    if council is None:
        return None
    phone = str((council.settings or {}).get("contact_phone") or "").strip()
    if not (council.contact_email or phone):
        return None
    return CouncilContact(name=council.local_name, email=council.contact_email, phone=phone)
