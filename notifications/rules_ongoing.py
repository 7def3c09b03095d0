"""Who is told of what happens in ongoing help (arrangements/): check-ins after a visit, a
visit skipped, a change of time asked and answered, a welfare check opened, and "still need
help?". Looked up beside `rules.RULES` by the pipeline; the words are in `texts.py`."""

from __future__ import annotations

from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts.permissions import Capability
from arrangements.models import Arrangement, ScheduleChange, StillNeeded, Visit
from core.events import Event

from .rules import (
    Notice,
    Rule,
    _every,
    _id,
    _match_context,
    _spoken,
    category_words,
    council_staff_with,
    said,
    spoken,
)


def _visit(event: Event) -> Visit | None:
    return (
        Visit.objects.select_related(
            "arrangement__match__need__owner",
            "arrangement__match__need__category",
            "arrangement__match__offer__helper",
        )
        .filter(pk=_id(event))
        .first()
    )


def _checkin(who: str) -> Rule:
    def rule(event: Event) -> list[Notice]:
        visit = _visit(event)
        if visit is None:
            return []
        match = visit.arrangement.match
        person = match.offer.helper if who == "helper" else match.need.owner
        return [
            Notice(
                person=person,
                template=f"visit_checkin_{who}",
                dedupe=f"visit:{visit.pk}:checkin_{who}",
                link=reverse("visit_check_in", args=[visit.arrangement_id, visit.pk]),
                context={**_match_context(match), "when": spoken(visit.starts_at)},
                target=("visit", visit.pk),
                by_letter=False,
            )
        ]

    return rule


def _arrangement(event: Event) -> Arrangement | None:
    return (
        Arrangement.objects.select_related(
            "match__need__owner", "match__need__category", "match__offer__helper"
        )
        .filter(pk=_id(event))
        .first()
    )


def _to_other(
    arrangement: Arrangement, event: Event, template: str, step: str, **context
) -> Notice:
    match = arrangement.match
    other = match.offer.helper if event.actor_id == match.need.owner_id else match.need.owner
    return Notice(
        person=other,
        template=template,
        dedupe=f"arrangement:{arrangement.pk}:{step}:{event.audit_id}",
        link=reverse("arrangement_detail", args=[arrangement.pk]),
        context={**_match_context(match), **context},
        by_letter=False,
    )


def visit_skipped(event: Event) -> list[Notice]:
    arrangement = _arrangement(event)
    visit = Visit.objects.filter(pk=int(event.data.get("visit") or 0)).first()
    if arrangement is None or visit is None:
        return []
    return [_to_other(arrangement, event, "visit_skipped", "skipped", when=spoken(visit.starts_at))]


def _change_say(change: ScheduleChange) -> str:
    """The change asked for, as the end of "… has asked to {change}"."""
    if change.kind == ScheduleChange.Kind.MOVE_VISIT and change.visit and change.new_starts_at:
        return gettext("move the visit on %(moved_from)s to %(moved_to)s") % {
            "moved_from": _spoken(change.visit.starts_at),
            "moved_to": _spoken(change.new_starts_at),
        }
    times = {
        "days": _every(change.new_weekday),
        "start": f"{change.new_start:%H:%M}",
        "end": f"{change.new_end:%H:%M}",
    }
    if change.replaces_weekday is not None and change.replaces_start is not None:
        return gettext(
            "change the regular time on %(old_days)s at %(old_start)s to %(days)s, %(start)s "
            "to %(end)s"
        ) % {
            **times,
            "old_days": _every(change.replaces_weekday),
            "old_start": f"{change.replaces_start:%H:%M}",
        }
    if change.new_frequency == "fortnightly":
        return (
            gettext("change the regular time to %(days)s, %(start)s to %(end)s, every two weeks")
            % times
        )
    return gettext("change the regular time to %(days)s, %(start)s to %(end)s, every week") % times


#: The change, said in the reader's language.
_change_words = lazy(_change_say, str)


def _change_told(template: str, step: str) -> Rule:
    """The other person is told of a change of time: asked, or confirmed or declined."""

    def rule(event: Event) -> list[Notice]:
        arrangement = _arrangement(event)
        change = (
            ScheduleChange.objects.select_related("visit")
            .filter(pk=int(event.data.get("change") or 0))
            .first()
        )
        if arrangement is None or change is None:
            return []
        return [_to_other(arrangement, event, template, step, change=_change_words(change))]

    return rule


change_asked = _change_told("change_asked", "change")


def change_decided(template: str) -> Rule:
    return _change_told(template, "decided")


WELFARE_WHY = {
    "citizen_said_no": gettext_noop("they said a visit did not happen"),
    "two_unconfirmed": gettext_noop("nobody has confirmed two visits in a row"),
    "helper_concern": gettext_noop("their helper is worried about them"),
}


def welfare_opened(event: Event) -> list[Notice]:
    reason = str(event.data.get("reason") or "")
    arrangement = (
        Arrangement.objects.select_related("match__need__category")
        .filter(welfare__pk=_id(event))
        .first()
    )
    category = category_words(arrangement.match.need.category) if arrangement else _("help")
    return [
        Notice(
            person=person,
            template="welfare_opened",
            dedupe=f"welfare:{_id(event)}:opened",
            link=reverse("staff:welfare_check", args=[_id(event)]),
            context={"category": category, "why_opened": said(WELFARE_WHY.get(reason, reason))},
            safety_critical=True,
            by_letter=False,
        )
        for person in council_staff_with(Capability.WELFARE, event.council_id)
    ]


def _still_needed(event: Event) -> StillNeeded | None:
    return (
        StillNeeded.objects.select_related("need__owner", "need__category")
        .filter(pk=_id(event))
        .first()
    )


def still_needed_asked(event: Event) -> list[Notice]:
    row = _still_needed(event)
    if row is None:
        return []
    return [
        Notice(
            person=row.need.owner,
            template="still_needed",
            dedupe=f"still_needed:{row.pk}:{event.verb}",
            link=reverse("still_needed", args=[row.need_id]),
            context={"category": category_words(row.need.category)},
            target=("still_needed", row.pk),
        )
    ]


def still_needed_for_staff(event: Event) -> list[Notice]:
    row = _still_needed(event)
    if row is None:
        return []
    why_here = (
        _("its time has run out and nobody has been able to help yet")
        if row.reason == StillNeeded.Reason.NOBODY_HELPING
        else _("the person has not said whether they still need it")
    )
    return [
        Notice(
            person=person,
            template="still_needed_staff",
            dedupe=f"still_needed:{row.pk}:staff",
            link=reverse("staff:still_needed"),
            context={"category": category_words(row.need.category), "why_here": why_here},
            by_letter=False,
        )
        for person in council_staff_with(Capability.WELFARE, row.council_id)
    ]


ONGOING_RULES: dict[str, Rule] = {
    "visit.checkin_helper": _checkin("helper"),
    "visit.checkin_citizen": _checkin("citizen"),
    "visit.skipped": visit_skipped,
    "arrangement.change_asked": change_asked,
    "arrangement.change_confirmed": change_decided("change_confirmed"),
    "arrangement.change_declined": change_decided("change_declined"),
    "welfare.opened": welfare_opened,
    "need.still_needed_asked": still_needed_asked,
    "need.still_needed_reminder": still_needed_asked,
    "need.still_needed_unanswered": still_needed_for_staff,
    "need.nobody_helping": still_needed_for_staff,
}
