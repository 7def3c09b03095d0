"""The council's marketplace settings a council admin changes on the staff settings page."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Council, User
from accounts.permissions import Capability, staff_council
from core.audit import audit_record
from core.errors import ApplicationError
from marketplace.urgent import OPEN_URGENT_AT_ONCE, opens_urgent_needs_at_once


@transaction.atomic
def urgent_needs_setting_update(*, actor: User, open_urgent_needs_at_once: bool) -> Council:
    """Turn on or off opening urgent needs from people in good standing at once, with
    moderation afterwards (`marketplace.urgent`). Audited with before and after."""
    if not isinstance(open_urgent_needs_at_once, bool):
        raise ApplicationError(
            _("Choose whether urgent needs open at once."), code="urgent_setting"
        )
    council = staff_council(actor, Capability.COUNCIL_SETTINGS)
    council = Council.objects.select_for_update().get(pk=council.pk)
    before = {OPEN_URGENT_AT_ONCE: opens_urgent_needs_at_once(council)}
    settings_ = dict(council.settings or {})
    settings_[OPEN_URGENT_AT_ONCE] = open_urgent_needs_at_once
    council.settings = settings_
    council.save(update_fields=["settings"])
    audit_record(
        actor=actor,
        verb="council.urgent_needs_setting_changed",
        council=council,
        target_type="council",
        target_id=council.pk,
        data={
            "before": before,
            "after": {OPEN_URGENT_AT_ONCE: opens_urgent_needs_at_once(council)},
        },
    )
    return council
