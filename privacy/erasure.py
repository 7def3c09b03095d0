"""Erasure: "delete my account" under UK GDPR (the right to erasure, Article 17).

Kith anonymises the person instead of deleting their row, so that what the council counts —
needs asked for, matched and fulfilled, time to match, helper reliability — stays as it was
after someone leaves, while nothing in the rows that remain can identify them:

- live matches end through `matching.services.match_cancel`, so the other person's need
  reopens (or their offer frees a place) and they see the match as cancelled with the neutral
  reason "The other person left Kith.";
- open, waiting and paused needs and offers close through `marketplace.lifecycle` (withdrawn);
  drafts that never reached a match are deleted (a draft is never counted);
- every listing of theirs keeps its council, category, status and dates, but its free text
  becomes `ERASED_TEXT`, its postcode, languages, consent note, dietary needs and weekly times
  go, and its exact point is replaced by the published grid-cell centre (`approx_location`);
- messages they wrote read `ERASED_TEXT`; feedback comments by them or about them are
  cleared (the ratings stay, as numbers, for reliability); their matches lose the ranking's
  explanation and any reason they gave for declining or ending one;
- the account: email becomes `erased-<id>@erased.invalid`, the password unusable, name,
  phone, languages, gender, home postcode and home point cleared, `is_active` off; their
  allauth email addresses, MFA authenticators, API tokens, web sessions, alert settings, web
  profile and staff membership are removed.

Self-service erasure waits while the person is suspended or the subject of a safeguarding
concern that is not closed (`self_erasure_hold`): the council may need those records to
establish or defend legal claims and to keep people safe (UK GDPR Article 17(3)(e)), so the
person is asked, kindly and without being told why in detail, to contact their council. Their
data download is unaffected, and erasure by a council admin or superuser is not held.

What stays, naming the person only by id: reports they made or that were made about them and
safeguarding concerns (records the council must keep), suspensions with their reasons and
reinstatement notes and helper checks with any revocation reason (the council's safeguarding
and vetting record, kept as concerns are; retention ends them), blocks, and the append-only
audit log, which gains a `person.erased` row (audit rows hold no staff-typed reasons).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import StaffMembership, User
from accounts.services import erased_email, is_erased
from core.errors import ApplicationError, NotFound

ERASED_TEXT = "Removed at the person's request."
LEFT_KITH_REASON = "The other person left Kith."


def self_erasure_hold(*, person: User) -> str | None:
    """Why `person` cannot delete their own account just now (the message to show), or None.

    Held while they are suspended or a safeguarding concern about them is open or in progress.
    The message names neither: a person under a concern is not told one exists.
    """
    from trust.models import SafeguardingConcern

    held = person.suspended_at is not None or (
        SafeguardingConcern.objects.filter(about_id=person.pk)
        .exclude(status=SafeguardingConcern.Status.CLOSED)
        .exists()
    )
    if not held:
        return None
    council = person.council
    if council is not None and council.contact_email:
        contact = f"contact {council.name} at {council.contact_email}"
    elif council is not None:
        contact = f"contact {council.name}"
    else:
        contact = "contact your council"
    return (
        "We cannot delete your account at the moment, because your council may still need "
        f"some of its records. Please {contact}: they can explain, and can delete your account "
        "for you when they are able to. You can still download your data."
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
        raise NotFound("We could not find that person.")


def _end_sessions(*, person: User) -> int:
    """Delete every unexpired web session signed in as `person` (sessions are signed blobs,
    so the owner is only known after decoding; erasure is rare)."""
    from django.contrib.sessions.models import Session

    wanted = str(person.pk)
    ended = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == wanted
    ]
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)


def _end_matches(*, person: User) -> int:
    from matching.models import Match
    from matching.services import match_cancel

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
    from marketplace.lifecycle import need_transition, offer_transition
    from marketplace.models import Need, Offer

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


def _redact_listings(*, person: User) -> None:
    """Free text and exact places out; council, category, status and dates stay. A queryset
    update, so `updated_at` keeps the closing time that retention counts from."""
    from marketplace.models import Need, NeedSlot, Offer, OfferSlot

    common = {
        "description": ERASED_TEXT,
        "postcode": "",
        "location": F("approx_location"),
        "languages": [],
        "rejection_reason": "",
    }
    Need.objects.filter(owner=person).update(
        title=ERASED_TEXT,
        consent_note="",
        dietary_requirements=[],
        helper_gender_preference="",
        **common,
    )
    Offer.objects.filter(helper=person).update(title="", **common)
    NeedSlot.objects.filter(need__owner=person).delete()
    OfferSlot.objects.filter(offer__helper=person).delete()


def _redact_conversations(*, person: User) -> int:
    from matching.models import Feedback, Match, Message

    theirs = Match.objects.filter(Q(need__owner=person) | Q(offer__helper=person))
    # The ranking's reasons (shared languages, weekly times) and any reason they gave for
    # declining or ending a match; the neutral "left Kith" reason stays for the other person.
    theirs.exclude(explanation="").update(explanation="")
    theirs.filter(ended_by=person).exclude(decline_reason=LEFT_KITH_REASON).update(
        decline_reason=""
    )
    messages = (
        Message.objects.filter(sender=person).exclude(body=ERASED_TEXT).update(body=ERASED_TEXT)
    )
    Feedback.objects.filter(Q(author=person) | Q(subject=person)).update(comment="")
    return messages


def _anonymise_account(*, person: User) -> dict[str, int]:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from rest_framework.authtoken.models import Token

    from accounts.models import WebProfile
    from matching.models import AlertPreference

    removed = {
        "email_addresses": EmailAddress.objects.filter(user=person).delete()[0],
        "authenticators": Authenticator.objects.filter(user=person).delete()[0],
        "api_tokens": Token.objects.filter(user=person).delete()[0],
        "sessions": _end_sessions(person=person),
    }
    AlertPreference.objects.filter(user=person).delete()
    WebProfile.objects.filter(user=person).delete()
    StaffMembership.objects.filter(user=person).delete()
    person.groups.clear()
    person.user_permissions.clear()

    person.email = erased_email(person.pk)
    person.set_unusable_password()
    person.display_name = ""
    person.phone = ""
    person.preferred_languages = []
    person.gender = ""
    person.home_postcode = ""
    person.home_location = None
    person.is_active = False
    person.is_staff = False
    person.is_superuser = False
    person.last_login = None
    person.save()
    return removed


def person_erase(*, person: User, actor: User | None = None) -> User:
    """Erase `person` as described in the module docstring, in one transaction under a row
    lock on the person. `actor` is None (or the person) when they ask themself; a council
    admin of their council or a superuser may carry out a request made to the council.

    Erasing someone already erased changes nothing and records nothing. A person asking
    themself while `self_erasure_hold` applies is refused (`ApplicationError`, code
    `erasure_on_hold`) and nothing changes.
    """
    from core.audit import audit_record

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
        _redact_listings(person=locked)
        messages_redacted = _redact_conversations(person=locked)
        removed = _anonymise_account(person=locked)
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
                "messages_redacted": messages_redacted,
                **removed,
            },
        )
    return locked
