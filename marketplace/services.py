"""Writes of the marketplace: needs, offers, moderation, reports, blocks and category switches.

Every function is keyword-only, runs in one transaction and either saves everything or
nothing. Status changes go through `marketplace.lifecycle`; staff decisions write an
`AuditEvent` in the same transaction. Business rules raise `ApplicationError` with a message
that can be shown to the person as it is.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from accounts.models import Council, User
from accounts.permissions import Capability, staff_can, staff_council_for
from accounts.permissions import staff_council_id as _staff_council_id
from accounts.selectors import council_for_point
from accounts.services import person_lock_for_writing
from core.audit import audit_record, typed_text_facts
from core.errors import ApplicationError, NotFound
from marketplace.models import (
    Category,
    CouncilCategory,
    DietaryTag,
    GenderPreference,
    Need,
    NeedSlot,
    Offer,
    OfferSlot,
    Urgency,
)
from places.geo import NOT_AVAILABLE_MESSAGE, approximate_point, normalise_postcode, postcode_point
from trust.checks import helper_verification_level
from trust.models import VerificationLevel

from . import lifecycle, signals
from .availability import validate_slots
from .contact_details import CONTACT_DETAILS_MESSAGE, has_contact_details

# A weekly need with no end date of its own is closed as expired after this long unmatched.
WEEKLY_NEED_LIFETIME = dt.timedelta(days=90)
MAX_LANGUAGES = 10
STALE_VERSION_MESSAGE = (
    "Someone changed this since you opened it. Reload the page to see the latest version, "
    "then make your change again."
)
NOT_FOUND_MESSAGE = "Not found."


# --- Shared checks ---------------------------------------------------------------------------
def require_active(user: User) -> None:
    if not user.is_authenticated or not user.is_active:
        raise ApplicationError("Please sign in first.", code="not_signed_in")
    if user.suspended_at is not None:
        raise ApplicationError(
            "Your account is suspended, so you cannot change listings. Contact your council "
            "if you think this is a mistake.",
            code="suspended",
        )


def _check_public_text(**fields: str | None) -> None:
    for value in fields.values():
        if value and has_contact_details(value):
            raise ApplicationError(CONTACT_DETAILS_MESSAGE, code="contact_details")


def check_text(value: str, *, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(f"Enter {label}.", code="required")
    if len(value) > max_length:
        raise ApplicationError(
            f"Keep {label} to {max_length} characters or fewer.", code="too_long"
        )
    return value


def _check_languages(languages: Iterable[str] | None) -> list[str]:
    cleaned = []
    for lang in languages or []:
        lang = str(lang).strip()
        if not lang:
            continue
        if len(lang) > 35:
            raise ApplicationError("A language name is too long.", code="language")
        if lang not in cleaned:
            cleaned.append(lang)
    if len(cleaned) > MAX_LANGUAGES:
        raise ApplicationError(f"Give at most {MAX_LANGUAGES} languages.", code="languages")
    return cleaned


def _check_dietary(tags: Iterable[str] | None) -> list[str]:
    cleaned: list[str] = []
    for tag in tags or []:
        if tag not in DietaryTag.values:
            raise ApplicationError(f"Unknown dietary option: {str(tag)[:30]}.", code="dietary")
        if tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def _resolve_location(
    *, postcode: str | None, point: Point | None, fallback_user: User | None
) -> tuple[Point, str, Council]:
    """(exact point, normalised postcode or "", council), or a clear error.

    A postcode wins over a map pin; with neither, the person's own stored home is used.
    """
    code = ""
    if postcode:
        point = postcode_point(postcode=postcode)
        code = normalise_postcode(postcode)
    elif point is not None:
        if not (math.isfinite(point.x) and math.isfinite(point.y)) or not (
            -180 <= point.x <= 180 and -90 <= point.y <= 90
        ):
            raise ApplicationError("That map pin is not a real place.", code="location_invalid")
        point = Point(point.x, point.y, srid=4326)
    elif fallback_user is not None and fallback_user.home_location is not None:
        home = fallback_user.home_location
        point = Point(home.x, home.y, srid=4326)
        code = fallback_user.home_postcode or ""
    else:
        raise ApplicationError(
            "Enter a postcode or place a pin on the map.", code="location_missing"
        )
    council = council_for_point(point=point)
    if council is None:
        raise ApplicationError(NOT_AVAILABLE_MESSAGE, code="not_available")
    return point, code, council


def _check_category(*, category: Category, council: Council) -> None:
    if not category.is_active:
        raise ApplicationError(
            f"{category.name} is no longer offered on Kith.", code="category_off"
        )
    if CouncilCategory.objects.filter(council=council, category=category, enabled=False).exists():
        raise ApplicationError(
            f"{council.name} does not offer {category.name.lower()} through Kith at the moment.",
            code="category_off",
        )


def _check_radius(*, radius_m: int, council: Council) -> int:
    try:
        radius_m = int(radius_m)
    except (TypeError, ValueError):
        raise ApplicationError("Enter how far you can travel, in metres.", code="radius") from None
    if radius_m < 100:
        raise ApplicationError("Choose a travel distance of at least 100 metres.", code="radius")
    if radius_m > council.max_travel_radius_m:
        limit = council.max_travel_radius_m
        shown = f"{limit / 1000:g} km" if limit >= 1000 else f"{limit} metres"
        raise ApplicationError(
            f"{council.name} asks helpers to travel no further than {shown}. "
            "Choose a shorter distance.",
            code="radius_too_far",
        )
    return radius_m


def _needs_review(*, user: User, council: Council, required_level: int) -> bool:
    """Listings from new or unverified people wait for a council moderator.

    A council that turns on `auto_approve_verified_helpers` publishes straight away for people
    holding a valid check at least at ID level and at the level the category requires.
    """
    if not council.auto_approve_verified_helpers:
        return True
    level = helper_verification_level(user=user)
    return level < max(int(VerificationLevel.ID_CHECKED), int(required_level))


def _need_opened(need: Need) -> None:
    """Announce that a need is now open (matching alerts nearby helpers of an urgent one)."""
    signals.need_opened.send(sender=Need, need=need)


def _publish_or_queue(listing: Need | Offer, *, review: bool) -> None:
    if isinstance(listing, Need):
        target = Need.Status.PENDING_REVIEW if review else Need.Status.OPEN
        lifecycle.need_transition(need=listing, to=target)
        if not review:
            _need_opened(listing)
    else:
        target = Offer.Status.PENDING_REVIEW if review else Offer.Status.OPEN
        if listing.status != target:
            lifecycle.offer_transition(offer=listing, to=target)


def _replace_slots(*, listing: Need | Offer, slots: Iterable) -> None:
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


def _check_timing(
    *, timing: str, starts_at: dt.datetime | None, ends_at: dt.datetime | None, is_new: bool
) -> None:
    if timing not in Need.Timing.values:
        raise ApplicationError("Choose once or every week.", code="timing")
    if timing == Need.Timing.ONE_OFF and (starts_at is None or ends_at is None):
        raise ApplicationError(
            "For a one-off need, give the start and end of the time it is needed.",
            code="window_missing",
        )
    for value in (starts_at, ends_at):
        if value is not None and timezone.is_naive(value):
            raise ApplicationError("Give times with a time zone.", code="naive_datetime")
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ApplicationError(
            "The end of the time needed must be after its start.", code="window_order"
        )
    if is_new and ends_at is not None and ends_at <= timezone.now():
        raise ApplicationError("The time needed has already passed.", code="window_past")


def _default_expiry(need: Need) -> dt.datetime:
    if need.timing == Need.Timing.ONE_OFF and need.ends_at is not None:
        return need.ends_at
    return timezone.now() + WEEKLY_NEED_LIFETIME


def _lock_need(need_id: int) -> Need:
    need = (
        Need.objects.select_for_update(of=("self",))
        .select_related("council", "category", "owner")
        .filter(pk=need_id)
        .first()
    )
    if need is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return need


def _lock_offer(offer_id: int) -> Offer:
    offer = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("council", "category", "helper")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return offer


def _check_version(*, listing: Need | Offer, version: int) -> None:
    if int(version) != listing.version:
        raise ApplicationError(STALE_VERSION_MESSAGE, code="stale_version")


def _may_edit_need(*, user: User, need: Need) -> bool:
    if need.owner_id == user.pk:
        return True
    # Staff who recorded a need on someone's behalf may keep it up to date for them.
    return need.recorded_by_id == user.pk and _staff_council_id(user) == need.council_id


def require_staff_of(*, user: User, council_id: int, capability: Capability) -> None:
    """Staff of another council, and people without the capability, get "not found"."""
    council = staff_council_for(user)
    if council is None or council.pk != council_id or not staff_can(user, capability):
        raise NotFound(NOT_FOUND_MESSAGE)


# --- Needs -----------------------------------------------------------------------------------
@transaction.atomic
def need_create(
    *,
    owner: User,
    category: Category,
    title: str,
    description: str,
    postcode: str | None = None,
    point: Point | None = None,
    timing: str = Need.Timing.WEEKLY,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    slots: Iterable = (),
    urgency: str = Urgency.ROUTINE,
    languages: Iterable[str] | None = None,
    helper_gender_preference: str = GenderPreference.ANY,
    dietary_requirements: Iterable[str] | None = None,
    helpers_wanted: int = 1,
    recorded_by: User | None = None,
    consent_given: bool = False,
    consent_note: str = "",
    submit: bool = True,
) -> Need:
    """Record a need. With `submit` (the default) it goes to review or straight to open;
    without, it stays a draft the owner can finish later.

    `recorded_by` is a staff member recording the need on the owner's behalf (assisted
    digital): they must belong to the council of the need's place, and the owner's consent
    must be recorded.
    """
    actor = recorded_by or owner
    require_active(actor)
    if owner.suspended_at is not None:
        raise ApplicationError(
            "This account is suspended, so no needs can be recorded for it.", code="suspended"
        )
    title = check_text(title, label="a short title", max_length=80)
    description = check_text(description, label="a description", max_length=2000)
    _check_public_text(title=title, description=description)
    if urgency not in Urgency.values:
        raise ApplicationError("Choose how soon help is needed.", code="urgency")
    if helper_gender_preference not in GenderPreference.values:
        raise ApplicationError("Choose a helper preference from the list.", code="gender")
    if not 1 <= int(helpers_wanted) <= 10:
        raise ApplicationError("Ask for between 1 and 10 helpers.", code="helpers_wanted")
    _check_timing(timing=timing, starts_at=starts_at, ends_at=ends_at, is_new=True)
    checked_slots = validate_slots(slots)
    point, code, council = _resolve_location(
        postcode=postcode, point=point, fallback_user=None if recorded_by else owner
    )
    _check_category(category=category, council=council)
    consent_at = None
    if recorded_by is not None:
        if _staff_council_id(recorded_by) != council.pk:
            raise ApplicationError(
                "You can record needs only for places in your own council's area.",
                code="wrong_council",
            )
        if not consent_given:
            raise ApplicationError(
                "Record that the person agreed to you adding this need for them.",
                code="consent_missing",
            )
        consent_at = timezone.now()
        consent_note = check_text(
            consent_note, label="a note about consent", max_length=300, required=False
        )
    person_lock_for_writing(person_id=owner.pk)  # erasure cannot run until this commits
    need = Need(
        owner=owner,
        recorded_by=recorded_by,
        consent_recorded_at=consent_at,
        consent_note=consent_note if recorded_by else "",
        council=council,
        category=category,
        title=title,
        description=description,
        postcode=code,
        location=point,
        approx_location=approximate_point(point),
        languages=_check_languages(languages),
        timing=timing,
        starts_at=starts_at,
        ends_at=ends_at,
        urgency=urgency,
        helper_gender_preference=helper_gender_preference,
        dietary_requirements=_check_dietary(dietary_requirements),
        helpers_wanted=int(helpers_wanted),
    )
    need.expires_at = _default_expiry(need)
    need.save()
    _replace_slots(listing=need, slots=checked_slots)
    if recorded_by is not None:
        audit_record(
            actor=recorded_by,
            verb="need.recorded_on_behalf",
            target=need,
            # Whether, not what: the note stays on the need, where erasure reaches it; audit
            # rows are append-only and kept longer.
            data={"owner_id": owner.pk, "consent_note_given": bool(need.consent_note)},
        )
    if submit:
        _need_submit_locked(need=need, actor=actor)
    return need


def _need_submit_locked(*, need: Need, actor: User) -> Need:
    # A need recorded by the council's own staff has been seen by staff already.
    staff_recorded = need.recorded_by_id is not None and _staff_council_id(actor) == need.council_id
    review = not staff_recorded and _needs_review(
        user=need.owner, council=need.council, required_level=VerificationLevel.ID_CHECKED
    )
    _publish_or_queue(need, review=review)
    if not review:
        audit_record(actor=actor, verb="need.published", target=need, data={"auto": True})
    return need


@transaction.atomic
def need_submit(*, actor: User, need: Need) -> Need:
    """Send a draft need for review (or publish it at once where the council allows)."""
    require_active(actor)
    locked = _lock_need(need.pk)
    if not _may_edit_need(user=actor, need=locked):
        raise NotFound(NOT_FOUND_MESSAGE)
    if locked.status != Need.Status.DRAFT:
        raise ApplicationError(
            f"This need is {locked.get_status_display().lower()}, not a draft.",
            code="invalid_transition",
        )
    _check_category(category=locked.category, council=locked.council)
    return _need_submit_locked(need=locked, actor=actor)


NEED_EDITABLE_FIELDS = {
    "category",
    "title",
    "description",
    "postcode",
    "point",
    "timing",
    "starts_at",
    "ends_at",
    "slots",
    "urgency",
    "languages",
    "helper_gender_preference",
    "dietary_requirements",
    "helpers_wanted",
}


@transaction.atomic
def need_update(*, actor: User, need: Need, version: int, data: Mapping[str, Any]) -> Need:
    """Change a need the actor owns (or recorded). `version` is the version the person
    started from: if someone else saved in between, the change is refused, not lost.

    Changing the public text of an open need sends it back to review unless the owner would
    be published straight away.
    """
    require_active(actor)
    unknown = set(data) - NEED_EDITABLE_FIELDS
    if unknown:
        raise ApplicationError(f"These cannot be changed: {', '.join(sorted(unknown))}.")
    locked = _lock_need(need.pk)
    if not _may_edit_need(user=actor, need=locked):
        raise NotFound(NOT_FOUND_MESSAGE)
    _check_version(listing=locked, version=version)
    if locked.status not in (Need.Status.DRAFT, Need.Status.PENDING_REVIEW, Need.Status.OPEN):
        raise ApplicationError(
            f"This need is {locked.get_status_display().lower()} and can no longer be changed.",
            code="not_editable",
        )
    if "title" in data:
        locked.title = check_text(data["title"], label="a short title", max_length=80)
    if "description" in data:
        locked.description = check_text(data["description"], label="a description", max_length=2000)
    _check_public_text(title=locked.title, description=locked.description)
    if "urgency" in data:
        if data["urgency"] not in Urgency.values:
            raise ApplicationError("Choose how soon help is needed.", code="urgency")
        locked.urgency = data["urgency"]
    if "helper_gender_preference" in data:
        if data["helper_gender_preference"] not in GenderPreference.values:
            raise ApplicationError("Choose a helper preference from the list.", code="gender")
        locked.helper_gender_preference = data["helper_gender_preference"]
    if "helpers_wanted" in data:
        if not 1 <= int(data["helpers_wanted"]) <= 10:
            raise ApplicationError("Ask for between 1 and 10 helpers.", code="helpers_wanted")
        locked.helpers_wanted = int(data["helpers_wanted"])
    if "languages" in data:
        locked.languages = _check_languages(data["languages"])
    if "dietary_requirements" in data:
        locked.dietary_requirements = _check_dietary(data["dietary_requirements"])
    timing_changed = {"timing", "starts_at", "ends_at"} & set(data)
    for field in ("timing", "starts_at", "ends_at"):
        if field in data:
            setattr(locked, field, data[field])
    if timing_changed:
        _check_timing(
            timing=locked.timing,
            starts_at=locked.starts_at,
            ends_at=locked.ends_at,
            is_new="ends_at" in data,
        )
        if locked.timing == Need.Timing.ONE_OFF and locked.ends_at is not None:
            locked.expires_at = locked.ends_at
    council_changed = False
    if data.get("postcode") or data.get("point") is not None:
        point, code, council = _resolve_location(
            postcode=data.get("postcode"), point=data.get("point"), fallback_user=None
        )
        council_changed = council.pk != locked.council_id
        locked.location, locked.postcode, locked.council = point, code, council
        locked.approx_location = approximate_point(point)
    if "category" in data:
        locked.category = data["category"]
    if "category" in data or council_changed:
        _check_category(category=locked.category, council=locked.council)
    if "slots" in data:
        _replace_slots(listing=locked, slots=data["slots"])
    locked.version += 1
    locked.save()
    if need_change_goes_to_review(
        actor=actor, need=locked, fields=data, council_changed=council_changed
    ):
        lifecycle.need_transition(need=locked, to=Need.Status.PENDING_REVIEW)
    return locked


LISTING_PUBLIC_FIELDS = {"title", "description", "category"}


def need_change_goes_to_review(
    *, actor: User, need: Need, fields: Iterable[str], council_changed: bool = False
) -> bool:
    """Whether changing `fields` of `need` sends it back to the council's review (the rule
    `need_update` applies), so a page can say so before the person confirms.

    Only the public text of an open need counts, and not for people the council would
    publish straight away, nor for staff keeping a need they recorded up to date."""
    if need.status != Need.Status.OPEN:
        return False
    if not (council_changed or LISTING_PUBLIC_FIELDS & set(fields)):
        return False
    staff_recorded = need.recorded_by_id is not None and _staff_council_id(actor) == need.council_id
    return not staff_recorded and _needs_review(
        user=need.owner, council=need.council, required_level=VerificationLevel.ID_CHECKED
    )


@transaction.atomic
def need_withdraw(*, actor: User, need: Need) -> Need:
    """The owner (or the staff member who recorded it) no longer needs help."""
    locked = _lock_need(need.pk)
    if not _may_edit_need(user=actor, need=locked):
        raise NotFound(NOT_FOUND_MESSAGE)
    return lifecycle.need_transition(
        need=locked, to=Need.Status.CLOSED, closed_reason=Need.ClosedReason.WITHDRAWN
    )


@transaction.atomic
def need_expire_stale(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Close as expired the unmatched needs whose time has passed. Returns how many.

    Rows another worker holds are skipped (`skip_locked`) and caught on the next run.
    """
    now = now or timezone.now()
    stale = list(
        Need.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("council")
        .filter(
            status__in=[Need.Status.DRAFT, Need.Status.PENDING_REVIEW, Need.Status.OPEN],
            expires_at__lt=now,
        )
        .order_by("expires_at")[:limit]
    )
    for need in stale:
        lifecycle.need_transition(
            need=need, to=Need.Status.CLOSED, closed_reason=Need.ClosedReason.EXPIRED
        )
        audit_record(actor=None, verb="need.expired", target=need)
    return len(stale)


# --- Offers ----------------------------------------------------------------------------------
@transaction.atomic
def offer_create(
    *,
    helper: User,
    category: Category,
    description: str,
    radius_m: int,
    title: str = "",
    postcode: str | None = None,
    point: Point | None = None,
    slots: Iterable = (),
    capacity: int = 1,
    languages: Iterable[str] | None = None,
    dietary_capabilities: Iterable[str] | None = None,
) -> Offer:
    """Record what a helper can offer. New and unverified helpers wait for review; a council
    may publish offers from helpers holding the checks the category needs straight away."""
    require_active(helper)
    title = check_text(title, label="a short title", max_length=80, required=False)
    description = check_text(description, label="a description", max_length=2000)
    _check_public_text(title=title, description=description)
    if not 1 <= int(capacity) <= 20:
        raise ApplicationError("Choose to help between 1 and 20 people at once.", code="capacity")
    checked_slots = validate_slots(slots)
    point, code, council = _resolve_location(postcode=postcode, point=point, fallback_user=helper)
    radius_m = _check_radius(radius_m=radius_m, council=council)
    _check_category(category=category, council=council)
    person_lock_for_writing(person_id=helper.pk)  # erasure cannot run until this commits
    offer = Offer.objects.create(
        helper=helper,
        council=council,
        category=category,
        title=title,
        description=description,
        postcode=code,
        location=point,
        approx_location=approximate_point(point),
        radius_m=radius_m,
        capacity=int(capacity),
        languages=_check_languages(languages),
        dietary_capabilities=_check_dietary(dietary_capabilities),
        status=Offer.Status.PENDING_REVIEW,
    )
    _replace_slots(listing=offer, slots=checked_slots)
    review = _needs_review(user=helper, council=council, required_level=category.required_level)
    if not review:
        _publish_or_queue(offer, review=False)
        audit_record(actor=helper, verb="offer.published", target=offer, data={"auto": True})
    return offer


OFFER_EDITABLE_FIELDS = {
    "category",
    "title",
    "description",
    "postcode",
    "point",
    "radius_m",
    "slots",
    "capacity",
    "languages",
    "dietary_capabilities",
}


@transaction.atomic
def offer_update(*, actor: User, offer: Offer, version: int, data: Mapping[str, Any]) -> Offer:
    """Change the actor's own offer; refused if someone saved a newer version meanwhile."""
    require_active(actor)
    unknown = set(data) - OFFER_EDITABLE_FIELDS
    if unknown:
        raise ApplicationError(f"These cannot be changed: {', '.join(sorted(unknown))}.")
    locked = _lock_offer(offer.pk)
    if locked.helper_id != actor.pk:
        raise NotFound(NOT_FOUND_MESSAGE)
    _check_version(listing=locked, version=version)
    if locked.status == Offer.Status.CLOSED:
        raise ApplicationError("This offer is closed and can no longer be changed.")
    if "title" in data:
        locked.title = check_text(
            data["title"], label="a short title", max_length=80, required=False
        )
    if "description" in data:
        locked.description = check_text(data["description"], label="a description", max_length=2000)
    _check_public_text(title=locked.title, description=locked.description)
    if "capacity" in data:
        if not 1 <= int(data["capacity"]) <= 20:
            raise ApplicationError(
                "Choose to help between 1 and 20 people at once.", code="capacity"
            )
        locked.capacity = int(data["capacity"])
    if "languages" in data:
        locked.languages = _check_languages(data["languages"])
    if "dietary_capabilities" in data:
        locked.dietary_capabilities = _check_dietary(data["dietary_capabilities"])
    council_changed = False
    if data.get("postcode") or data.get("point") is not None:
        point, code, council = _resolve_location(
            postcode=data.get("postcode"), point=data.get("point"), fallback_user=None
        )
        council_changed = council.pk != locked.council_id
        locked.location, locked.postcode, locked.council = point, code, council
        locked.approx_location = approximate_point(point)
    if "radius_m" in data or council_changed:
        locked.radius_m = _check_radius(
            radius_m=data.get("radius_m", locked.radius_m), council=locked.council
        )
    if "category" in data:
        locked.category = data["category"]
    if "category" in data or council_changed:
        _check_category(category=locked.category, council=locked.council)
    if "slots" in data:
        _replace_slots(listing=locked, slots=data["slots"])
    locked.version += 1
    locked.save()
    if offer_change_goes_to_review(
        actor=actor, offer=locked, fields=data, council_changed=council_changed
    ):
        if locked.status == Offer.Status.OPEN:
            lifecycle.offer_transition(offer=locked, to=Offer.Status.PENDING_REVIEW)
        elif locked.status == Offer.Status.PAUSED:
            # Stays paused while the helper is away; `offer_resume` sends it for review.
            locked.published_at = None
            locked.save(update_fields=["published_at", "updated_at"])
    return locked


def offer_change_goes_to_review(
    *, actor: User, offer: Offer, fields: Iterable[str], council_changed: bool = False
) -> bool:
    """Whether changing `fields` of `offer` needs the council's review again (the rule
    `offer_update` applies): an open offer goes back to review at once, a paused one when
    the helper starts it again. Only public text counts, and not for helpers the council
    would publish straight away."""
    if offer.status not in (Offer.Status.OPEN, Offer.Status.PAUSED):
        return False
    if not (council_changed or LISTING_PUBLIC_FIELDS & set(fields)):
        return False
    return _needs_review(
        user=actor, council=offer.council, required_level=offer.category.required_level
    )


def _offer_owner_step(*, actor: User, offer: Offer, to: str) -> Offer:
    locked = _lock_offer(offer.pk)
    if locked.helper_id != actor.pk:
        raise NotFound(NOT_FOUND_MESSAGE)
    return lifecycle.offer_transition(offer=locked, to=to)


@transaction.atomic
def offer_pause(*, actor: User, offer: Offer) -> Offer:
    """The helper is away for a while: the offer stops being shown and matched."""
    return _offer_owner_step(actor=actor, offer=offer, to=Offer.Status.PAUSED)


@transaction.atomic
def offer_resume(*, actor: User, offer: Offer) -> Offer:
    """Show a paused offer again. Only a paused one: publishing an offer waiting for review
    is a moderator's decision, and a paused offer whose public text changed goes to review."""
    require_active(actor)
    locked = _lock_offer(offer.pk)
    if locked.helper_id != actor.pk:
        raise NotFound(NOT_FOUND_MESSAGE)
    if locked.status != Offer.Status.PAUSED:
        raise ApplicationError(
            f"This offer is {locked.get_status_display().lower()}, not paused.",
            code="invalid_transition",
        )
    edited_while_paused = locked.published_at is None
    if edited_while_paused and _needs_review(
        user=actor, council=locked.council, required_level=locked.category.required_level
    ):
        return lifecycle.offer_transition(offer=locked, to=Offer.Status.PENDING_REVIEW)
    return lifecycle.offer_transition(offer=locked, to=Offer.Status.OPEN)


@transaction.atomic
def offer_close(*, actor: User, offer: Offer) -> Offer:
    return _offer_owner_step(actor=actor, offer=offer, to=Offer.Status.CLOSED)


# --- Moderation ------------------------------------------------------------------------------
def lock_listing(*, kind: str, listing_id: int) -> Need | Offer:
    if kind == "need":
        return _lock_need(listing_id)
    if kind == "offer":
        return _lock_offer(listing_id)
    raise NotFound(NOT_FOUND_MESSAGE)


def _listing_owner_id(listing: Need | Offer) -> int:
    return listing.owner_id if isinstance(listing, Need) else listing.helper_id


@transaction.atomic
def moderation_approve(*, actor: User, kind: str, listing_id: int) -> Need | Offer:
    """A moderator of the listing's council publishes a listing waiting for review."""
    listing = lock_listing(kind=kind, listing_id=listing_id)
    require_staff_of(user=actor, council_id=listing.council_id, capability=Capability.MODERATION)
    if _listing_owner_id(listing) == actor.pk:
        raise ApplicationError(
            "Another moderator must review your own listing.", code="own_listing"
        )
    if listing.status != "pending_review":
        raise ApplicationError(
            f"This {kind} is {listing.get_status_display().lower()}, not waiting for review.",
            code="invalid_transition",
        )
    listing.rejection_reason = ""
    listing.save(update_fields=["rejection_reason", "updated_at"])
    if isinstance(listing, Need):
        lifecycle.need_transition(need=listing, to=Need.Status.OPEN)
        _need_opened(listing)
    else:
        lifecycle.offer_transition(offer=listing, to=Offer.Status.OPEN)
    audit_record(actor=actor, verb=f"{kind}.approved", target=listing)
    return listing


@transaction.atomic
def moderation_reject(
    *, actor: User, kind: str, listing_id: int, reason: str, only_pending: bool = False
) -> Need | Offer:
    """A moderator of the listing's council turns a listing down (or takes an open one down).
    The reason is shown to the owner, so it should say what to change.

    `only_pending` is for decisions taken from the review queue: the moderator saw the listing
    waiting for review, so if another moderator approved it meanwhile, this rejection is
    refused instead of taking down what a colleague has just published (one decision wins).
    """
    reason = check_text(reason, label="the reason, which the owner will see", max_length=500)
    listing = lock_listing(kind=kind, listing_id=listing_id)
    require_staff_of(user=actor, council_id=listing.council_id, capability=Capability.MODERATION)
    if only_pending and listing.status != "pending_review":
        raise ApplicationError(
            f"This {kind} is not waiting for review any more: another decision was made first, "
            "so it cannot be rejected from the review queue.",
            code="already_decided",
        )
    if _listing_owner_id(listing) == actor.pk:
        raise ApplicationError(
            "Another moderator must review your own listing.", code="own_listing"
        )
    listing.rejection_reason = reason
    if isinstance(listing, Need):
        lifecycle.need_transition(
            need=listing, to=Need.Status.CLOSED, closed_reason=Need.ClosedReason.REJECTED
        )
    else:
        if listing.status not in (Offer.Status.PENDING_REVIEW, Offer.Status.OPEN):
            raise ApplicationError(
                f"This offer is {listing.get_status_display().lower()} and cannot be rejected.",
                code="invalid_transition",
            )
        lifecycle.offer_transition(offer=listing, to=Offer.Status.CLOSED)
    listing.save(update_fields=["rejection_reason", "updated_at"])
    # The reason stays on the listing (erasure and retention reach it), not in the audit row.
    audit_record(
        actor=actor,
        verb=f"{kind}.rejected",
        target=listing,
        data=typed_text_facts(reason),
    )
    return listing


# --- Council administration ------------------------------------------------------------------
@transaction.atomic
def category_set_enabled(*, actor: User, category: Category, enabled: bool) -> CouncilCategory:
    """A council admin switches a category on or off for their own council. Listings already
    published stay; new ones in a switched-off category are refused."""
    council = staff_council_for(actor)
    if council is None or not staff_can(actor, Capability.CATEGORY_SWITCHES):
        raise NotFound(NOT_FOUND_MESSAGE)
    setting, _ = CouncilCategory.objects.select_for_update().get_or_create(
        council=council, category=category, defaults={"enabled": enabled}
    )
    if setting.enabled != enabled:
        setting.enabled = enabled
        setting.save(update_fields=["enabled"])
    audit_record(
        actor=actor,
        verb="category.enabled" if enabled else "category.disabled",
        target_type="category",
        target_id=category.pk,
        council=council,
        data={"slug": category.slug},
    )
    return setting
