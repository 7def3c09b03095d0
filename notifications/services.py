"""Writes of the notifications room: how a person wants to be contacted (and proving their
mobile number), what they have read, delivery receipts, fallback to another channel, the
scheduled notices (checks about to expire, the staff's daily digest of failures)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Council, StaffMembership, User
from accounts.permissions import ROLE_CAPABILITIES, Capability
from accounts.services import person_lock_for_writing
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from core.links import absolute_url
from core.mail import mail_send_on_commit
from core.quiet_hours import quiet_hours_check
from trust.models import HelperCheck
from trust.vetting import DEFAULT_WARN_DAYS, vetting_settings

from .models import FAILED, Channel, ContactPreference, ConversationRead, Notification, Status
from .pipeline import default_language, fallback_for, language_of, notify, send_after_commit
from .rules import Notice, council_staff_with, said, said_date
from .texts import MOBILE_CODE_SMS, MOBILE_CODE_SUBJECT

MOBILE_CODE_LIFETIME = dt.timedelta(minutes=15)
MOBILE_CODE_ATTEMPTS = 5
MOBILE_CODE_EVERY = dt.timedelta(seconds=60)
#: Codes one person can have texted in a day, to any number (texts cost the council money,
#: and a stranger's number must not be texted over and over).
MOBILE_CODES_PER_DAY = 5
_UK_MOBILE = re.compile(r"^\+447\d{9}$")


# --- Preferences ----------------------------------------------------------------------------
def normalise_mobile(raw: str) -> str:
    """A UK mobile number as +447…, from the ways people write it; refuses anything else."""
    digits = re.sub(r"[\s\-().]", "", raw or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("07"):
        digits = "+44" + digits[1:]
    elif digits.startswith("447"):
        digits = "+" + digits
    if not _UK_MOBILE.match(digits):
        raise ApplicationError(
            _("Enter a UK mobile number, like 07700 900 982."), code="mobile_invalid"
        )
    return digits


def _postal_address(raw: str) -> str:
    lines = [line.strip() for line in (raw or "").splitlines() if line.strip()]
    if not lines:
        return ""
    if not 3 <= len(lines) <= 7 or any(len(line) > 60 for line in lines):
        raise ApplicationError(
            _(
                "Write the address on 3 to 7 lines, each under 60 characters, with the "
                "postcode on the last line."
            ),
            code="address_invalid",
        )
    return "\n".join(lines)


@transaction.atomic
def correspondence_language_set(*, person: User, language: str) -> ContactPreference:
    """The language the person asks Kith to write to them in, asked when they start (Welsh
    Language Standards: ask, record, and write in it from then on). Audited when it changes."""
    if language not in ContactPreference.Language.values:
        raise ApplicationError(_("Choose English or Cymraeg."), code="language")
    person_lock_for_writing(person_id=person.pk)
    pref, created = ContactPreference.objects.select_for_update().get_or_create(
        person=person, defaults={"language": language}
    )
    if created or pref.language != language:
        pref.language = language
        pref.save(update_fields=["language"])
        audit_record(
            actor=person,
            verb="contact.language_set",
            target=person,
            target_type="person",
            council=person.council,
            data={"language": language},
        )
    return pref


@transaction.atomic
def contact_preference_update(
    *,
    actor: User,
    person: User,
    by_email: bool,
    by_sms: bool,
    by_letter: bool,
    mobile: str = "",
    postal_address: str = "",
    quiet_start: dt.time | None = None,
    quiet_end: dt.time | None = None,
    language: str | None = None,
) -> ContactPreference:
    """Save how `person` wants to be contacted: by themselves, or by staff recording it for a
    person who is not online (audited). Everything is checked before anything is saved.
    `language` None keeps the person's language: for someone new, Welsh in a Welsh-first
    council (`pipeline.default_language`), else English."""
    problems: list[ApplicationError] = []

    def checked(check, *args):
        try:
            return check(*args)
        except ApplicationError as problem:
            problems.append(problem)
            return None

    mobile = checked(normalise_mobile, mobile) if (mobile or "").strip() else ""
    postal_address = checked(_postal_address, postal_address)
    checked(quiet_hours_check, quiet_start, quiet_end)
    if language is not None and language not in ContactPreference.Language.values:
        problems.append(ApplicationError(_("Choose English or Cymraeg."), code="language"))
    if by_letter and postal_address == "":
        problems.append(
            ApplicationError(
                _("Give the postal address letters should go to."), code="address_required"
            )
        )
    if by_sms and mobile == "":
        problems.append(
            ApplicationError(
                _("Give the mobile number text messages should go to."), code="mobile_required"
            )
        )
    if problems:
        # Every problem at once, so nobody mends one answer only to be told of the next.
        raise ApplicationError(
            problems[0].message,
            code=problems[0].code,
            extra={"problems": [{"code": p.code, "detail": p.message} for p in problems]},
        )
    if (
        mobile
        and ContactPreference.objects.filter(mobile=mobile, mobile_verified_at__isnull=False)
        .exclude(person=person)
        .exists()
    ):
        raise ApplicationError(
            _("This number is already in use on another Kith account. Please call the council."),
            code="mobile_taken",
        )
    person_lock_for_writing(person_id=person.pk)
    pref, _created = ContactPreference.objects.select_for_update().get_or_create(
        person=person, defaults={"language": default_language(person)}
    )
    # Which of the person's details staff changed, by name (the values stay out of the log).
    changed = [
        name
        for name, before, after in (
            ("mobile", pref.mobile, mobile),
            ("postal_address", pref.postal_address, postal_address),
            ("quiet_hours", (pref.quiet_start, pref.quiet_end), (quiet_start, quiet_end)),
            ("language", pref.language, language or pref.language),
        )
        if before != after
    ]
    if pref.mobile != mobile:
        pref.mobile = mobile
        pref.mobile_verified_at = None
        pref.mobile_code_digest = ""
        pref.mobile_code_expires_at = None  # a new number may have its code at once
    pref.by_email, pref.by_sms, pref.by_letter = by_email, by_sms, by_letter
    pref.postal_address = postal_address
    pref.quiet_start, pref.quiet_end = quiet_start, quiet_end
    pref.language = language or pref.language
    if actor.pk != person.pk:
        pref.set_by = actor
        audit_record(
            actor=actor,
            verb="contact.preferences_set",
            target=person,
            target_type="person",
            council=person.council,
            data={"email": by_email, "sms": by_sms, "letter": by_letter, "changed": changed},
        )
    pref.save()
    if by_sms and mobile and pref.mobile_verified_at is None and not pref.mobile_code_digest:
        mobile_code_send(person=person)  # a number kept for later is not texted
    return pref


def _code_digest(code: str, *, mobile: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{mobile}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def mobile_code_send(*, person: User) -> None:
    """Text a six-digit code to the person's mobile number, to prove it is theirs."""
    pref = ContactPreference.objects.select_for_update().filter(person=person).first()
    if pref is None or not pref.mobile:
        raise ApplicationError(_("Give a mobile number first."), code="mobile_required")
    if pref.mobile_verified_at is not None:
        return
    now = timezone.now()
    sent_recently = (
        pref.mobile_code_expires_at is not None
        and pref.mobile_code_expires_at - MOBILE_CODE_LIFETIME > now - MOBILE_CODE_EVERY
    )
    if sent_recently:
        raise ApplicationError(
            _("A code was sent less than a minute ago. Please wait for it before asking again."),
            code="code_too_soon",
        )
    codes_today = Notification.objects.filter(
        person=person, template="mobile_code", created_at__gte=now - dt.timedelta(days=1)
    ).count()
    if codes_today >= MOBILE_CODES_PER_DAY:
        raise ApplicationError(
            _(
                "Kith has sent %(count)s codes today, the most it sends in a day. Please try "
                "again tomorrow, or call the council."
            )
            % {"count": MOBILE_CODES_PER_DAY},
            code="code_too_soon",
        )
    code = f"{secrets.randbelow(10**6):06d}"
    pref.mobile_code_digest = _code_digest(code, mobile=pref.mobile)
    pref.mobile_code_expires_at = now + MOBILE_CODE_LIFETIME
    pref.mobile_code_attempts = 0
    pref.save(
        update_fields=[
            "mobile_code_digest",
            "mobile_code_expires_at",
            "mobile_code_attempts",
            "updated_at",
        ]
    )
    row = Notification.objects.create(
        person=person,
        council_id=person.council_id,
        event="contact.mobile_code",
        template="mobile_code",
        channel=Channel.SMS,
        dedupe_key=f"mobile_code:{uuid.uuid4()}",
        # In the person's language, whoever asked for the code.
        **_code_words(pref.language, code=code),
        language=pref.language,
        to=pref.mobile,
        safety_critical=True,
    )
    send_after_commit([row.reference])


def _code_words(language: str, *, code: str) -> dict[str, str]:
    with translation.override(language):
        return {"subject": str(MOBILE_CODE_SUBJECT), "body": str(MOBILE_CODE_SMS).format(code=code)}


def mobile_code_confirm(*, person: User, code: str, actor: User | None = None) -> ContactPreference:
    """Check the code the person typed (or read out to staff). A wrong code counts towards
    the limit even though it is refused, so the count is saved before refusing."""
    with transaction.atomic():
        pref = ContactPreference.objects.select_for_update().filter(person=person).first()
        if pref is None or not pref.mobile or not pref.mobile_code_digest:
            raise ApplicationError(_("Ask for a code first."), code="code_missing")
        if pref.mobile_verified_at is not None:
            return pref
        expires = pref.mobile_code_expires_at
        if (
            expires is None
            or expires < timezone.now()
            or (pref.mobile_code_attempts >= MOBILE_CODE_ATTEMPTS)
        ):
            raise ApplicationError(
                _("That code has expired or been tried too often. Ask for a new code."),
                code="code_expired",
            )
        given = re.sub(r"\s", "", code or "")
        digest = _code_digest(given, mobile=pref.mobile)
        right = hmac.compare_digest(digest, pref.mobile_code_digest)
        if right:
            if actor is not None and actor.pk != person.pk:
                audit_record(
                    actor=actor,
                    verb="contact.mobile_confirmed",
                    target=person,
                    target_type="person",
                    council=person.council,
                )
            pref.mobile_verified_at = timezone.now()
            pref.mobile_code_digest = ""
            pref.sms_stopped_at = None
            try:
                with transaction.atomic():
                    pref.save()
            except IntegrityError:
                raise ApplicationError(
                    _(
                        "This number is already in use on another Kith account. Please call "
                        "the council."
                    ),
                    code="mobile_taken",
                ) from None
        else:
            pref.mobile_code_attempts += 1
            pref.save(update_fields=["mobile_code_attempts", "updated_at"])
    if not right:
        raise ApplicationError(
            _("That code is not right. Check the text message and try again."), code="code_wrong"
        )
    return pref


# --- Reading --------------------------------------------------------------------------------
def notification_open(*, person: User, notification_id: int) -> str:
    """Mark one of the person's "What's new" items read; the page it points to."""
    found = Notification.objects.filter(
        pk=notification_id, person=person, channel=Channel.KITH
    ).first()
    if found is None:
        raise NotFound()
    if found.read_at is None:
        Notification.objects.filter(pk=found.pk).update(read_at=timezone.now())
    return found.link or reverse("home")


def notifications_mark_all_read(*, person: User) -> int:
    return Notification.objects.filter(
        person=person, channel=Channel.KITH, read_at__isnull=True
    ).update(read_at=timezone.now())


def conversation_read(*, person: User, match_id: int) -> None:
    """The person has the conversation open: its notices are read, and no new one is sent
    while they are reading (`pipeline.READING_WINDOW`)."""
    now = timezone.now()
    ConversationRead.objects.update_or_create(
        person=person, match_id=match_id, defaults={"read_at": now}
    )
    Notification.objects.filter(
        person=person,
        channel=Channel.KITH,
        read_at__isnull=True,
        target_type="match",
        target_id=match_id,
    ).update(read_at=now)


# --- Delivery receipts and fallback ---------------------------------------------------------
RECEIPT_STATUSES = {
    "delivered": Status.DELIVERED,
    "permanent-failure": Status.PERMANENT_FAILURE,
    "temporary-failure": Status.TEMPORARY_FAILURE,
    "technical-failure": Status.TECHNICAL_FAILURE,
    "sending": Status.SENDING,
    "created": Status.SENDING,
    "accepted": Status.SENDING,
    "received": Status.DELIVERED,  # a letter Notify has printed and posted
    "validation-failed": Status.PERMANENT_FAILURE,
}


@transaction.atomic
def delivery_receipt(*, provider_id: str, reference: str, status: str) -> Notification | None:
    """Notify's callback: the row's new status; a failure falls back to another channel."""
    new = RECEIPT_STATUSES.get(status)
    query = Q(provider_id=provider_id) if provider_id else Q(pk__in=[])
    if reference:
        with contextlib.suppress(ValueError):
            query |= Q(reference=uuid.UUID(reference))
    notification = Notification.objects.select_for_update().filter(query).first()
    if notification is None or new is None or notification.status == new:
        return notification
    if notification.status in (Status.DELIVERED, *FAILED):
        return notification  # final already: a late or repeated receipt changes nothing
    notification.status = new
    if new != Status.SENDING:
        notification.finished_at = timezone.now()
    notification.save(update_fields=["status", "finished_at"])
    if new in FAILED:
        fallback_for(notification)
    return notification


# --- Scheduled notices ------------------------------------------------------------------------
def helper_checks_tell_expiring(*, today: dt.date | None = None) -> int:
    """Warn before a current check expires, at each of its council's warning days (30 and 7
    by default): the helper, and the council's staff who record checks. Then tell the helper
    once that it has expired (within a week of it, unless renewed meanwhile). Idempotent: one
    warning per check and threshold, whatever how often the job runs (the dedupe key)."""
    today = today or timezone.localdate()
    told = 0
    longest = max(
        [DEFAULT_WARN_DAYS[0]]
        + [max(vetting_settings(c).warn_days) for c in Council.objects.exclude(settings={})]
    )
    soon = HelperCheck.objects.filter(
        revoked_at__isnull=True,
        superseded_at__isnull=True,
        expires_on__gte=today - dt.timedelta(days=7),
        expires_on__lte=today + dt.timedelta(days=longest),
    ).select_related("user", "council")
    for check in soon:
        assert check.expires_on is not None
        days_left = (check.expires_on - today).days
        context = {
            "check": said(str(check.get_kind_display())),
            "date": said_date(check.expires_on),
        }
        notices = []
        if days_left < 0:
            notices.append(
                Notice(
                    person=check.user,
                    template="check_expired",
                    dedupe=f"check:{check.pk}:expired",
                    link=reverse("helping"),
                    context=context,
                )
            )
        else:
            passed = [d for d in vetting_settings(check.council).warn_days if days_left <= d]
            if not passed:
                continue
            threshold = min(passed)  # the nearest warning due; earlier ones are not repeated
            notices.append(
                Notice(
                    person=check.user,
                    template="check_expiring",
                    dedupe=f"check:{check.pk}:expiring:{threshold}",
                    link=reverse("helping"),
                    context=context,
                )
            )
            notices += [
                Notice(
                    person=person,
                    template="check_expiring_staff",
                    dedupe=f"check:{check.pk}:expiring:{threshold}",
                    link=reverse("staff:checks"),
                    context=context,
                    by_letter=False,
                )
                for person in council_staff_with(Capability.HELPER_CHECKS, check.council_id)
            ]
        with transaction.atomic():
            told += len(notify(notices, event="helper_check.expiring"))
    return told


def failures_digest_send(*, since: dt.datetime) -> int:
    """Email each council's people-search staff the people Kith could not reach since
    `since`, to phone them instead. Returns how many councils were told."""
    failed = (
        Notification.objects.filter(status__in=FAILED, finished_at__gte=since)
        .exclude(council__isnull=True)
        .values_list("council_id", "person_id")
        .distinct()
    )
    by_council: dict[int, set[int]] = {}
    for council_id, person_id in failed:
        by_council.setdefault(council_id, set()).add(person_id)
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if Capability.PEOPLE in caps]
    told = 0
    for council_id, people in by_council.items():
        staff = StaffMembership.objects.filter(
            council_id=council_id, role__in=roles, user__is_active=True
        ).select_related("user")
        link = absolute_url(reverse("staff:notification_failures"))
        for member in staff:
            if not member.user.email:
                continue
            with translation.override(language_of(member.user)):
                body = ngettext(
                    "Kith could not reach %(count)s person in the last day by email, text or "
                    "letter. Please phone them: the list is at %(link)s",
                    "Kith could not reach %(count)s people in the last day by email, text or "
                    "letter. Please phone them: the list is at %(link)s",
                    len(people),
                ) % {"count": len(people), "link": link}
                subject = _("People Kith could not reach")
            mail_send_on_commit(to=member.user.email, subject=subject, body=body + "\n")
        told += 1
    return told
