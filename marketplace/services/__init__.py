"""Writes of the marketplace: needs, offers, moderation and category switches, one module
each, with the checks they share in `shared`.

Every function is keyword-only, runs in one transaction and either saves everything or
nothing. Status changes go through `marketplace.lifecycle`; staff decisions write an
`AuditEvent` in the same transaction. Business rules raise `ApplicationError` with a message
that can be shown to the person as it is.

Callers import the services from here (`from marketplace import services`); the modules
behind are the marketplace's own arrangement.
"""

from marketplace.services.categories import category_set_enabled
from marketplace.services.council_settings import urgent_needs_setting_update
from marketplace.services.moderation import lock_listing, moderation_approve, moderation_reject
from marketplace.services.needs import (
    NEED_EDITABLE_FIELDS,
    need_change_goes_to_review,
    need_create,
    need_expire_stale,
    need_submit,
    need_update,
    need_urgency_check,
    need_window_check,
    need_withdraw,
)
from marketplace.services.offers import (
    OFFER_EDITABLE_FIELDS,
    offer_change_goes_to_review,
    offer_close,
    offer_create,
    offer_pause,
    offer_resume,
    offer_update,
)
from marketplace.services.shared import (
    LISTING_PUBLIC_FIELDS,
    MAX_LANGUAGES,
    NOT_FOUND_MESSAGE,
    STALE_VERSION_MESSAGE,
    WEEKLY_NEED_LIFETIME,
    check_text,
    place_check,
    require_active,
    require_staff_of,
)

__all__ = [
    "LISTING_PUBLIC_FIELDS",
    "MAX_LANGUAGES",
    "NEED_EDITABLE_FIELDS",
    "NOT_FOUND_MESSAGE",
    "OFFER_EDITABLE_FIELDS",
    "STALE_VERSION_MESSAGE",
    "WEEKLY_NEED_LIFETIME",
    "category_set_enabled",
    "check_text",
    "lock_listing",
    "moderation_approve",
    "moderation_reject",
    "need_change_goes_to_review",
    "need_create",
    "need_expire_stale",
    "need_submit",
    "need_update",
    "need_urgency_check",
    "need_window_check",
    "need_withdraw",
    "offer_change_goes_to_review",
    "offer_close",
    "offer_create",
    "offer_pause",
    "offer_resume",
    "offer_update",
    "place_check",
    "require_active",
    "require_staff_of",
    "urgent_needs_setting_update",
]
