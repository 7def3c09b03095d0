"""Writes the web pages need about the signed-in person that no domain app offers: their home
(postcode → point → council), their profile details and what they came to do."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.errors import ApplicationError
from accounts.models import User
from accounts.selectors import council_for_point
from marketplace.places import NOT_AVAILABLE_MESSAGE, normalise_postcode, postcode_point

from .models import WebProfile


@transaction.atomic
def person_set_home(*, user: User, postcode: str) -> User:
    """Set the person's home from a postcode, and their council from the point.

    A malformed or unknown postcode, or a point outside every council on Kith, is refused with
    a clear message and nothing is saved.
    """
    point = postcode_point(postcode=postcode)
    council = council_for_point(point=point)
    if council is None:
        raise ApplicationError(NOT_AVAILABLE_MESSAGE, code="out_of_area")
    user.home_postcode = normalise_postcode(postcode)
    user.home_location = point
    user.council = council
    user.save(update_fields=["home_postcode", "home_location", "council"])
    return user


@transaction.atomic
def person_update_profile(
    *,
    user: User,
    display_name: str,
    preferred_languages: list[str],
    gender: str,
    phone: str = "",
) -> User:
    display_name = display_name.strip()
    if not display_name:
        raise ApplicationError("Enter the name other people will see.", code="name_missing")
    user.display_name = display_name
    user.preferred_languages = [lang.strip() for lang in preferred_languages if lang.strip()]
    user.gender = gender
    user.phone = phone.strip()
    user.save(update_fields=["display_name", "preferred_languages", "gender", "phone"])
    return user


@transaction.atomic
def web_profile_set_role(*, user: User, role: str, onboarded: bool = False) -> WebProfile:
    if role not in WebProfile.Role.values:
        raise ApplicationError("Choose whether you need help, can help, or both.")
    profile, _ = WebProfile.objects.select_for_update().get_or_create(user=user)
    profile.role = role
    fields = ["role", "updated_at"]
    if onboarded and profile.onboarded_at is None:
        profile.onboarded_at = timezone.now()
        fields.append("onboarded_at")
    profile.save(update_fields=fields)
    return profile


@transaction.atomic
def person_erase(*, user: User) -> None:
    """The person deletes their account: their live matches end, their listings close, and
    their personal data is erased or anonymised while the council's statistics stay as they
    were (see `accounts.erasure`)."""
    from accounts.erasure import person_erase as erase

    erase(person=user)
