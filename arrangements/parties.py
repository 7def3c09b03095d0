"""What every write on an arrangement checks first (`arrangements.services`,
`arrangements.changes`): the arrangement locked and who the user is in it (helper, person
helped, or staff of its council), that it is running and not held by safeguarding, that a
visit belongs to it, that typed words are within their limit; and the audit row each write
leaves, which is the event that tells the other person."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from matching.selectors import match_role

from .models import Arrangement, Role, Visit

A = Arrangement
V = Visit.Status


def _audit(*, actor: User | None, verb: str, arrangement: Arrangement, **data) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        target_type="arrangement",
        target_id=arrangement.pk,
        council=arrangement.council,
        data={"match": arrangement.match_id, **data},
    )


# --- Reading who is who ----------------------------------------------------------------------
def _locked(*, user: User, arrangement_id: int) -> tuple[Arrangement, str]:
    """The arrangement, row-locked, and the user's role in it (NotFound if none)."""
    arrangement = (
        Arrangement.objects.select_for_update(of=("self",))
        .select_related("match__need__owner", "match__offer__helper", "council")
        .filter(pk=arrangement_id)
        .first()
    )
    if arrangement is None:
        raise NotFound()
    role = match_role(user=user, match=arrangement.match)
    if role is None:
        raise NotFound()
    return arrangement, role


def _running(arrangement: Arrangement) -> None:
    if arrangement.status != A.Status.RUNNING:
        raise ApplicationError(gettext("This arrangement has ended."), code="arrangement_ended")


HELD_MESSAGE = _(
    "Visits are on hold while the council checks something about this help. You can change "
    "visits again once the council has looked at it."
)


def _not_held(arrangement: Arrangement) -> None:
    if arrangement.held_since is not None:
        raise ApplicationError(str(HELD_MESSAGE), code="arrangement_held")


def _party(role: str) -> None:
    if role not in (Role.CITIZEN, Role.HELPER):
        raise ApplicationError(
            gettext("Only the two people in an arrangement can do this."), code="not_a_party"
        )


def _visit(arrangement: Arrangement, visit_id: int) -> Visit:
    visit = Visit.objects.select_for_update().filter(pk=visit_id, arrangement=arrangement).first()
    if visit is None:
        raise NotFound()
    return visit


def _clean_words(text: str, *, limit: int, what: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        sentences = {
            "The note": gettext("The note can be at most %(limit)s characters."),
            "The reason": gettext("The reason can be at most %(limit)s characters."),
            "What you tell the council": gettext(
                "What you tell the council can be at most %(limit)s characters."
            ),
        }
        raise ApplicationError(sentences[what] % {"limit": limit}, code="too_long")
    return text
