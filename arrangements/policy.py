"""A council's settings for ongoing help (`Council.settings["ongoing"]`), with defaults."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from accounts.models import Council, User
from accounts.permissions import Capability, staff_council
from core.audit import audit_record
from core.errors import ApplicationError

DEFAULT_CHECKIN_WAIT_HOURS = 24
DEFAULT_STILL_NEEDED_WEEKS = 4
#: After "still need help?", how long before a reminder, and again before staff are asked.
STILL_NEEDED_REMINDER_AFTER = dt.timedelta(days=7)


@dataclass(frozen=True)
class OngoingPolicy:
    #: How long an unanswered check-in question waits before the next step.
    checkin_wait: dt.timedelta
    #: How often a citizen is asked whether they still need the help.
    still_needed_every: dt.timedelta


def ongoing_policy(council: Council) -> OngoingPolicy:
    stored = (council.settings or {}).get("ongoing", {}) if council else {}
    hours = int(stored.get("checkin_wait_hours", DEFAULT_CHECKIN_WAIT_HOURS))
    weeks = int(stored.get("still_needed_weeks", DEFAULT_STILL_NEEDED_WEEKS))
    return OngoingPolicy(
        checkin_wait=dt.timedelta(hours=hours), still_needed_every=dt.timedelta(weeks=weeks)
    )


# --- Staff: the council's settings -------------------------------------------------------------
CHECKIN_WAIT_HOURS_RANGE = (1, 168)
STILL_NEEDED_WEEKS_RANGE = (1, 26)


def ongoing_settings(council: Council) -> dict[str, int]:
    """The council's settings for ongoing help as whole numbers, defaults filled in."""
    policy = ongoing_policy(council)
    return {
        "checkin_wait_hours": int(policy.checkin_wait.total_seconds() // 3600),
        "still_needed_weeks": policy.still_needed_every.days // 7,
    }


@transaction.atomic
def ongoing_policy_update(
    *, actor: User, checkin_wait_hours: int, still_needed_weeks: int
) -> Council:
    """Set how long a check-in question waits before the next step, and how often people are
    asked whether they still need help. Audited with before and after."""
    council = staff_council(actor, Capability.COUNCIL_SETTINGS)
    council = Council.objects.select_for_update().get(pk=council.pk)
    for value, (low, high), what in (
        (checkin_wait_hours, CHECKIN_WAIT_HOURS_RANGE, "The check-in wait must be between"),
        (still_needed_weeks, STILL_NEEDED_WEEKS_RANGE, "How often to ask must be between"),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            unit = "hours" if high == CHECKIN_WAIT_HOURS_RANGE[1] else "weeks"
            raise ApplicationError(f"{what} {low} and {high} {unit}.", code="ongoing_range")
    before = ongoing_settings(council)
    settings_ = dict(council.settings or {})
    settings_["ongoing"] = {
        "checkin_wait_hours": checkin_wait_hours,
        "still_needed_weeks": still_needed_weeks,
    }
    council.settings = settings_
    council.save(update_fields=["settings"])
    audit_record(
        actor=actor,
        verb="council.ongoing_policy_changed",
        council=council,
        target_type="council",
        target_id=council.pk,
        data={"before": before, "after": ongoing_settings(council)},
    )
    return council
