"""Who is told what when vetting lapses: a match held for staff review (both people, and the
council's staff who record checks), and check-expiry warnings to staff. Looked up after
`rules.RULES` by the pipeline; the words are in `texts.py`."""

from __future__ import annotations

from django.urls import reverse

from accounts.permissions import Capability
from core.events import Event
from matching.models import Match

from .rules import Notice, Rule, _id, category_words, council_staff_with

#: The citizen hears that a check is not in place, not which one or why: that is the helper's.
HELD_WORDS = {
    "expired": "a check the helper needs for this kind of help has expired",
    "revoked": "a check the helper needs for this kind of help is not in place",
    "never_held": "a check the helper needs for this kind of help is not in place",
}
HELD_WORDS_HELPER = {
    "expired": "a check this help needs has expired",
    "revoked": "the council has withdrawn a check this help needs",
    "never_held": "this help needs a check the council has not recorded for you",
}


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
    dedupe = f"match:{match.pk}:held:{event.audit_id}"
    notices = [
        Notice(
            person=match.offer.helper,
            template="match_held_helper",
            dedupe=dedupe,
            link=link,
            context={"category": category, "what": HELD_WORDS_HELPER.get(why, "")},
        ),
        Notice(
            person=match.need.owner,
            template="match_held_citizen",
            dedupe=dedupe,
            link=link,
            context={"category": category, "what": HELD_WORDS.get(why, "")},
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
