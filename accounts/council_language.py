"""Whether a council speaks Welsh first to its people, set by a council admin on the staff
settings page. Stored as `Council.settings["welsh_first"]` and read by
`accounts.selectors.council_is_welsh_first` (pages and messages in Welsh unless the person
chooses English)."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Council, User
from accounts.permissions import Capability, staff_council
from core.audit import audit_record

WELSH_FIRST = "welsh_first"


@transaction.atomic
def welsh_first_update(*, actor: User, welsh_first: bool) -> Council:
    """Turn "speak Welsh first" on or off for the actor's own council. Audited with before and
    after, like the council's other settings; the council's other settings stay as they are."""
    council = staff_council(actor, Capability.COUNCIL_SETTINGS)
    council = Council.objects.select_for_update().get(pk=council.pk)
    settings_ = dict(council.settings or {})
    before = {WELSH_FIRST: settings_.get(WELSH_FIRST) is True}
    settings_[WELSH_FIRST] = bool(welsh_first)
    council.settings = settings_
    council.save(update_fields=["settings"])
    audit_record(
        actor=actor,
        verb="council.language_setting_changed",
        council=council,
        target_type="council",
        target_id=council.pk,
        data={"before": before, "after": {WELSH_FIRST: settings_[WELSH_FIRST]}},
    )
    return council
