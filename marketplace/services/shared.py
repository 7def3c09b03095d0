"""The checks and steps that needs, offers and moderation share: who may write, text,
languages and dietary tags, location and travel radius, timing, whether a listing goes to
the council's review, row locks and the version check that refuses a lost update."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Council, User
from accounts.permissions import Capability, staff_can, staff_council_for
from accounts.permissions import staff_council_id as _staff_council_id
from accounts.selectors import council_for_point
from core.contact_details import CONTACT_DETAILS_MESSAGE, public_text_problem
from core.errors import ApplicationError, NotFound
from marketplace import lifecycle, signals
from marketplace.availability import validate_slots
from marketplace.models import (
    Category,
    CouncilCategory,
    DietaryTag,
    Need,
    NeedSlot,
    Offer,
    OfferSlot,
    Urgency,
)
from marketplace.vetting import vetting_of
from places.geo import NOT_AVAILABLE_MESSAGE, approximate_point, normalise_postcode, postcode_point
from trust.checks import helper_verification_level
from trust.models import VerificationLevel

# A weekly need with no end date of its own is closed as expired after this long unmatched.
WEEKLY_NEED_LIFETIME = dt.timedelta(days=90)
MAX_LANGUAGES = 10
STALE_VERSION_MESSAGE = gettext_lazy(
    "Someone changed this since you opened it. Reload the page to see the latest version, "
    "then make your change again."
)
NOT_FOUND_MESSAGE = gettext_lazy("Not found.")
# A change to these sends an open listing back to the council's review.
LISTING_PUBLIC_FIELDS = {"title", "description", "category"}


# --- Shared checks ---------------------------------------------------------------------------
def require_active(user: User) -> None:
    if not user.is_authenticated or not user.is_active:
        raise ApplicationError(_("Please sign in first."), code="not_signed_in")
    if user.suspended_at is not None:
        raise ApplicationError(
            _(
                "Your account is suspended, so you cannot change listings. Contact your council "
                "if you think this is a mistake."
            ),
            code="suspended",
        )


def check_public_text(**fields: str | None) -> None:
    """Words other people will read hold no contact details and no address."""
    for value in fields.values():
        problem = public_text_problem(value or "")
        if problem is not None:
            code = "contact_details" if problem == CONTACT_DETAILS_MESSAGE else "address"
            raise ApplicationError(_(problem), code=code)


# What a missing or too long text is refused with, by the field `check_text` is given.
_TEXT_REFUSALS = {
    "title": (
        gettext_lazy("Enter a short title."),
        gettext_lazy("Keep a short title to %(max_length)s characters or fewer."),
    ),
    "description": (
        gettext_lazy("Enter a description."),
        gettext_lazy("Keep a description to %(max_length)s characters or fewer."),
    ),
    "consent_note": (
        gettext_lazy("Enter a note about consent."),
        gettext_lazy("Keep a note about consent to %(max_length)s characters or fewer."),
    ),
    "rejection_reason": (
        gettext_lazy("Enter the reason, which the owner will see."),
        gettext_lazy(
            "Keep the reason, which the owner will see to %(max_length)s characters or fewer."
        ),
    ),
    "report_reason": (
        gettext_lazy("Enter what is wrong."),
        gettext_lazy("Keep what is wrong to %(max_length)s characters or fewer."),
    ),
    "decision_note": (
        gettext_lazy("Enter a note."),
        gettext_lazy("Keep a note to %(max_length)s characters or fewer."),
    ),
}


def check_text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    """`value` trimmed, or a refusal naming the field (one of `_TEXT_REFUSALS`)."""
    value = (value or "").strip()
    missing, too_long = _TEXT_REFUSALS[field]
    if required and not value:
        raise ApplicationError(missing, code="required")
    if len(value) > max_length:
        raise ApplicationError(too_long % {"max_length": max_length}, code="too_long")
    return value


def check_languages(languages: Iterable[str] | None) -> list[str]:
    """Language names as typed, blank ones left out and each kept once (its first spelling:
    "English, ENGLISH, english" is English once)."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for lang in languages or []:
        lang = " ".join(str(lang).split())
        if not lang:
            continue
        if len(lang) > 35:
            raise ApplicationError(_("A language name is too long."), code="language")
        if lang.casefold() not in seen:
            seen.add(lang.casefold())
            cleaned.append(lang)
    if len(cleaned) > MAX_LANGUAGES:
        raise ApplicationError(
            _("Give at most %(count)s languages.") % {"count": MAX_LANGUAGES}, code="languages"
        )
    return cleaned


def check_dietary(tags: Iterable[str] | None) -> list[str]:
    cleaned: list[str] = []
    for tag in tags or []:
        if tag not in DietaryTag.values:
            raise ApplicationError(
                _("Unknown dietary option: %(option)s.") % {"option": str(tag)[:30]},
                code="dietary",
            )
        if tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def food_kept(category: Category, tags: Iterable[str] | None) -> list[str]:
    """The kinds of food a listing keeps (`check_dietary`'s), for a kind of help that is a
    meal; for any other kind, none. Food is asked, shown and matched for meals alone, so
    answers given before the kind of help changed (a request's steps, an offer's change)
    would otherwise stay where nobody can see or remove them."""
    tags = check_dietary(tags)
    return tags if category.is_meal else []


def place_check(*, postcode: str) -> Council:
    """The council a need or an offer at `postcode` belongs to, or the refusal recording or
    changing it would give (a postcode that is not real or not known, a place outside every
    council's area), so the page that asks for the postcode can say so at once."""
    _point, _code, council = resolve_location(postcode=postcode, point=None, fallback_user=None)
    return council


def resolve_location(
    *, postcode: str | None, point: Point | None, fallback_user: User | None
) -> tuple[Point, str, Council]:
    """(exact point, normalised postcode or "", council), or a clear error.

    A postcode wins over a point (the API's `location`); with neither, the person's own stored
    home is used. The web pages always ask for a postcode.
    """
    code = ""
    if postcode:
        point = postcode_point(postcode=postcode)
        code = normalise_postcode(postcode)
    elif point is not None:
        if not (math.isfinite(point.x) and math.isfinite(point.y)) or not (
            -180 <= point.x <= 180 and -90 <= point.y <= 90
        ):
            raise ApplicationError(_("That location is not a real place."), code="location_invalid")
        point = Point(point.x, point.y, srid=4326)
    elif fallback_user is not None and fallback_user.home_location is not None:
        home = fallback_user.home_location
        point = Point(home.x, home.y, srid=4326)
        code = fallback_user.home_postcode or ""
    else:
        raise ApplicationError(_("Enter a postcode."), code="location_missing")
    council = council_for_point(point=point)
    if council is None:
        raise ApplicationError(_(NOT_AVAILABLE_MESSAGE), code="not_available")
    return point, code, council


def change_text(listing: Need | Offer, data: Mapping[str, Any], *, title_required: bool) -> None:
    """Step of a change: the title and description the change gives, checked, then the
    pair checked together for contact details."""
    if "title" in data:
        listing.title = check_text(
            data["title"], field="title", max_length=80, required=title_required
        )
    if "description" in data:
        listing.description = check_text(data["description"], field="description", max_length=2000)
    check_public_text(title=listing.title, description=listing.description)


def change_place_and_category(listing: Need | Offer, data: Mapping[str, Any]) -> bool:
    """Step of a change: a new postcode or pin (and so perhaps a new council), a new
    category, both checked against the council. Returns whether the council changed."""
    council_changed = False
    if data.get("postcode") or data.get("point") is not None:
        point, code, council = resolve_location(
            postcode=data.get("postcode"), point=data.get("point"), fallback_user=None
        )
        council_changed = council.pk != listing.council_id
        listing.location, listing.postcode, listing.council = point, code, council
        listing.approx_location = approximate_point(point)
    if isinstance(listing, Offer) and ("radius_m" in data or council_changed):
        listing.radius_m = check_radius(
            radius_m=data.get("radius_m", listing.radius_m), council=listing.council
        )
    if "category" in data:
        listing.category = data["category"]
    if "category" in data or council_changed:
        check_category(category=listing.category, council=listing.council)
    return council_changed


def check_category(*, category: Category, council: Council) -> None:
    if not category.is_active:
        raise ApplicationError(
            _("%(category)s is no longer offered on Kith.") % {"category": category.local_name},
            code="category_off",
        )
    if CouncilCategory.objects.filter(council=council, category=category, enabled=False).exists():
        raise ApplicationError(
            _("%(council)s does not offer %(category)s through Kith at the moment.")
            % {"council": council.local_name, "category": category.local_name.lower()},
            code="category_off",
        )


def check_radius(*, radius_m: int, council: Council) -> int:
    try:
        radius_m = int(radius_m)
    except (TypeError, ValueError):
        raise ApplicationError(
            _("Enter how far you can travel, in metres."), code="radius"
        ) from None
    if radius_m < 100:
        raise ApplicationError(_("Choose a travel distance of at least 100 metres."), code="radius")
    if radius_m > council.max_travel_radius_m:
        limit = council.max_travel_radius_m
        if limit >= 1000:
            shown = _("%(km)s km") % {"km": f"{limit / 1000:g}"}
        else:
            shown = _("%(metres)s metres") % {"metres": limit}
        raise ApplicationError(
            _(
                "%(council)s asks helpers to travel no further than %(distance)s. Choose a "
                "shorter distance."
            )
            % {"council": council.local_name, "distance": shown},
            code="radius_too_far",
        )
    return radius_m


def needs_review(
    *, user: User, council: Council, required_level: int, category: Category | None = None
) -> bool:
    """Listings from new or unverified people wait for a council moderator.

    A council that turns on `auto_approve_verified_helpers` publishes straight away for people
    holding a valid check at least at ID level and, for an offer (`category`), every check
    the category needs (`marketplace.vetting`).
    """
    if not council.auto_approve_verified_helpers:
        return True
    level = helper_verification_level(user=user)
    if level < max(int(VerificationLevel.ID_CHECKED), int(required_level)):
        return True
    return (
        category is not None and not vetting_of(helper=user, category=category, council=council).ok
    )


def need_opened(need: Need) -> None:
    """Announce that a need is now open (matching alerts nearby helpers of an urgent one)."""
    signals.need_opened.send(sender=Need, need=need)


def publish_or_queue(listing: Need | Offer, *, review: bool) -> None:
    if isinstance(listing, Need):
        target = Need.Status.PENDING_REVIEW if review else Need.Status.OPEN
        lifecycle.need_transition(need=listing, to=target)
        if not review:
            need_opened(listing)
    else:
        target = Offer.Status.PENDING_REVIEW if review else Offer.Status.OPEN
        if listing.status != target:
            lifecycle.offer_transition(offer=listing, to=target)


def replace_slots(*, listing: Need | Offer, slots: Iterable) -> None:
    checked = validate_slots(slots)
    if isinstance(listing, Need):
        NeedSlot.objects.filter(need=listing).delete()
        NeedSlot.objects.bulk_create(
            [NeedSlot(need=listing, weekday=s.weekday, start=s.start, end=s.end) for s in checked]
        )
    else:
        OfferSlot.objects.filter(offer=listing).delete()
        OfferSlot.objects.bulk_create(
            [OfferSlot(offer=listing, weekday=s.weekday, start=s.start, end=s.end) for s in checked]
        )


def check_timing(
    *, timing: str, starts_at: dt.datetime | None, ends_at: dt.datetime | None, is_new: bool
) -> None:
    if timing not in Need.Timing.values:
        raise ApplicationError(_("Choose once or every week."), code="timing")
    if timing == Need.Timing.ONE_OFF and (starts_at is None or ends_at is None):
        raise ApplicationError(
            _("For a one-off need, give the start and end of the time it is needed."),
            code="window_missing",
        )
    for value in (starts_at, ends_at):
        if value is not None and timezone.is_naive(value):
            raise ApplicationError(_("Give times with a time zone."), code="naive_datetime")
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ApplicationError(
            _("The end of the time needed must be after its start."), code="window_order"
        )
    if is_new and ends_at is not None and ends_at <= timezone.now():
        raise ApplicationError(_("The time needed has already passed."), code="window_past")


def check_urgency_fits(*, urgency: str, timing: str, starts_at: dt.datetime | None) -> None:
    """An urgent need ("today or tomorrow") wakes nearby helpers at once: a one-off need
    whose day is later than tomorrow is not urgent, and is refused as such."""
    if urgency != Urgency.URGENT or timing != Need.Timing.ONE_OFF or starts_at is None:
        return
    if timezone.localdate(starts_at) > timezone.localdate() + dt.timedelta(days=1):
        raise ApplicationError(
            _(
                "You said help is needed today or tomorrow, but the day it is needed is later "
                "than that. Change how soon help is needed, or the day."
            ),
            code="urgency_date",
        )


def default_expiry(need: Need) -> dt.datetime:
    if need.timing == Need.Timing.ONE_OFF and need.ends_at is not None:
        return need.ends_at
    return timezone.now() + WEEKLY_NEED_LIFETIME


def lock_need(need_id: int) -> Need:
    need = (
        Need.objects.select_for_update(of=("self",))
        .select_related("council", "category", "owner")
        .filter(pk=need_id)
        .first()
    )
    if need is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return need


def lock_offer(offer_id: int) -> Offer:
    offer = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("council", "category", "helper")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return offer


def check_version(*, listing: Need | Offer, version: int) -> None:
    if int(version) != listing.version:
        raise ApplicationError(STALE_VERSION_MESSAGE, code="stale_version")


def may_edit_need(*, user: User, need: Need) -> bool:
    if need.owner_id == user.pk:
        return True
    # Staff who recorded a need on someone's behalf may keep it up to date for them.
    return need.recorded_by_id == user.pk and _staff_council_id(user) == need.council_id


def require_staff_of(*, user: User, council_id: int, capability: Capability) -> None:
    """Staff of another council, and people without the capability, get "not found"."""
    council = staff_council_for(user)
    if council is None or council.pk != council_id or not staff_can(user, capability):
        raise NotFound(NOT_FOUND_MESSAGE)
