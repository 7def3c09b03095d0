"""A council's settings for ongoing help (`Council.settings["ongoing"]`), with defaults."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Council, User
from accounts.permissions import Capability, staff_council
from core.audit import audit_record
from core.errors import ApplicationError

DEFAULT_CHECKIN_WAIT_HOURS = 24
DEFAULT_STILL_NEEDED_WEEKS = 4
#: After "still need help?", how long before a reminder, and again before staff are asked.
STILL_NEEDED_REMINDER_AFTER = dt.timedelta(days=7)
#: The short safety checklist shown to both people before a first meeting, until the council
#: writes its own. In English here; people read it in the language of the page
#: (`first_meeting_checklist_of`).
DEFAULT_FIRST_MEETING_CHECKLIST = (
    gettext_noop(
        "Meet at the front door first. The helper does not need to come in on a first visit."
    ),
    gettext_noop(
        "Ask to see the helper's name in their Kith account, and check it is the person you "
        "were matched with."
    ),
    gettext_noop("Never hand over money, keys, bank cards or PINs, whoever asks."),
    gettext_noop("Tell a friend or relative when the visit is, and who is coming."),
    gettext_noop(
        "If something feels wrong, report a concern on the match page. If anyone is in danger, "
        "call 999."
    ),
)
CHECKLIST_MAX_POINTS = 10
CHECKLIST_MAX_LENGTH = 200


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


def _default_checklist() -> tuple[str, ...]:
    """Kith's own checklist in the language of the page."""
    return tuple(_(point) for point in DEFAULT_FIRST_MEETING_CHECKLIST)


def first_meeting_checklist_of(council: Council, *, language: str = "") -> tuple[str, ...]:
    """The council's safety checklist for first meetings, in the language of the page (or
    `language`): the council's Welsh on a Welsh page when it wrote one, else its English, else
    Kith's own (in either language)."""
    stored = (council.settings or {}).get("ongoing", {}) if council else {}
    with translation.override(language or translation.get_language()):
        welsh = (translation.get_language() or "").startswith("cy")
        points = (welsh and stored.get("first_meeting_checklist_cy")) or stored.get(
            "first_meeting_checklist"
        )
        return tuple(points or ()) or _default_checklist()


def council_checklists(council: Council) -> dict[str, str]:
    """The checklist as the council wrote it, one point a line: in English (Kith's own when
    the council has not written one) and in Welsh ("" when it has not)."""
    stored = (council.settings or {}).get("ongoing", {}) if council else {}
    return {
        "first_meeting_checklist": "\n".join(first_meeting_checklist_of(council, language="en-gb")),
        "first_meeting_checklist_cy": "\n".join(stored.get("first_meeting_checklist_cy") or ()),
    }


def _clean_checklist(points: list[str]) -> list[str]:
    points = [p.strip() for p in points if p and p.strip()]
    if len(points) > CHECKLIST_MAX_POINTS:
        raise ApplicationError(
            _("Keep the checklist to %(count)s points or fewer.") % {"count": CHECKLIST_MAX_POINTS},
            code="checklist",
        )
    for point in points:
        if len(point) > CHECKLIST_MAX_LENGTH:
            raise ApplicationError(
                _(
                    "Keep each point of the checklist to %(count)s characters or fewer "
                    "(one is %(length)s)."
                )
                % {"count": CHECKLIST_MAX_LENGTH, "length": len(point)},
                code="checklist",
            )
    return points


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
    *,
    actor: User,
    checkin_wait_hours: int,
    still_needed_weeks: int,
    first_meeting_checklist: list[str] | None = None,
    first_meeting_checklist_cy: list[str] | None = None,
) -> Council:
    """Set how long a check-in question waits before the next step, how often people are
    asked whether they still need help, and (unless None) the first-meeting checklist — an
    empty one brings back Kith's own — and its Welsh (empty: Welsh pages show the English, or
    Kith's own Welsh). Audited with before and after."""
    council = staff_council(actor, Capability.COUNCIL_SETTINGS)
    council = Council.objects.select_for_update().get(pk=council.pk)
    for value, (low, high), sentence in (
        (
            checkin_wait_hours,
            CHECKIN_WAIT_HOURS_RANGE,
            _("The check-in wait must be between %(low)s and %(high)s hours."),
        ),
        (
            still_needed_weeks,
            STILL_NEEDED_WEEKS_RANGE,
            _("How often to ask must be between %(low)s and %(high)s weeks."),
        ),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ApplicationError(sentence % {"low": low, "high": high}, code="ongoing_range")
    before = ongoing_settings(council)
    checklist_before = council_checklists(council)
    stored = dict((council.settings or {}).get("ongoing", {}))
    checklist = stored.get("first_meeting_checklist") or []
    if first_meeting_checklist is not None:
        checklist = _clean_checklist(first_meeting_checklist)
        with translation.override("en-gb"):
            if tuple(checklist) == _default_checklist():
                checklist = []  # Kith's own words, kept in every language
    welsh = stored.get("first_meeting_checklist_cy") or []
    if first_meeting_checklist_cy is not None:
        welsh = _clean_checklist(first_meeting_checklist_cy)
    settings_ = dict(council.settings or {})
    settings_["ongoing"] = {
        "checkin_wait_hours": checkin_wait_hours,
        "still_needed_weeks": still_needed_weeks,
        **({"first_meeting_checklist": checklist} if checklist else {}),
        **({"first_meeting_checklist_cy": welsh} if welsh else {}),
    }
    council.settings = settings_
    council.save(update_fields=["settings"])
    audit_record(
        actor=actor,
        verb="council.ongoing_policy_changed",
        council=council,
        target_type="council",
        target_id=council.pk,
        data={
            "before": before,
            "after": ongoing_settings(council),
            "checklist_changed": checklist_before != council_checklists(council),
        },
    )
    return council
