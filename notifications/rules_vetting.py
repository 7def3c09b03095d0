"""Who is told what when vetting lapses: a match held for staff review (both people, and the
council's staff who record checks), and check-expiry warnings to staff. Looked up after
`rules.RULES` by the pipeline; the words are in `texts.py`."""

from __future__ import annotations

from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

from accounts.permissions import Capability
from core.events import Event
from matching.models import Match

from .rules import Notice, Rule, _id, category_words, checks_words, council_staff_with, said

#: The citizen hears that a check is not in place, not which one or why: that is the helper's.
#: (Said in the reader's language: `rules.said`.)
HELD_WORDS = {
    "expired": gettext_noop("a check the helper needs for this kind of help has expired"),
    "revoked": gettext_noop("a check the helper needs for this kind of help is not in place"),
    "never_held": gettext_noop("a check the helper needs for this kind of help is not in place"),
    "now_required": gettext_noop(
        "the council now asks helpers of this kind of help for a check your helper does not "
        "hold yet"
    ),
}
HELD_WORDS_HELPER = {
    "expired": gettext_noop("a check this help needs has expired"),
    "revoked": gettext_noop("the council has withdrawn a check this help needs"),
    "never_held": gettext_noop("this help needs a check the council has not recorded for you"),
}


def _now_asked_say(checks) -> str:
    return gettext("the council now asks for %(checks)s for this kind of help") % {"checks": checks}


#: What the council newly asks of a helper, in the reader's language.
_now_asked = lazy(_now_asked_say, str)


def match_held(event: Event) -> list[Notice]:
    match = (
        Match.objects.select_related("need__owner", "need__category", "offer__helper")
        .filter(pk=_id(event))
        .first()
    )
    if match is None:
        return []
    why = (event.data or {}).get("why", "never_held")
    link = reverse("match_detail", args=[match.pk])
    category = category_words(match.need.category)
    what_helper = said(HELD_WORDS_HELPER.get(why, ""))
    if why == "now_required":
        what_helper = _now_asked(checks_words((event.data or {}).get("asked") or []))
    dedupe = f"match:{match.pk}:held:{event.audit_id}"
    notices = [
        Notice(
            person=match.offer.helper,
            template="match_held_helper",
            dedupe=dedupe,
            link=link,
            context={"category": category, "what": what_helper},
        ),
        Notice(
            person=match.need.owner,
            template="match_held_citizen",
            dedupe=dedupe,
            link=link,
            context={"category": category, "what": said(HELD_WORDS.get(why, ""))},
        ),
    ]
    notices += [
        Notice(
            person=person,
            template="match_held_staff",
            dedupe=dedupe,
            link=reverse("staff:checks") + "#held",
            context={"category": category},
            by_letter=False,
        )
        for person in council_staff_with(Capability.HELPER_CHECKS, match.council_id)
    ]
    return notices


VETTING_RULES: dict[str, Rule] = {
    "match.held_check": match_held,
}
