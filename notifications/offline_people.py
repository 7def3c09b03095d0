"""People who are not online: recording one (with how Kith reaches them: by text message or
letter, never email), the possible duplicates staff must look at first, and the one-time code
with which they claim an online account later.

`person_create_offline` is the one way to record such a person, for council staff with the
assisted-digital capability (and, later, a partner organisation's referrers): it lives here,
not in `accounts`, because how a person is reached (`ContactPreference`, mobile numbers proved
by a code) is this room's.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.claims import claim_code_issue, format_reference
from accounts.models import ClaimCode, Council, OfflinePerson, User
from accounts.offline import (
    DUPLICATE_MESSAGE,
    POSSIBLE_DUPLICATE,
    PossibleDuplicate,
    offline_home,
    offline_person_add,
    offline_record_of,
    phone_key,
    possible_duplicates,
)
from accounts.permissions import Capability, active_staff_membership, staff_can
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from core.links import absolute_url

from .models import Channel, ContactPreference, Notification
from .pipeline import language_of, send_after_commit
from .services import _postal_address, contact_preference_update, normalise_mobile
from .texts import CLAIM_CODE_LETTER, CLAIM_CODE_SMS, CLAIM_CODE_SUBJECT


class PossibleDuplicates(ApplicationError):
    """Refusal while possible duplicates are not confirmed; `.duplicates` lists them."""

    def __init__(self, duplicates: list[PossibleDuplicate]):
        super().__init__(DUPLICATE_MESSAGE, code=POSSIBLE_DUPLICATE)
        self.duplicates = duplicates


def _may_record_for(actor: User, council: Council) -> None:
    """Council staff with the assisted-digital capability, for their own council."""
    membership = active_staff_membership(actor)
    if membership is None or membership.council_id != council.pk:
        raise NotFound()
    if not staff_can(actor, Capability.ASSISTED_DIGITAL):
        raise ApplicationError(
            _("Your staff role does not include this. Ask your council admin."), code="forbidden"
        )


def duplicates_of(
    *, council: Council, display_name: str, postcode: str, phone: str = ""
) -> list[PossibleDuplicate]:
    """People of `council` who may be the same person: the same phone number (on their
    record or as their mobile for texts), or the same name and postcode."""
    key = phone_key(phone)
    mobiles = ContactPreference.objects.filter(mobile="+44" + key).values("person_id")
    return possible_duplicates(
        council=council,
        display_name=display_name,
        postcode=postcode,
        phone=phone,
        also_phone_of=User.objects.filter(pk__in=mobiles, is_active=True),
    )


@transaction.atomic
def person_create_offline(
    *,
    actor: User,
    council: Council,
    display_name: str,
    postcode: str,
    preferred_route: str,
    consent_how: str,
    phone: str = "",
    address: str = "",
    confirmed_not_duplicate: bool = False,
) -> User:
    """Record a person who is not online: no email address and no usable password; their
    name, home postcode (in `council`), phone number and/or postal address, and whether Kith
    reaches them by text message (`preferred_route="text"`: `phone` must be a UK mobile, to
    which a code is texted for them to read out) or by letter (`"letter"`: `address` on 3 to 7
    lines, the postcode last). `consent_how`: how they agreed (`OfflinePerson.Consent`).

    Refused with code "possible_duplicate" (a `PossibleDuplicates`, listing them) when someone
    of the council has the same phone number, or the same name and postcode, unless the
    caller confirms it is a different person (`confirmed_not_duplicate`, audited). Everything
    is checked before anything is saved; audited as "person.recorded_offline".
    """
    _may_record_for(actor, council)
    display_name = " ".join((display_name or "").split())
    if not display_name:
        raise ApplicationError(_("Enter the person's name."), code="name_missing")
    home = offline_home(postcode=postcode, council=council)
    phone = (phone or "").strip()
    mobile = ""
    if preferred_route == OfflinePerson.Route.TEXT:
        if not phone:
            raise ApplicationError(
                _("Give the mobile number text messages should go to."), code="mobile_required"
            )
        mobile = normalise_mobile(phone)
        phone = mobile
    elif preferred_route == OfflinePerson.Route.LETTER:
        if not (address or "").strip():
            raise ApplicationError(
                _("Give the postal address letters should go to."), code="address_required"
            )
        _postal_address(address)  # refuses a malformed address before anything is saved
    else:
        raise ApplicationError(_("Choose a text message or a letter."), code="route_invalid")
    if phone and len(phone_key(phone)) < 9:
        raise ApplicationError(
            _("Enter a UK phone number, like 01632 960 001."), code="phone_invalid"
        )
    duplicates = duplicates_of(
        council=council, display_name=display_name, postcode=postcode, phone=phone
    )
    if duplicates and not confirmed_not_duplicate:
        raise PossibleDuplicates(duplicates)
    person = offline_person_add(
        recorded_by=actor,
        council=council,
        display_name=display_name,
        phone=phone,
        home=home,
        preferred_route=preferred_route,
        consent_how=consent_how,
    )
    audit_record(
        actor=actor,
        verb="person.recorded_offline",
        target=person,
        target_type="person",
        council=council,
        data={
            "route": preferred_route,
            "consent": consent_how,
            "phone": bool(phone),
            "address": bool((address or "").strip()),
            "possible_duplicates": [d.person_id for d in duplicates],
            "confirmed_not_duplicate": bool(duplicates) and confirmed_not_duplicate,
        },
    )
    contact_preference_update(
        actor=actor,
        person=person,
        by_email=False,
        by_sms=preferred_route == OfflinePerson.Route.TEXT,
        by_letter=preferred_route == OfflinePerson.Route.LETTER,
        mobile=mobile,
        postal_address=address,
    )
    return person


# --- Claiming an online account ------------------------------------------------------------
@transaction.atomic
def claim_code_send(*, actor: User, person: User, channel: str) -> ClaimCode:
    """Send `person` a one-time code to claim an online account, by text to their recorded
    mobile or by letter to their recorded address: asked by the person themselves (`actor`
    is them) or by staff of their council for them."""
    if actor.pk != person.pk:
        if person.council is None:
            raise NotFound()
        _may_record_for(actor, person.council)
    if offline_record_of(person) is None:
        raise NotFound()
    pref = ContactPreference.objects.filter(person=person).first()
    if channel == ClaimCode.Channel.TEXT:
        to = pref.mobile if pref is not None and pref.mobile else ""
        if not to and person.phone:
            try:
                to = normalise_mobile(person.phone)
            except ApplicationError:
                to = ""
        if not to:
            raise ApplicationError(
                _("Kith has no mobile number for this person: send a letter instead."),
                code="mobile_required",
            )
    elif channel == ClaimCode.Channel.LETTER:
        to = pref.postal_address if pref is not None else ""
        if not to:
            raise ApplicationError(
                _("Kith has no postal address for this person: send a text instead."),
                code="address_required",
            )
    else:
        raise ApplicationError(_("Choose a text message or a letter."), code="route_invalid")
    row, code = claim_code_issue(person=person, channel=channel, actor=actor, mobile=to)
    words = {"code": code, "link": absolute_url(reverse("claim_account"))}
    # In the person's language, whether they or staff asked for the code.
    with translation.override(language_of(person)):
        subject = str(CLAIM_CODE_SUBJECT)
        if channel == ClaimCode.Channel.TEXT:
            notice_channel, body = Channel.SMS, str(CLAIM_CODE_SMS).format(**words)
        else:
            words["reference"] = format_reference(row.reference)
            notice_channel, body = Channel.LETTER, str(CLAIM_CODE_LETTER).format(**words)
    sent = Notification.objects.create(
        person=person,
        council_id=person.council_id,
        event="person.claim_code_sent",
        template="claim_code",
        channel=notice_channel,
        dedupe_key=f"claim_code:{uuid.uuid4()}",
        subject=subject,
        body=body,
        language=language_of(person),
        to=to[:254],
        safety_critical=True,
    )
    send_after_commit([sent.reference])
    return row


def claim_code_request_by_phone(*, phone: str) -> int:
    """A person who is not online asks, on the public page, for a code to go online by text:
    sent to every unclaimed record with that mobile number. Says nothing about whether Kith
    knows the number (the page says the same either way); returns how many were sent."""
    try:
        mobile = normalise_mobile(phone)
    except ApplicationError:
        return 0
    people = User.objects.filter(
        contact_preference__mobile=mobile,
        email__isnull=True,
        is_active=True,
        offline__claimed_at__isnull=True,
    )
    sent = 0
    for person in people:
        try:
            claim_code_send(actor=person, person=person, channel=ClaimCode.Channel.TEXT)
        except ApplicationError:
            continue
        sent += 1
    return sent
