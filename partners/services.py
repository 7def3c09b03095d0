"""Writes of the partners room, each in one transaction with its audit row.

- Council admins (`Capability.PARTNERS`) register, change, pause and reinstate partner
  organisations and invite their referrers: an account tied to one organisation, which sets up
  its authenticator app from a one-time link (`accounts.second_factor`), like staff.
- A referrer records a referral: the person (not online: `accounts.offline`), their need
  (`marketplace.services.need_create`, recorded by the referrer for the organisation's
  council, only in the kinds of help the organisation may refer for) and the person's consent —
  who gave it, how and when. Without consent nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Council, OfflinePerson, User
from accounts.offline import offline_home, offline_person_add, possible_duplicates
from accounts.permissions import Capability, staff_council
from accounts.second_factor import has_authenticator, invitation_send
from accounts.services import is_erased
from accounts.sessions import sessions_end
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from marketplace.models import Category
from marketplace.services import need_create

from .models import PartnerOrganisation, Referral, Referrer
from .selectors import NOT_FOUND_MESSAGE, organisation_of, referrer_in, referrer_of

PAUSED_MESSAGE = gettext_lazy(
    "Your organisation's access to Kith is paused, so you cannot record referrals just now. "
    "Your council's Kith team can tell you more."
)
CONSENT_MESSAGE = gettext_lazy(
    "You can only refer someone who has agreed to it. Say who agreed, how and when."
)
# Each text field `_text` checks: its refusal code when missing, and what a missing or too
# long text is refused with.
_TEXT_REFUSALS = {
    "organisation_name": (
        "the_organisation's_name_missing",
        gettext_lazy("Enter the organisation's name."),
        gettext_lazy("Shorten the organisation's name to %(max_length)s characters."),
    ),
    "contact_name": (
        "the_contact's_name_missing",
        gettext_lazy("Enter the contact's name."),
        gettext_lazy("Shorten the contact's name to %(max_length)s characters."),
    ),
    "contact_phone": (
        "a_phone_number_missing",
        gettext_lazy("Enter a phone number."),
        gettext_lazy("Shorten a phone number to %(max_length)s characters."),
    ),
    "pause_reason": (
        "the_reason_missing",
        gettext_lazy("Enter the reason."),
        gettext_lazy("Shorten the reason to %(max_length)s characters."),
    ),
    "referrer_name": (
        "their_name_missing",
        gettext_lazy("Enter their name."),
        gettext_lazy("Shorten their name to %(max_length)s characters."),
    ),
    "person_name": (
        "the_person's_name_missing",
        gettext_lazy("Enter the person's name."),
        gettext_lazy("Shorten the person's name to %(max_length)s characters."),
    ),
}


# --- Partner organisations ------------------------------------------------------------------
def _text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    value = " ".join((value or "").split())
    code, missing, too_long = _TEXT_REFUSALS[field]
    if required and not value:
        raise ApplicationError(missing, code=code)
    if len(value) > max_length:
        raise ApplicationError(too_long % {"max_length": max_length}, code="too_long")
    return value


def _organisation_fields(
    *,
    council: Council,
    name: str,
    kind: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str,
    categories: Iterable[Category],
) -> dict:
    if kind not in PartnerOrganisation.Kind.values:
        raise ApplicationError(_("Choose what kind of organisation it is."), code="kind_invalid")
    email = (contact_email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(
            _("Enter the contact's email address, like name@example.org."), code="email_invalid"
        ) from None
    chosen = list(categories)
    if not chosen:
        raise ApplicationError(
            _("Choose at least one kind of help the organisation may refer people for."),
            code="categories_missing",
        )
    return {
        "name": _text(name, field="organisation_name", max_length=120),
        "kind": kind,
        "contact_name": _text(contact_name, field="contact_name", max_length=120),
        "contact_email": email,
        "contact_phone": _text(contact_phone, field="contact_phone", max_length=20, required=False),
        "categories": chosen,
    }


def _name_free(*, council: Council, name: str, but: int | None = None) -> None:
    taken = PartnerOrganisation.objects.filter(council=council, name__iexact=name)
    if but is not None:
        taken = taken.exclude(pk=but)
    if taken.exists():
        raise ApplicationError(
            _("The council already has a partner organisation with this name."), code="name_taken"
        )


@transaction.atomic
def organisation_register(*, actor: User, **fields) -> PartnerOrganisation:
    """A council admin registers a partner organisation of their council."""
    council = staff_council(actor, Capability.PARTNERS)
    data = _organisation_fields(council=council, **fields)
    categories = data.pop("categories")
    _name_free(council=council, name=data["name"])
    organisation = PartnerOrganisation.objects.create(council=council, **data)
    organisation.categories.set(categories)
    audit_record(
        actor=actor,
        verb="partner.registered",
        target=organisation,
        target_type="partner",
        council=council,
        data={"kind": organisation.kind, "categories": sorted(c.slug for c in categories)},
    )
    return organisation


def _locked_organisation(*, actor: User, organisation_id) -> PartnerOrganisation:
    council = staff_council(actor, Capability.PARTNERS)
    organisation = organisation_of(council=council, organisation_id=organisation_id)
    return PartnerOrganisation.objects.select_for_update().get(pk=organisation.pk)


@transaction.atomic
def organisation_update(*, actor: User, organisation_id, **fields) -> PartnerOrganisation:
    """Change an organisation's name, kind, contact or the kinds of help it may refer for."""
    organisation = _locked_organisation(actor=actor, organisation_id=organisation_id)
    data = _organisation_fields(council=organisation.council, **fields)
    categories = data.pop("categories")
    _name_free(council=organisation.council, name=data["name"], but=organisation.pk)
    for key, value in data.items():
        setattr(organisation, key, value)
    organisation.save()
    organisation.categories.set(categories)
    audit_record(
        actor=actor,
        verb="partner.changed",
        target=organisation,
        target_type="partner",
        council=organisation.council,
        data={"kind": organisation.kind, "categories": sorted(c.slug for c in categories)},
    )
    return organisation


@transaction.atomic
def organisation_suspend(*, actor: User, organisation_id, reason: str) -> PartnerOrganisation:
    """Pause an organisation's access: its referrers see a page saying so and cannot record
    referrals, and are not told of their referrals' progress until it is reinstated."""
    organisation = _locked_organisation(actor=actor, organisation_id=organisation_id)
    reason = _text(reason, field="pause_reason", max_length=300)
    if organisation.is_suspended:
        raise ApplicationError(_("This organisation's access is paused already."), code="paused")
    organisation.suspended_at = timezone.now()
    organisation.suspended_reason = reason
    organisation.save(update_fields=["suspended_at", "suspended_reason"])
    audit_record(
        actor=actor,
        verb="partner.suspended",
        target=organisation,
        target_type="partner",
        council=organisation.council,
    )
    return organisation


@transaction.atomic
def organisation_reinstate(*, actor: User, organisation_id) -> PartnerOrganisation:
    organisation = _locked_organisation(actor=actor, organisation_id=organisation_id)
    if not organisation.is_suspended:
        raise ApplicationError(_("This organisation's access is not paused."), code="not_paused")
    organisation.suspended_at = None
    organisation.suspended_reason = ""
    organisation.save(update_fields=["suspended_at", "suspended_reason"])
    audit_record(
        actor=actor,
        verb="partner.reinstated",
        target=organisation,
        target_type="partner",
        council=organisation.council,
    )
    return organisation


# --- Referrers ------------------------------------------------------------------------------
@transaction.atomic
def referrer_invite(
    *, actor: User, organisation_id, display_name: str, email: str, base_url: str
) -> Referrer:
    """Make a referrer account for someone of the organisation, or send a referrer of it who
    has not set up their authenticator app a new set-up link. The link goes to their own
    address; they sign in with a code sent there, then add the app from the link."""
    organisation = _locked_organisation(actor=actor, organisation_id=organisation_id)
    if organisation.is_suspended:
        raise ApplicationError(
            _("This organisation's access is paused: reinstate it before inviting referrers."),
            code="paused",
        )
    display_name = _text(display_name, field="referrer_name", max_length=60)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(
            _("Enter their email address, like name@example.org."), code="email_invalid"
        ) from None
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, display_name=display_name, council=organisation.council)
        user.set_unusable_password()
        user.save()
        # The council admin vouches for the address, and the link is proven by being used.
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        referrer = Referrer.objects.create(user=user, organisation=organisation, invited_by=actor)
        resent = False
    else:
        existing = Referrer.objects.filter(user=user, organisation=organisation).first()
        if existing is None:
            raise ApplicationError(
                _(
                    "This email address already has a Kith account. Ask the person for their work "
                    "email address."
                ),
                code="email_taken",
            )
        if has_authenticator(user):
            raise ApplicationError(
                _("This referrer has set up their authenticator app already."), code="enrolled"
            )
        referrer, resent = existing, True
    invitation_send(
        actor=actor, member=user, base_url=base_url, account="referrer", tool="Kith referrals"
    )
    audit_record(
        actor=actor,
        verb="partner.referrer_invited",
        target=user,
        target_type="person",
        council=organisation.council,
        data={"organisation": organisation.pk, "resent": resent},
    )
    return referrer


def _locked_referrer(*, actor: User, referrer_id) -> Referrer:
    council = staff_council(actor, Capability.PARTNERS)
    referrer = referrer_in(council=council, referrer_id=referrer_id)
    return (
        Referrer.objects.select_related("user", "organisation")
        .select_for_update(of=("self",))
        .get(pk=referrer.pk)
    )


@transaction.atomic
def referrer_deactivate(*, actor: User, referrer_id) -> Referrer:
    """A council admin stops one referrer of one of the council's organisations: they can no
    longer sign in (their account is made inactive and its sessions end), use the referral
    pages or hear how their referrals go. Their referrals stay, for staff. Another council's
    referrer is "not found"."""
    referrer = _locked_referrer(actor=actor, referrer_id=referrer_id)
    if not referrer.active:
        raise ApplicationError(_("This referrer is deactivated already."), code="inactive")
    referrer.active = False
    referrer.save(update_fields=["active"])
    User.objects.filter(pk=referrer.user_id).update(is_active=False)
    sessions_end(user_id=referrer.user_id)
    audit_record(
        actor=actor,
        verb="partner.referrer_deactivated",
        target=referrer.user,
        target_type="person",
        council=referrer.organisation.council,
        data={"organisation": referrer.organisation_id, "referrer": referrer.pk},
    )
    return referrer


@transaction.atomic
def referrer_reactivate(*, actor: User, referrer_id) -> Referrer:
    """Let a deactivated referrer sign in and refer again (a closed account stays closed)."""
    referrer = _locked_referrer(actor=actor, referrer_id=referrer_id)
    if referrer.active:
        raise ApplicationError(_("This referrer is active already."), code="active")
    if is_erased(referrer.user):
        raise ApplicationError(
            _("This referrer's account has been closed, so it cannot be reactivated."),
            code="erased",
        )
    referrer.active = True
    referrer.save(update_fields=["active"])
    User.objects.filter(pk=referrer.user_id).update(is_active=True)
    audit_record(
        actor=actor,
        verb="partner.referrer_reactivated",
        target=referrer.user,
        target_type="person",
        council=referrer.organisation.council,
        data={"organisation": referrer.organisation_id, "referrer": referrer.pk},
    )
    return referrer


# --- Referrals ------------------------------------------------------------------------------
def active_referrer(actor: User) -> Referrer:
    """The actor's referrer record, refusing when their organisation's access is paused."""
    referrer = referrer_of(actor)
    if referrer is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    if referrer.organisation.is_suspended:
        raise ApplicationError(PAUSED_MESSAGE, code="paused")
    return referrer


def _consent(*, by: str, representative: str, how: str, on: dt.date | None) -> dt.date:
    """The date consent was given, once who gave it, how and when are all said."""
    if by not in Referral.ConsentBy.values or how not in Referral.ConsentHow.values or not on:
        raise ApplicationError(CONSENT_MESSAGE, code="consent_missing")
    representative = " ".join((representative or "").split())
    if by == Referral.ConsentBy.REPRESENTATIVE and not representative:
        raise ApplicationError(
            _("Enter the name of whoever agreed for the person."), code="representative_missing"
        )
    if on > timezone.localdate():
        raise ApplicationError(
            _("The date they agreed cannot be in the future."), code="consent_date"
        )
    return on


@transaction.atomic
def referral_record(
    *,
    actor: User,
    display_name: str,
    postcode: str,
    preferred_route: str,
    phone: str,
    category: Category,
    title: str,
    description: str,
    consent_by: str,
    consent_representative: str,
    consent_how: str,
    consent_on: dt.date | None,
) -> Referral:
    """A referrer records a person who is not online and their need, with the person's
    consent. The need is recorded by the referrer for the organisation's council and goes to
    the council's review like any need of a person Kith has not checked; possible duplicates
    of the person are kept on the referral for staff (a referrer is never shown other people).
    Everything is checked before anything is saved. Audited as "referral.recorded"."""
    referrer = active_referrer(actor)
    organisation = referrer.organisation
    council = organisation.council
    agreed_on = _consent(
        by=consent_by, representative=consent_representative, how=consent_how, on=consent_on
    )
    representative = ""
    if consent_by == Referral.ConsentBy.REPRESENTATIVE:
        representative = " ".join(consent_representative.split())[:120]
    if not organisation.categories.filter(pk=category.pk).exists():
        raise ApplicationError(
            _(
                "%(organisation)s may not refer people for %(category)s. Choose another kind "
                "of help, or ask the council."
            )
            % {"organisation": organisation.name, "category": category.local_name.lower()},
            code="category_not_allowed",
        )
    display_name = _text(display_name, field="person_name", max_length=60)
    if preferred_route not in OfflinePerson.Route.values:
        raise ApplicationError(_("Choose a text message or a letter."), code="route_invalid")
    phone = (phone or "").strip()
    if preferred_route == OfflinePerson.Route.TEXT and not phone:
        raise ApplicationError(
            _("Give the mobile number text messages should go to."), code="mobile_required"
        )
    home = offline_home(postcode=postcode, council=council)
    duplicates = possible_duplicates(
        council=council, display_name=display_name, postcode=postcode, phone=phone
    )
    person = offline_person_add(
        recorded_by=actor,
        council=council,
        display_name=display_name,
        phone=phone,
        home=home,
        preferred_route=preferred_route,
        consent_how=consent_how,
    )
    who = "the person" if not representative else "someone who speaks for them"
    need = need_create(
        owner=person,
        recorded_by=actor,
        recorder_council=council,
        category=category,
        title=title,
        description=description,
        postcode=home["postcode"],
        consent_given=True,
        consent_note=f"Referred by {organisation.name}: {who} agreed on {agreed_on:%d %B %Y}.",
    )
    referral = Referral.objects.create(
        council=council,
        organisation=organisation,
        referrer=referrer,
        person=person,
        need=need,
        consent_by=consent_by,
        consent_representative=representative,
        consent_how=consent_how,
        consent_on=agreed_on,
        possible_duplicates=[d.person_id for d in duplicates],
    )
    audit_record(
        actor=actor,
        verb="referral.recorded",
        target=referral,
        target_type="referral",
        council=council,
        data={
            "organisation": organisation.pk,
            "person": person.pk,
            "need": need.pk,
            "consent_by": consent_by,
            "consent_how": consent_how,
            "possible_duplicates": [d.person_id for d in duplicates],
        },
    )
    return referral
