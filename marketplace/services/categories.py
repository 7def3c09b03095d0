"""Category switches: a council turns a kind of help on or off in its own area."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from accounts.permissions import Capability, staff_can, staff_council_for
from core.audit import audit_record
from core.errors import NotFound
from marketplace.models import (
    Category,
    CouncilCategory,
)
from marketplace.services.shared import (
    NOT_FOUND_MESSAGE,
)


# --- Council administration ------------------------------------------------------------------
@transaction.atomic
def category_set_enabled(*, actor: User, category: Category, enabled: bool) -> CouncilCategory:
    """A council admin switches a category on or off for their own council. Listings already
    published stay; new ones in a switched-off category are refused."""
    council = staff_council_for(actor)
    if council is None or not staff_can(actor, Capability.CATEGORY_SWITCHES):
        raise NotFound(NOT_FOUND_MESSAGE)
    setting, _created = CouncilCategory.objects.select_for_update().get_or_create(
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
