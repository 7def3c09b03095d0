"""Who is told of what happens to a helper's own standing: "do you still want to help?"
(`matching.still_helping`). Looked up beside `rules.RULES` by the pipeline; the words are in
`texts.py`."""

from __future__ import annotations

from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext

from core.events import Event
from marketplace.models import Offer
from matching.models import StillHelping

from .rules import Notice, Rule, _id, category_words


def still_helping_asked(event: Event) -> list[Notice]:
    row = StillHelping.objects.select_related("helper").filter(pk=_id(event)).first()
    if row is None:
        return []
    offers = (
        Offer.objects.filter(helper_id=row.helper_id, status=Offer.Status.OPEN)
        .select_related("category")
        .order_by("pk")
    )
    kinds = list({offer.category_id: offer.category for offer in offers}.values())
    return [
        Notice(
            person=row.helper,
            template="still_helping",
            dedupe=f"still_helping:{row.pk}",
            link=reverse("still_helping", args=[row.pk]),
            context={"offers": _listed([category_words(kind) for kind in kinds])},
            target=("still_helping", row.pk),  # a YES or NO by text answers it
        )
    ]


def _list_say(kinds: list[str]) -> str:
    """The kinds of help offered as a sentence says them, in the reader's language."""
    kinds = [str(kind) for kind in kinds]
    if not kinds:
        return gettext("your help")
    if len(kinds) == 1:
        return kinds[0]
    return gettext("%(some)s and %(last)s") % {"some": ", ".join(kinds[:-1]), "last": kinds[-1]}


_listed = lazy(_list_say, str)


HELPER_RULES: dict[str, Rule] = {
    "helper.still_helping_asked": still_helping_asked,
}
