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
    """End the person's live matches, then delete their account and everything that cascades
    from it: their needs and offers (with exact locations and weekly times), their matches and
    the messages in them, feedback, alert settings and email addresses.

    What stays: reports other people made about them (safeguarding records, which name them
    only by id) and the append-only audit log, which records this erasure. Kith's council
    retention rules may later replace this with anonymisation; until then, deleting is the
    honest way to honour "delete my account".
    """
    from django.db.models import Q

    from marketplace.audit import audit_record
    from matching.models import Match
    from matching.services import match_cancel

    # End live matches first, through the matching module, so that the other person's need
    # reopens (or their offer's place frees up) instead of pointing at a match that vanished.
    live = Match.objects.filter(
        Q(need__owner=user) | Q(offer__helper=user), status__in=Match.LIVE
    ).values_list("pk", flat=True)
    for match_id in list(live):
        match_cancel(user=user, match_id=match_id, reason="The other person left Kith.")
    audit_record(
        actor=None,
        verb="person.erased",
        target_type="user",
        target_id=user.pk,
        council=user.council if user.council_id else None,
        data={"by": "self"},
    )
    user.delete()
