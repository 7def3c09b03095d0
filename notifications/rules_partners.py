"""Who is told what of a referral's progress: the partner organisation's referrer who recorded
it hears, in Kith's "What's new" and by email, when a helper is found, when visits are under
way and when the help ends — in words that name the referral and the kind of help, never the
helper, the messages or where anyone lives. Looked up beside `rules.RULES` by the pipeline;
the words are in `texts.py`."""

from __future__ import annotations

from django.urls import reverse

from arrangements.models import Arrangement
from core.events import Event
from marketplace.models import Need
from matching.models import Match
from partners.selectors import referral_for_need, referrer_for_need

from .rules import Notice, Rule, _id, category_words


def _need_id(event: Event) -> int | None:
    if event.target_type == "need":
        return _id(event)
    if event.target_type == "match":
        # A match step's record carries its need (`matching.services`): no query for it.
        need_id = (event.data or {}).get("need")
        if isinstance(need_id, int):
            return need_id
        return Match.objects.filter(pk=_id(event)).values_list("need_id", flat=True).first()
    if event.target_type == "arrangement":
        return (
            Arrangement.objects.filter(pk=_id(event))
            .values_list("match__need_id", flat=True)
            .first()
        )
    return None


def _progress(template: str, stage: str):
    def rule(event: Event) -> list[Notice]:
        need_id = _need_id(event)
        if need_id is None:
            return []
        # Most needs have no referral: that is one query, and the referrer is looked up only
        # for those that do.
        referral = referral_for_need(need_id)
        if referral is None or referral.need is None:
            return []
        referrer = referrer_for_need(need_id)
        if referrer is None:
            return []
        return [
            Notice(
                person=referrer.user,
                template=template,
                dedupe=f"referral:{referral.pk}:{stage}",
                link=reverse("referral_detail", args=[referral.pk]),
                context={
                    "reference": referral.pk,
                    "category": category_words(referral.need.category),
                },
                by_letter=False,
            )
        ]

    return rule


def _when_visit_happened(rule: Rule) -> Rule:
    def wrapped(event: Event) -> list[Notice]:
        return rule(event) if (event.data or {}).get("happened") else []

    return wrapped


def _when_need_closed(rule: Rule) -> Rule:
    """A match that ends while its need is still open (another helper may be found) is not
    the end of the referral."""

    def wrapped(event: Event) -> list[Notice]:
        need_id = _need_id(event)
        closed = Need.objects.filter(pk=need_id or 0, status=Need.Status.CLOSED).exists()
        return rule(event) if closed else []

    return wrapped


_matched = _progress("referral_matched", "matched")
_running = _progress("referral_running", "running")
_ended = _progress("referral_ended", "ended")

PARTNER_RULES: dict[str, Rule] = {
    "match.accepted": _matched,
    "match.started": _running,
    "visit.answered": _when_visit_happened(_running),
    "match.completed": _when_need_closed(_ended),
    "match.cancelled": _when_need_closed(_ended),
    "arrangement.ended": _when_need_closed(_ended),
    "need.withdrawn": _ended,
    "need.expired": _ended,
}
