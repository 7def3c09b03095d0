"""Claiming an online account: a person who is not online (`accounts.offline`) gets a
one-time code by text or letter (sent by `notifications.offline_people.claim_code_send`),
types it on a public page with their phone number or the letter's reference, then gives an
email address and a password. The record becomes an ordinary online account, keeping its
needs and matches.

Codes are stored only as a digest bound to the person, expire (30 minutes by text, 14 days
by letter), allow five tries, are used once, and at most three are sent a day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import ClaimCode, OfflinePerson, User
from accounts.offline import phone_key
from accounts.services import is_erased
from core.audit import audit_record
from core.errors import ApplicationError

LIFETIME = {
    ClaimCode.Channel.TEXT: dt.timedelta(minutes=30),
    ClaimCode.Channel.LETTER: dt.timedelta(days=14),
}
ATTEMPTS = 5
CODES_PER_DAY = 3
CODE_EVERY = dt.timedelta(seconds=60)
#: After the code is accepted, how long the person has to give their email and password.
CLAIM_WINDOW = dt.timedelta(minutes=30)
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I

WRONG = gettext_lazy(
    "That code is not right, or it has expired. Check the number and the code and try again, "
    "or ask for a new code."
)


def _digest(code: str, *, person_id: int) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"claim:{person_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _clean(raw: str) -> str:
    return re.sub(r"[\s\-]", "", raw or "").upper()


def format_reference(reference: str) -> str:
    return f"{reference[:4]}-{reference[4:]}"


def claimable(person: User) -> bool:
    """Whether the person is a record without an online account that can still be claimed."""
    return (
        person.is_active
        and not person.email
        and not is_erased(person)
        and OfflinePerson.objects.filter(person=person, claimed_at__isnull=True).exists()
    )


def claim_code_issue(
    *, person: User, channel: str, actor: User | None, mobile: str = ""
) -> tuple[ClaimCode, str]:
    """A new code for `person` (in the caller's transaction, which sends it): the code in
    clear, to send, and its row. Earlier unused codes stop working."""
    if channel not in ClaimCode.Channel.values:
        raise ApplicationError(_("Choose a text message or a letter."), code="route_invalid")
    locked = User.objects.select_for_update().filter(pk=person.pk).first()
    if locked is None or not claimable(locked):
        raise ApplicationError(
            _("This person already has an online account, or cannot have one."),
            code="not_claimable",
        )
    now = timezone.now()
    recent = ClaimCode.objects.filter(person=person, created_at__gte=now - dt.timedelta(days=1))
    if recent.filter(created_at__gte=now - CODE_EVERY).exists():
        raise ApplicationError(
            _("A code was sent less than a minute ago. Please wait for it."), code="code_too_soon"
        )
    if recent.count() >= CODES_PER_DAY:
        raise ApplicationError(
            _(
                "Kith has sent %(count)s codes today, the most it sends in a day. Please try "
                "again tomorrow."
            )
            % {"count": CODES_PER_DAY},
            code="code_too_soon",
        )
    ClaimCode.objects.filter(person=person, used_at__isnull=True).update(expires_at=now)
    digits = 6 if channel == ClaimCode.Channel.TEXT else 8
    code = f"{secrets.randbelow(10**digits):0{digits}d}"
    reference = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    row = ClaimCode.objects.create(
        person=person,
        channel=channel,
        reference=reference,
        sent_to_mobile=mobile if channel == ClaimCode.Channel.TEXT else "",
        code_digest=_digest(code, person_id=person.pk),
        created_by=actor,
        created_at=now,
        expires_at=now + LIFETIME[ClaimCode.Channel(channel)],
    )
    audit_record(
        actor=actor,
        verb="person.claim_code_sent",
        target=person,
        target_type="person",
        council=person.council,
        data={"channel": channel, "code": row.pk},
    )
    return row, code


def claim_code_check(*, code: str, phone: str = "", reference: str = "") -> ClaimCode:
    """The code a person typed with their phone number (or the letter's reference): the
    code's row, now used, if it is right. Every live code for that number or reference counts
    a wrong try (saved before refusing), so guessing ends after five."""
    given = re.sub(r"\s", "", code or "")
    now = timezone.now()
    if reference:
        where = Q(reference=_clean(reference))
    elif len(phone_key(phone)) >= 9:
        where = Q(sent_to_mobile="+44" + phone_key(phone))
    else:
        raise ApplicationError(
            _("Enter your mobile number, or the reference on your letter."), code="claim_who"
        )
    with transaction.atomic():
        live = list(
            ClaimCode.objects.select_for_update()
            .filter(where, used_at__isnull=True, expires_at__gt=now, attempts__lt=ATTEMPTS)
            .order_by("-created_at")
        )
        right = next(
            (
                row
                for row in live
                if given
                and hmac.compare_digest(_digest(given, person_id=row.person_id), row.code_digest)
            ),
            None,
        )
        if right is not None and claimable(right.person):
            right.used_at = now
            right.save(update_fields=["used_at"])
            audit_record(
                actor=None,
                verb="person.claim_code_used",
                target=right.person,
                target_type="person",
                council=right.person.council,
                data={"code": right.pk},
            )
            return right
        for row in live:
            row.attempts += 1
            row.save(update_fields=["attempts"])
    raise ApplicationError(WRONG, code="code_wrong")


@transaction.atomic
def account_claim(*, claim_code_id: int, email: str, password: str) -> User:
    """The person sets the email address and password of their online account, within
    `CLAIM_WINDOW` of their code being accepted. The address is unverified until they follow
    the link allauth emails (the caller sends it); their needs and matches stay theirs."""
    email = (email or "").strip().lower()
    code = ClaimCode.objects.select_for_update().filter(pk=claim_code_id).first()
    if code is None or code.used_at is None or code.used_at < timezone.now() - CLAIM_WINDOW:
        raise ApplicationError(
            _("That took too long. Please ask for a new code."), code="claim_expired"
        )
    person = User.objects.select_for_update().get(pk=code.person_id)
    if not claimable(person):
        raise ApplicationError(_("This account has already been set up."), code="not_claimable")
    if not email or "@" not in email:
        raise ApplicationError(_("Enter your email address."), code="email_invalid")
    taken = (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )
    if taken:
        raise ApplicationError(
            _(
                "This email address is already used by a Kith account. Sign in with it instead, "
                "or use another address."
            ),
            code="email_taken",
        )
    try:
        validate_password(password, user=person)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), code="password_weak") from None
    person.email = email
    person.set_password(password)
    person.save(update_fields=["email", "password"])
    EmailAddress.objects.create(user=person, email=email, primary=True, verified=False)
    OfflinePerson.objects.filter(person=person).update(claimed_at=timezone.now())
    ClaimCode.objects.filter(person=person, used_at__isnull=True).update(expires_at=timezone.now())
    audit_record(
        actor=person,
        verb="person.account_claimed",
        target=person,
        target_type="person",
        council=person.council,
        data={"code": code.pk, "channel": code.channel},
    )
    return person
