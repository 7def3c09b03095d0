"""Writes of offers: create, change, pause, resume and close."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import person_lock_for_writing
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from marketplace import lifecycle
from marketplace.availability import validate_slots
from marketplace.models import (
    Category,
    Offer,
)
from marketplace.services.shared import (
    LISTING_PUBLIC_FIELDS,
    NOT_FOUND_MESSAGE,
    change_place_and_category,
    change_text,
    check_category,
    check_dietary,
    check_languages,
    check_public_text,
    check_radius,
    check_text,
    check_version,
    food_kept,
    lock_offer,
    needs_review,
    publish_or_queue,
    replace_slots,
    require_active,
    resolve_location,
)
from marketplace.vetting import require_vetted
from places.geo import approximate_point


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
    title = check_text(title, field="title", max_length=80, required=False)
    description = check_text(description, field="description", max_length=2000)
    check_public_text(title=title, description=description)
    if not 1 <= int(capacity) <= 20:
        raise ApplicationError(
            _("Choose to help between 1 and 20 people at once."), code="capacity"
        )
    checked_slots = validate_slots(slots)
    point, code, council = resolve_location(postcode=postcode, point=point, fallback_user=helper)
    radius_m = check_radius(radius_m=radius_m, council=council)
    check_category(category=category, council=council)
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
        languages=check_languages(languages),
        dietary_capabilities=food_kept(category, dietary_capabilities),
        status=Offer.Status.PENDING_REVIEW,
    )
    replace_slots(listing=offer, slots=checked_slots)
    review = needs_review(
        user=helper, council=council, required_level=category.required_level, category=category
    )
    if not review:
        publish_or_queue(offer, review=False)
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
        raise ApplicationError(
            _("These cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    locked = lock_offer(offer.pk)
    if locked.helper_id != actor.pk:
        raise NotFound(NOT_FOUND_MESSAGE)
    check_version(listing=locked, version=version)
    if locked.status == Offer.Status.CLOSED:
        raise ApplicationError(_("This offer is closed and can no longer be changed."))
    change_text(locked, data, title_required=False)
    if "capacity" in data:
        if not 1 <= int(data["capacity"]) <= 20:
            raise ApplicationError(
                _("Choose to help between 1 and 20 people at once."), code="capacity"
            )
        locked.capacity = int(data["capacity"])
    if "languages" in data:
        locked.languages = check_languages(data["languages"])
    if "dietary_capabilities" in data:
        locked.dietary_capabilities = check_dietary(data["dietary_capabilities"])
    council_changed = change_place_and_category(locked, data)
    locked.dietary_capabilities = food_kept(locked.category, locked.dietary_capabilities)
    if "slots" in data:
        replace_slots(listing=locked, slots=data["slots"])
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
    return needs_review(
        user=actor,
        council=offer.council,
        required_level=offer.category.required_level,
        category=offer.category,
    )


def _offer_owner_step(*, actor: User, offer: Offer, to: str) -> Offer:
    locked = lock_offer(offer.pk)
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
    locked = lock_offer(offer.pk)
    if locked.helper_id != actor.pk:
        raise NotFound(NOT_FOUND_MESSAGE)
    if locked.status != Offer.Status.PAUSED:
        raise ApplicationError(
            _("This offer is %(status)s, not paused.")
            % {"status": locked.get_status_display().lower()},
            code="invalid_transition",
        )
    edited_while_paused = locked.published_at is None
    if edited_while_paused and needs_review(
        user=actor,
        council=locked.council,
        required_level=locked.category.required_level,
        category=locked.category,
    ):
        return lifecycle.offer_transition(offer=locked, to=Offer.Status.PENDING_REVIEW)
    require_vetted(locked)  # a check lapsed while it was paused: it stays paused
    return lifecycle.offer_transition(offer=locked, to=Offer.Status.OPEN)


@transaction.atomic
def offer_close(*, actor: User, offer: Offer) -> Offer:
    return _offer_owner_step(actor=actor, offer=offer, to=Offer.Status.CLOSED)
