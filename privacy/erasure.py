"""Erasure: "delete my account" under UK GDPR (the right to erasure, Article 17).

Kith anonymises the person instead of deleting their row, so that what the council counts —
needs asked for, matched and fulfilled, time to match, helper reliability — stays as it was
after someone leaves, while nothing in the rows that remain can identify them:

- live matches end through `matching.services.match_cancel`, so the other person's need
  reopens (or their offer frees a place) and they see the match as cancelled with the neutral
  reason "The other person left Kith.";
- open, waiting and paused needs and offers close through `marketplace.lifecycle` (withdrawn);
  drafts that never reached a match are deleted (a draft is never counted);
- then every model's rows of theirs are deleted, redacted or kept as `privacy.personal_data`
  declares, field by field. Today that means: every listing of theirs keeps its council,
  category, status and dates, but its free text becomes `ERASED_TEXT`, its postcode,
  languages, consent note, dietary needs and weekly times go, and its exact point is replaced
  by the published grid-cell centre (`approx_location`); messages they wrote read
  `ERASED_TEXT`; feedback comments by them or about them are cleared (the ratings stay, as
  numbers, for reliability); their matches lose the ranking's explanation and any reason they
  gave for declining or ending one; their allauth email addresses, MFA authenticators, API
  tokens, alert settings, web profile and staff membership are removed;
- their web sessions end;
- the account: email becomes `erased-<id>@erased.invalid`, the password unusable, name,
  phone, languages, gender, home postcode and home point cleared, `is_active` off.

Self-service erasure waits while the person is suspended or the subject of a safeguarding
concern that is not closed (`self_erasure_hold`): the council may need those records to
establish or defend legal claims and to keep people safe (UK GDPR Article 17(3)(e)), so the
person is asked, kindly and without being told why in detail, to contact their council. Their
data download is unaffected, and erasure by a council admin or superuser is not held.

What stays, naming the person only by id (`Rows.KEEP` in the declaration): reports they made
or that were made about them and safeguarding concerns (records the council must keep),
suspensions with their reasons and reinstatement notes and helper checks with any revocation
reason (the council's safeguarding and vetting record, kept as concerns are), blocks, and the
append-only audit log, which gains a `person.erased` row (audit rows hold no staff-typed
reasons).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import StaffMembership, User
from accounts.services import erased_email, is_erased
from accounts.sessions import sessions_end
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from marketplace.lifecycle import need_transition, offer_transition
from marketplace.models import Need, Offer
from matching.models import Match
from matching.services import match_cancel
from trust.models import SafeguardingConcern

from .personal_data import DECLARED, ERASED_TEXT, LEFT_KITH_REASON, declared_for
from .personal_data.vocabulary import KEPT, Rows, Treatment, replacement, unchanged_skipped

__all__ = ["ERASED_TEXT", "LEFT_KITH_REASON", "person_erase", "self_erasure_hold"]


def self_erasure_hold(*, person: User) -> str | None:
    """Why `person` cannot delete their own account just now (the message to show), or None.

    Held while they are suspended or a safeguarding concern about them is open or in progress.
    The message names neither: a person under a concern is not told one exists.
    """
    held = person.suspended_at is not None or (
        SafeguardingConcern.objects.filter(about_id=person.pk)
        .exclude(status=SafeguardingConcern.Status.CLOSED)
        .exists()
    )
    if not held:
        return None
    council = person.council
    if council is not None and council.contact_email:
        return _(
            "We cannot delete your account at the moment, because your council may still need "
            "some of its records. Please contact %(council)s at %(email)s: they can explain, "
            "and can delete your account for you when they are able to. You can still download "
            "your data."
        ) % {"council": council.local_name, "email": council.contact_email}
    if council is not None:
        return _(
            "We cannot delete your account at the moment, because your council may still need "
            "some of its records. Please contact %(council)s: they can explain, and can delete "
            "your account for you when they are able to. You can still download your data."
        ) % {"council": council.local_name}
    return _(
        "We cannot delete your account at the moment, because your council may still need "
        "some of its records. Please contact your council: they can explain, and can delete "
        "your account for you when they are able to. You can still download your data."
    )


def _check_actor(*, actor: User | None, person: User) -> None:
    """The person themself, a superuser, or a council admin of the person's council."""
    if actor is None or actor.pk == person.pk or actor.is_superuser:
        return
    membership = StaffMembership.objects.filter(user_id=actor.pk).first()
    if (
        membership is None
        or membership.role != StaffMembership.Role.COUNCIL_ADMIN
        or membership.council_id != person.council_id
    ):
        raise NotFound(_("We could not find that person."))


def _end_matches(*, person: User) -> int:
    live = list(
        Match.objects.filter(
            Q(need__owner=person) | Q(offer__helper=person), status__in=Match.LIVE
        ).values_list("pk", flat=True)
    )
    for match_id in live:
        match_cancel(user=person, match_id=match_id, reason=LEFT_KITH_REASON)
    return len(live)


def _close_listings(*, person: User) -> tuple[int, int]:
    """Withdraw the person's needs and close their offers (row-locked, needs first, the
    order every writer uses). Drafts that never reached a match are deleted."""
    closed_needs = closed_offers = 0
    Need.objects.filter(owner=person, status=Need.Status.DRAFT, matches__isnull=True).delete()
    needs = Need.objects.select_for_update().filter(owner=person).order_by("pk")
    for need in needs:
        if need.status in (Need.Status.CLOSED, Need.Status.DRAFT):
            continue
        need_transition(need=need, to=Need.Status.CLOSED, closed_reason=Need.ClosedReason.WITHDRAWN)
        closed_needs += 1
    offers = Offer.objects.select_for_update().filter(helper=person).order_by("pk")
    for offer in offers:
        if offer.status == Offer.Status.CLOSED:
            continue
        offer_transition(offer=offer, to=Offer.Status.CLOSED)
        closed_offers += 1
    return closed_needs, closed_offers


def _erase_rows(*, person: User) -> dict[str, int]:
    """Delete or redact the person's rows of every model as `privacy.personal_data` declares
    (their own account row apart). Queryset updates, so `updated_at` keeps the closing time
    that retention counts from. Returns the counts the audit row keeps (`audit_as`)."""
    counts: dict[str, int] = {}
    for declared in DECLARED:
        if declared.rows not in (Rows.DELETE, Rows.REDACT):
            continue
        theirs = declared.model._default_manager.filter(declared.of_person(person))
        if declared.rows is Rows.DELETE:
            changed = theirs.delete()[0]
        else:
            changed = 0
            for update in declared.erasure_groups(stand_in=ERASED_TEXT):
                rows = theirs.filter(**{update.only_where: person}) if update.only_where else theirs
                for name, spared in update.spared.items():
                    rows = rows.exclude(**{f"{name}__in": spared})
                changed += unchanged_skipped(rows, update.values).update(**update.values)
        if declared.audit_as:
            counts[declared.audit_as] = counts.get(declared.audit_as, 0) + changed
    return counts


def _anonymise_account(*, person: User) -> None:
    """The person's own row, field by field as declared, saved once."""
    for name, personal in declared_for(User).personal.items():
        treatment = personal.erase
        if treatment in KEPT:
            continue
        if treatment is Treatment.ERASED_EMAIL:
            setattr(person, name, erased_email(person.pk))
        elif treatment is Treatment.UNUSABLE_PASSWORD:
            person.set_unusable_password()
        elif User._meta.get_field(name).many_to_many:
            related: Any = getattr(person, name)
            related.clear()
        else:
            setattr(person, name, replacement(User, name, treatment, stand_in=ERASED_TEXT))
    person.save()


def person_erase(*, person: User, actor: User | None = None) -> User:
    """Erase `person` as described in the module docstring, in one transaction under a row
    lock on the person. `actor` is None (or the person) when they ask themself; a council
    admin of their council or a superuser may carry out a request made to the council.

    Erasing someone already erased changes nothing and records nothing. A person asking
    themself while `self_erasure_hold` applies is refused (`ApplicationError`, code
    `erasure_on_hold`) and nothing changes.
    """
    _check_actor(actor=actor, person=person)
    with transaction.atomic():
        # The lock every writer of the person's listings and messages takes first
        # (`person_lock_for_writing`): nothing of theirs can be saved while this runs.
        locked = User.objects.select_for_update().get(pk=person.pk)
        if is_erased(locked):
            return locked
        by_self = actor is None or actor.pk == locked.pk
        hold = self_erasure_hold(person=locked) if by_self else None
        if hold is not None:
            raise ApplicationError(hold, code="erasure_on_hold")
        council = locked.council
        matches_ended = _end_matches(person=locked)
        needs_closed, offers_closed = _close_listings(person=locked)
        counts = _erase_rows(person=locked)
        counts["sessions"] = sessions_end(user_id=locked.pk)
        _anonymise_account(person=locked)
        audit_record(
            actor=None if by_self else actor,
            verb="person.erased",
            target_type="user",
            target_id=locked.pk,
            council=council,
            data={
                "by": "self" if by_self else "staff",
                "matches_ended": matches_ended,
                "needs_closed": needs_closed,
                "offers_closed": offers_closed,
                **counts,
            },
        )
    return locked
