"""Who must be told of each event, with which template and which link: one entry per event
verb in `RULES`. A rule reads the event's target and returns `Notice`s; the pipeline turns
each into rows per channel by the person's preferences (`notifications.pipeline`).

Each notice names the page where the person acts. Staff and rounds' proposals go to both
people; a step one person took is told to the other; a match's end is told to whoever did not
end it. Nothing here says why a match ended or who blocked whom.

A notice's context holds words as well as values (the kind of help, how far away, when a
visit is): rules give them as lazy translations (`said`, `gettext_lazy`), and the pipeline
makes them in each person's own language, the language their message is written in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.urls import reverse
from django.utils import dateformat
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext, gettext_noop, ngettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ROLE_CAPABILITIES, Capability
from arrangements.schedule import local_zone
from core.events import Event
from marketplace.models import Category, Need, Offer, Urgency
from matching.models import AlertPreference, AlertSent, Match
from trust.models import HelperCheck, Report


@dataclass(frozen=True)
class Notice:
    person: User
    template: str
    dedupe: str
    link: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    safety_critical: bool = False
    by_letter: bool = True  # whether this is worth a letter to someone who reads only letters
    conversation: int | None = None  # the match whose messages this is about
    target: tuple[str, int] | None = None  # what a reply by text answers


Rule = Callable[[Event], list[Notice]]


# --- Words that fill the templates, in the reader's language ---------------------------------
def _say(words: str) -> str:
    return gettext(words) if words else words


#: Words kept in English in the code (marked with `gettext_noop` where they are written) and
#: said in the language active when the message is made.
said = lazy(_say, str)

#: The default kinds of help as sentences use them (`category_words`), for the catalogue. A
#: council's own categories read as they were named.
CATEGORY_WORDS = (
    pgettext_lazy("a kind of help, in a sentence", "hot meals"),
    pgettext_lazy("a kind of help, in a sentence", "shopping and errands"),
    pgettext_lazy("a kind of help, in a sentence", "befriending and check-in chats"),
    pgettext_lazy("a kind of help, in a sentence", "lifts to appointments"),
    pgettext_lazy("a kind of help, in a sentence", "gardening"),
    pgettext_lazy("a kind of help, in a sentence", "small repairs"),
    pgettext_lazy("a kind of help, in a sentence", "technology"),
    pgettext_lazy("a kind of help, in a sentence", "forms and letters"),
    pgettext_lazy("a kind of help, in a sentence", "dog walking"),
    pgettext_lazy("a kind of help, in a sentence", "light personal care"),
)

#: An urgent alert whose distance is unknown. The bands' words are marked in `places.geo`;
#: `said` puts either in the helper's own language when the message is written.
NEAR_YOU = gettext_noop("near you")

#: Each weekday as a regular time ("on Mondays"), by `marketplace.models.Weekday` value.
EVERY_WEEKDAY = (
    pgettext_lazy("a regular visit on every", "Mondays"),
    pgettext_lazy("a regular visit on every", "Tuesdays"),
    pgettext_lazy("a regular visit on every", "Wednesdays"),
    pgettext_lazy("a regular visit on every", "Thursdays"),
    pgettext_lazy("a regular visit on every", "Fridays"),
    pgettext_lazy("a regular visit on every", "Saturdays"),
    pgettext_lazy("a regular visit on every", "Sundays"),
)


def _every(weekday: int | None) -> str:
    if weekday is None or not 0 <= weekday < len(EVERY_WEEKDAY):
        return ""
    return str(EVERY_WEEKDAY[weekday])


def _spoken(moment: dt.datetime) -> str:
    """An instant as people say it, in local time: "Monday 7 December at 12:00"."""
    local = moment.astimezone(local_zone())
    return gettext("%(day)s at %(time)s") % {
        "day": dateformat.format(local, "l j F"),
        "time": f"{local:%H:%M}",
    }


#: When a visit is, said in the reader's language.
spoken = lazy(_spoken, str)


def _day(day: dt.date) -> str:
    return dateformat.format(day, "j F Y")


#: A date ("7 December 2026"), said in the reader's language.
said_date = lazy(_day, str)


def _id(event: Event) -> int:
    """The event's target id (0, which no row has, when it names none)."""
    return event.target_id or 0


def _listing(event: Event) -> Need | Offer | None:
    model = Need if event.target_type == "need" else Offer
    return (
        model.objects.select_related("category", *(("owner",) if model is Need else ("helper",)))
        .filter(pk=_id(event))
        .first()
    )


def _owner(listing: Need | Offer) -> User:
    return listing.owner if isinstance(listing, Need) else listing.helper


def _listing_link(listing: Need | Offer) -> str:
    if isinstance(listing, Need):
        return reverse("need_detail", args=[listing.pk])
    return reverse("offer_detail", args=[listing.pk])


def listing_approved(event: Event) -> list[Notice]:
    listing = _listing(event)
    if listing is None:
        return []
    return [
        Notice(
            person=_owner(listing),
            template="listing_approved",
            dedupe=f"{event.target_type}:{listing.pk}:approved",
            link=_listing_link(listing),
            context={"kind": _kind(listing), "title": listing.title},
        )
    ]


def listing_rejected(event: Event) -> list[Notice]:
    listing = _listing(event)
    if listing is None:
        return []
    return [
        Notice(
            person=_owner(listing),
            template="listing_rejected",
            dedupe=f"{event.target_type}:{listing.pk}:rejected:{event.audit_id}",
            link=_listing_link(listing),
            context={
                "kind": _kind(listing),
                "title": listing.title,
                "reason": listing.rejection_reason,
            },
        )
    ]


def _kind(listing: Need | Offer) -> Promise:
    return _("request for help") if isinstance(listing, Need) else _("offer of help")


# --- Matches ---------------------------------------------------------------------------------
def _match(event: Event) -> Match | None:
    return (
        Match.objects.select_related("need__owner", "need__category", "offer__helper")
        .filter(pk=_id(event))
        .first()
    )


def category_words(category: Category) -> str:
    """A kind of help as the messages' sentences use it ("help with {category}"): lower
    case, and without its own "Help with", so "Help with technology" never reads "help with
    help with technology". Said in the reader's language (`CATEGORY_WORDS`)."""
    return _category_said(category.name.lower().removeprefix("help with "))


def _category_say(words: str) -> str:
    return pgettext("a kind of help, in a sentence", words)


_category_said = lazy(_category_say, str)


def _match_context(match: Match) -> dict[str, Any]:
    # The category, never the need's title: the helper's copy must hold nothing the citizen
    # typed (texts.py).
    return {"category": category_words(match.need.category)}


def _parties(match: Match) -> list[User]:
    return [match.need.owner, match.offer.helper]


def _to_parties(
    event: Event,
    template: str,
    *,
    step: str,
    skip_actor: bool = True,
    link_name: str = "match_detail",
    **extra: Any,
) -> list[Notice]:
    match = _match(event)
    if match is None:
        return []
    return [
        Notice(
            person=person,
            template=template,
            dedupe=f"match:{match.pk}:{step}",
            link=reverse(link_name, args=[match.pk]),
            context=_match_context(match),
            target=("match", match.pk),
            **extra,
        )
        for person in _parties(match)
        if not (skip_actor and person.pk == event.actor_id)
    ]


def match_proposed(event: Event) -> list[Notice]:
    match = _match(event)
    if match is None:
        return []
    by = event.data.get("proposed_by", match.proposed_by)
    link = reverse("match_detail", args=[match.pk])
    context = _match_context(match)
    dedupe = f"match:{match.pk}:proposed"
    if by == Match.ProposedBy.HELPER:
        told = [(match.need.owner, "helper_offered")]
    elif by == Match.ProposedBy.CITIZEN:
        told = [(match.offer.helper, "citizen_asked")]
    else:  # staff or a round: both are asked, and told it came from the council
        told = [(person, "council_proposed") for person in _parties(match)]
    return [
        Notice(
            person=person,
            template=template,
            dedupe=dedupe,
            link=link,
            context=context,
            target=("match", match.pk),
        )
        for person, template in told
    ]


def match_accepted(event: Event) -> list[Notice]:
    return _to_parties(event, "proposal_accepted", step="accepted") + stand_down_if_filled(event)


def match_declined(event: Event) -> list[Notice]:
    return _to_parties(event, "proposal_declined", step="declined", by_letter=False)


def match_expired(event: Event) -> list[Notice]:
    return _to_parties(event, "proposal_expired", step="expired", skip_actor=False)


def match_cancelled(event: Event) -> list[Notice]:
    return _to_parties(event, "match_cancelled", step="cancelled", safety_critical=True)


def match_completed(event: Event) -> list[Notice]:
    # Both are invited to say how it went, including whoever marked it done.
    return _to_parties(
        event,
        "match_completed",
        step="completed",
        skip_actor=False,
        link_name="match_feedback",
        by_letter=False,
    ) + stand_down_if_filled(event)


def message_sent(event: Event) -> list[Notice]:
    match = Match.objects.select_related("need__owner", "offer__helper", "need__category").filter(
        pk=int(event.data.get("match") or 0)
    )
    found = match.first()
    if found is None:
        return []
    return [
        Notice(
            person=person,
            template="message_received",
            dedupe=f"message:{event.target_id}",
            link=reverse("match_detail", args=[found.pk]) + "#messages",
            context=_match_context(found),
            by_letter=False,
            conversation=found.pk,
            target=("match", found.pk),
        )
        for person in _parties(found)
        if person.pk != event.actor_id
    ]


# --- Urgent needs ----------------------------------------------------------------------------
def urgent_alert(event: Event) -> list[Notice]:
    """An urgent alert, or an idle ask (`matching.alert_policy`): one helper told about one
    need near them, which they can offer to help with or answer YES to by text."""
    alert = (
        AlertSent.objects.select_related("need__category", "helper").filter(pk=_id(event)).first()
    )
    if alert is None:
        return []
    urgent = alert.kind == AlertSent.Kind.URGENT
    pref = AlertPreference.objects.filter(user_id=alert.helper_id).first()
    unsubscribe = (
        reverse("api-alert-unsubscribe", kwargs={"token": pref.unsubscribe_token}) if pref else ""
    )
    return [
        Notice(
            person=alert.helper,
            template="urgent_alert" if urgent else "idle_ask",
            dedupe=f"need:{alert.need_id}:alert",
            link=reverse("need_for_helper", args=[alert.need_id]),
            target=("alert", alert.pk),
            context={
                "category": category_words(alert.need.category),
                "band": said(event.data.get("band") or NEAR_YOU),
                "alerts_off": unsubscribe if urgent else "",
            },
            safety_critical=urgent,
            by_letter=False,
        )
    ]


def stand_down_if_filled(event: Event) -> list[Notice]:
    """Helpers alerted about a need (urgently, or asked while idle) hear once that it no
    longer needs them, when it stops being open (matched, done, withdrawn, expired, taken
    down)."""
    need_id = event.target_id if event.target_type == "need" else event.data.get("need")
    need = (
        Need.objects.select_related("category").filter(pk=int(need_id)).first() if need_id else None
    )
    if need is None or need.status == Need.Status.OPEN:
        return []
    urgent = need.urgency == Urgency.URGENT
    holding = set(
        Match.objects.filter(need=need, status__in=Match.HOLDING).values_list(
            "offer__helper_id", flat=True
        )
    )
    alerted = AlertSent.objects.filter(need=need).select_related("helper")
    return [
        Notice(
            person=alert.helper,
            template="urgent_stand_down" if urgent else "stand_down",
            dedupe=f"need:{need.pk}:stand_down",
            link=reverse("helping"),
            context={"category": category_words(need.category)},
            safety_critical=urgent,
            by_letter=False,
        )
        for alert in alerted
        if alert.helper_id not in holding
    ]


def council_staff_with(capability: Capability, council_id: int | None) -> list[User]:
    """The active staff of a council whose role holds `capability`."""
    if council_id is None:
        return []
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if capability in caps]
    return list(
        User.objects.filter(
            staff_membership__council_id=council_id,
            staff_membership__role__in=roles,
            is_active=True,
        )
    )


def _to_moderators(template: str) -> Rule:
    """An urgent need that needs a moderator's look — waiting for review, or opened at once
    under the council's setting and to be checked afterwards: its moderators hear at once."""

    def rule(event: Event) -> list[Notice]:
        need = Need.objects.select_related("category").filter(pk=_id(event)).first()
        if need is None:
            return []
        moderators = [
            person
            for person in council_staff_with(Capability.MODERATION, need.council_id)
            if person.pk != need.owner_id
        ]
        return [
            Notice(
                person=moderator,
                template=template,
                dedupe=f"need:{need.pk}:{template}",
                link=reverse("staff:moderation_item", args=["need", need.pk]),
                context={"category": category_words(need.category)},
                safety_critical=True,
                by_letter=False,
            )
            for moderator in moderators
        ]

    return rule


# --- Trust and safety -----------------------------------------------------------------------
def offer_paused_check(event: Event) -> list[Notice]:
    offer = Offer.objects.select_related("helper", "category").filter(pk=_id(event)).first()
    if offer is None:
        return []
    # In words that fit what happened: a check that never existed never "expired", and one
    # the council newly asks for did not lapse either.
    why = (event.data or {}).get("why", "expired")
    template = {
        "revoked": "offer_paused_check_revoked",
        "never_held": "offer_paused_check_missing",
        "now_required": "offer_paused_check_required",
    }
    return [
        Notice(
            person=offer.helper,
            template=template.get(why, "offer_paused_check"),
            dedupe=f"offer:{offer.pk}:paused_check:{event.audit_id}",
            link=reverse("offer_detail", args=[offer.pk]),
            context={
                "category": category_words(offer.category),
                "checks": checks_words((event.data or {}).get("asked") or []),
            },
        )
    ]


def _checks_say(*kinds: str) -> str:
    words = []
    for kind in kinds:
        if kind not in HelperCheck.Kind.values:
            continue
        count = HelperCheck.CURRENT_AT_ONCE.get(kind, 1)
        if kind == HelperCheck.Kind.REFERENCE:
            words.append(
                ngettext("%(count)d reference", "%(count)d references", count) % {"count": count}
            )
        else:
            words.append(str(HelperCheck.Kind(kind).label).lower())
    if len(words) > 1:
        return gettext("%(some)s and %(last)s") % {"some": ", ".join(words[:-1]), "last": words[-1]}
    return words[0] if words else gettext("a check")


_checks_said = lazy(_checks_say, str)


def checks_words(kinds: list[str]) -> str:
    """Kinds of check in words ("induction and 2 references"), in the reader's language."""
    return cast(str, _checks_said(*kinds))


def _about_person(template: str, step: str, *, safety_critical: bool = False) -> Rule:
    def rule(event: Event) -> list[Notice]:
        person = User.objects.filter(pk=_id(event)).first()
        if person is None:
            return []
        return [
            Notice(
                person=person,
                template=template,
                dedupe=f"person:{person.pk}:{step}:{event.audit_id}",
                link=reverse("home"),
                safety_critical=safety_critical,
            )
        ]

    return rule


def report_decided(event: Event) -> list[Notice]:
    report = Report.objects.select_related("reporter").filter(pk=_id(event)).first()
    if report is None or report.reporter is None:
        return []
    return [
        Notice(
            person=report.reporter,
            template=f"report_{report.status}",
            dedupe=f"report:{report.pk}:decided",
            link=reverse("home"),
            by_letter=False,
        )
    ]


RULES: dict[str, Rule] = {
    "need.approved": listing_approved,
    "offer.approved": listing_approved,
    "need.rejected": lambda e: listing_rejected(e) + stand_down_if_filled(e),
    "offer.rejected": listing_rejected,
    "need.withdrawn": stand_down_if_filled,
    "need.expired": stand_down_if_filled,
    "match.proposed": match_proposed,
    "match.accepted": match_accepted,
    "match.declined": match_declined,
    "match.expired": match_expired,
    "match.cancelled": match_cancelled,
    "match.completed": match_completed,
    "message.sent": message_sent,
    "need.urgent_alert": urgent_alert,
    "need.idle_ask": urgent_alert,
    "need.urgent_waiting": _to_moderators("urgent_waiting"),
    "need.opened_at_once": _to_moderators("urgent_opened_at_once"),
    "offer.paused_check_lapsed": offer_paused_check,
    "person.suspended": _about_person("person_suspended", "suspended", safety_critical=True),
    "person.reinstated": _about_person("person_reinstated", "reinstated"),
    "report.upheld": report_decided,
    "report.dismissed": report_decided,
}
